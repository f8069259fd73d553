using System.Text;

namespace Conferencing.Sip.Sdp;

public sealed partial class SessionDescription
{
    /// <summary>Writes the description in RFC 8866 line order with CRLF line ends.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(512);
        Line(sb, 'v', SdpSyntax.Format(Version));
        Line(sb, 'o', Origin.ToString());
        Line(sb, 's', SessionName);
        Optional(sb, 'i', Information);
        Optional(sb, 'u', Uri);
        foreach (string e in Emails)
        {
            Line(sb, 'e', e);
        }

        foreach (string p in Phones)
        {
            Line(sb, 'p', p);
        }

        if (Connection is not null)
        {
            Line(sb, 'c', Connection.ToString());
        }

        foreach (SdpBandwidth b in Bandwidths)
        {
            Line(sb, 'b', b.ToString());
        }

        foreach (SdpTiming t in Timings)
        {
            Line(sb, 't', $"{SdpSyntax.Format(t.Start)} {SdpSyntax.Format(t.Stop)}");
            foreach (string r in t.Repeats)
            {
                Line(sb, 'r', r);
            }
        }

        Optional(sb, 'z', TimeZones);
        Optional(sb, 'k', EncryptionKey);
        foreach (SdpAttribute a in Attributes)
        {
            Line(sb, 'a', a.ToString());
        }

        foreach (MediaDescription m in Media)
        {
            sb.Append("m=").Append(m.Media).Append(' ').Append(SdpSyntax.Format(m.Port));
            if (m.NumberOfPorts is { } n)
            {
                sb.Append('/').Append(SdpSyntax.Format(n));
            }

            sb.Append(' ').Append(m.Protocol);
            foreach (string f in m.Formats)
            {
                sb.Append(' ').Append(f);
            }

            sb.Append("\r\n");
            Optional(sb, 'i', m.Information);
            foreach (SdpConnection c in m.Connections)
            {
                Line(sb, 'c', c.ToString());
            }

            foreach (SdpBandwidth b in m.Bandwidths)
            {
                Line(sb, 'b', b.ToString());
            }

            Optional(sb, 'k', m.EncryptionKey);
            foreach (SdpAttribute a in m.Attributes)
            {
                Line(sb, 'a', a.ToString());
            }
        }

        return sb.ToString();
    }

    /// <summary>The description as UTF-8 bytes, ready for a SIP message body.</summary>
    public byte[] ToUtf8Bytes() => Encoding.UTF8.GetBytes(ToString());

    private static void Line(StringBuilder sb, char type, string value) =>
        sb.Append(type).Append('=').Append(value).Append("\r\n");

    private static void Optional(StringBuilder sb, char type, string? value)
    {
        if (value is not null)
        {
            Line(sb, type, value);
        }
    }
}
