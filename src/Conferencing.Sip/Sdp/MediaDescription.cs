using System.Diagnostics.CodeAnalysis;

namespace Conferencing.Sip.Sdp;

/// <summary>
/// One m= section: the media line and the i=, c=, b=, k= and a= lines under it. Attributes are
/// stored in wire order, verbatim, so unknown ones round-trip; typed accessors read them.
/// </summary>
public sealed class MediaDescription
{
    /// <summary>Creates an m= section.</summary>
    public MediaDescription(string media, int port, string protocol, IEnumerable<string> formats)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(media);
        ArgumentException.ThrowIfNullOrWhiteSpace(protocol);
        ArgumentNullException.ThrowIfNull(formats);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)port, 65535u, nameof(port));
        Media = media;
        Port = port;
        Protocol = protocol;
        Formats = [.. formats];
    }

    /// <summary>"audio", "video", "application", "text" or "message".</summary>
    public string Media { get; set; }

    /// <summary>The transport port; 0 rejects or disables the stream (RFC 3264 section 6).</summary>
    public int Port { get; set; }

    /// <summary>The "/number" after the port, when present.</summary>
    public int? NumberOfPorts { get; set; }

    /// <summary>"RTP/AVP", "RTP/AVPF", "RTP/SAVP", "RTP/SAVPF", "UDP/BFCP"…</summary>
    public string Protocol { get; set; }

    /// <summary>The format list: payload type numbers for RTP profiles.</summary>
    public IList<string> Formats { get; }

    /// <summary>The i= line.</summary>
    public string? Information { get; set; }

    /// <summary>The c= lines (several only for layered multicast).</summary>
    public IList<SdpConnection> Connections { get; } = [];

    /// <summary>The b= lines.</summary>
    public IList<SdpBandwidth> Bandwidths { get; } = [];

    /// <summary>The k= line, verbatim (obsolete, kept for round trip).</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>The a= lines in order.</summary>
    public IList<SdpAttribute> Attributes { get; } = [];

    /// <summary>True for the RTP profiles (RTP/AVP, RTP/AVPF, RTP/SAVP, RTP/SAVPF and UDP/TLS variants).</summary>
    public bool IsRtp => Protocol.Contains("RTP/", StringComparison.OrdinalIgnoreCase);

    /// <summary>The first c= line, if any.</summary>
    public SdpConnection? Connection => Connections.Count > 0 ? Connections[0] : null;

    /// <summary>The explicit direction attribute, or null when this section does not have one.</summary>
    public MediaDirection? Direction
    {
        get
        {
            foreach (SdpAttribute a in Attributes)
            {
                if (a.Value is null && MediaDirectionExtensions.TryParse(a.Name, out MediaDirection d))
                {
                    return d;
                }
            }

            return null;
        }

        set
        {
            for (int i = Attributes.Count - 1; i >= 0; i--)
            {
                if (Attributes[i].Value is null && MediaDirectionExtensions.TryParse(Attributes[i].Name, out _))
                {
                    Attributes.RemoveAt(i);
                }
            }

            if (value is { } d)
            {
                Attributes.Add(new SdpAttribute(d.ToAttributeName()));
            }
        }
    }

    /// <summary>a=mid (RFC 5888).</summary>
    public string? Mid => GetAttributeValue("mid");

    /// <summary>a=label (RFC 4574).</summary>
    public string? Label => GetAttributeValue("label");

    /// <summary>a=content (RFC 4796): "main", "slides", "alt", "sl", "speaker"… comma separated.</summary>
    public string? Content => GetAttributeValue("content");

    /// <summary>True when a=content lists <paramref name="tag"/>, e.g. "slides" for an H.239-style presentation stream.</summary>
    public bool HasContent(string tag)
    {
        string? content = Content;
        if (content is null)
        {
            return false;
        }

        foreach (string part in content.Split(',', StringSplitOptions.TrimEntries))
        {
            if (string.Equals(part, tag, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>a=rtcp-mux (RFC 5761): RTP and RTCP share one port.</summary>
    public bool RtcpMux => HasAttribute("rtcp-mux");

    /// <summary>a=rtcp (RFC 3605), or null when absent or malformed.</summary>
    public SdpRtcpAddress? Rtcp => SdpRtcpAddress.TryParse(GetAttributeValue("rtcp"), out SdpRtcpAddress? rtcp) ? rtcp : null;

    /// <summary>The a=rtpmap lines.</summary>
    public IEnumerable<SdpRtpMap> RtpMaps => ParseAll<SdpRtpMap>("rtpmap", SdpRtpMap.TryParse);

    /// <summary>The a=rtcp-fb lines.</summary>
    public IEnumerable<SdpRtcpFeedback> RtcpFeedback => ParseAll<SdpRtcpFeedback>("rtcp-fb", SdpRtcpFeedback.TryParse);

    /// <summary>The a=ssrc lines.</summary>
    public IEnumerable<SdpSsrc> Ssrcs => ParseAll<SdpSsrc>("ssrc", SdpSsrc.TryParse);

    /// <summary>The value of the first attribute named <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? GetAttributeValue(string name)
    {
        foreach (SdpAttribute a in Attributes)
        {
            if (string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return a.Value;
            }
        }

        return null;
    }

    /// <summary>True when an attribute named <paramref name="name"/> is present.</summary>
    public bool HasAttribute(string name)
    {
        foreach (SdpAttribute a in Attributes)
        {
            if (string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The bandwidth of the given type (e.g. "AS"), or null.</summary>
    public ulong? GetBandwidth(string type)
    {
        foreach (SdpBandwidth b in Bandwidths)
        {
            if (string.Equals(b.Type, type, StringComparison.OrdinalIgnoreCase))
            {
                return b.Value;
            }
        }

        return null;
    }

    /// <summary>The rtpmap for a format, or null.</summary>
    public SdpRtpMap? GetRtpMap(string format)
    {
        foreach (SdpRtpMap map in RtpMaps)
        {
            if (SdpSyntax.Format(map.PayloadType) == format)
            {
                return map;
            }
        }

        return null;
    }

    /// <summary>The parameters of the a=fmtp line for a format (everything after "fmt "), or null.</summary>
    public string? GetFormatParameters(string format)
    {
        foreach (SdpAttribute a in Attributes)
        {
            if (a.Value is not null && string.Equals(a.Name, "fmtp", StringComparison.OrdinalIgnoreCase))
            {
                int space = a.Value.IndexOf(' ', StringComparison.Ordinal);
                string fmt = space < 0 ? a.Value : a.Value[..space];
                if (fmt == format)
                {
                    return space < 0 ? string.Empty : a.Value[(space + 1)..].Trim();
                }
            }
        }

        return null;
    }

    /// <summary>The rtcp-fb lines that apply to a format: its own and the wildcard ones.</summary>
    public IReadOnlyList<SdpRtcpFeedback> GetRtcpFeedback(string format) =>
        [.. RtcpFeedback.Where(f => f.Format == format || f.Format == SdpRtcpFeedback.Wildcard)];

    /// <summary>
    /// The codec a format stands for, from its rtpmap and fmtp or, for static payload types
    /// without rtpmap, from the RFC 3551 table. Null when neither says.
    /// </summary>
    public MediaFormat? GetMediaFormat(string format)
    {
        string? fmtp = GetFormatParameters(format);
        if (GetRtpMap(format) is { } map)
        {
            return new MediaFormat(map.EncodingName, map.ClockRate, map.Channels ?? 1, fmtp);
        }

        return SdpSyntax.TryParsePayloadType(format, out int pt) && MediaFormat.FromStaticPayloadType(pt) is { } known
            ? known.WithParameters(fmtp)
            : null;
    }

    /// <summary>Every format of the m-line paired with the codec it stands for, skipping unknown ones.</summary>
    public IEnumerable<(int PayloadType, MediaFormat Format)> GetMediaFormats()
    {
        foreach (string format in Formats)
        {
            if (SdpSyntax.TryParsePayloadType(format, out int pt) && GetMediaFormat(format) is { } mf)
            {
                yield return (pt, mf);
            }
        }
    }

    private delegate bool TryParser<T>(string? value, [NotNullWhen(true)] out T? result);

    private IEnumerable<T> ParseAll<T>(string name, TryParser<T> parser)
    {
        foreach (SdpAttribute a in Attributes)
        {
            if (string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase) && parser(a.Value, out T? value))
            {
                yield return value;
            }
        }
    }
}
