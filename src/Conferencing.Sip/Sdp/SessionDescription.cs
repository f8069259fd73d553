namespace Conferencing.Sip.Sdp;

/// <summary>
/// A session description (RFC 8866): session-level fields and the m= sections. Parse with
/// <see cref="TryParse(string, out SessionDescription?, out string?)"/> or <see cref="Parse(string)"/>;
/// <see cref="ToString"/> writes it back with CRLF line ends.
/// </summary>
public sealed partial class SessionDescription
{
    /// <summary>Creates a description with the given origin and "-" as session name.</summary>
    public SessionDescription(SdpOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        Origin = origin;
    }

    /// <summary>The v= line; always 0.</summary>
    public int Version { get; set; }

    /// <summary>The o= line.</summary>
    public SdpOrigin Origin { get; set; }

    /// <summary>The s= line; "-" when there is no name.</summary>
    public string SessionName { get; set; } = "-";

    /// <summary>The session-level i= line.</summary>
    public string? Information { get; set; }

    /// <summary>The u= line.</summary>
    public string? Uri { get; set; }

    /// <summary>The e= lines.</summary>
    public IList<string> Emails { get; } = [];

    /// <summary>The p= lines.</summary>
    public IList<string> Phones { get; } = [];

    /// <summary>The session-level c= line.</summary>
    public SdpConnection? Connection { get; set; }

    /// <summary>The session-level b= lines.</summary>
    public IList<SdpBandwidth> Bandwidths { get; } = [];

    /// <summary>The t= lines, each with its r= lines; at least one on the wire.</summary>
    public IList<SdpTiming> Timings { get; } = [];

    /// <summary>The z= line, verbatim.</summary>
    public string? TimeZones { get; set; }

    /// <summary>The session-level k= line, verbatim.</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>The session-level a= lines in order.</summary>
    public IList<SdpAttribute> Attributes { get; } = [];

    /// <summary>The m= sections in order.</summary>
    public IList<MediaDescription> Media { get; } = [];

    /// <summary>The session-level direction attribute, or null (RFC 8866 section 6.7: the default for every m= section).</summary>
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
    }

    /// <summary>
    /// The direction in force for an m= section: its own attribute, else the session's, else sendrecv.
    /// </summary>
    public MediaDirection GetEffectiveDirection(MediaDescription media)
    {
        ArgumentNullException.ThrowIfNull(media);
        return media.Direction ?? Direction ?? MediaDirection.SendRecv;
    }

    /// <summary>The connection in force for an m= section: its own c= line, else the session's.</summary>
    public SdpConnection? GetEffectiveConnection(MediaDescription media)
    {
        ArgumentNullException.ThrowIfNull(media);
        return media.Connection ?? Connection;
    }

    /// <summary>The value of the first session-level attribute named <paramref name="name"/>, or null.</summary>
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
}
