namespace Conferencing.Sip.Sdp;

public sealed partial class MediaFormat
{
    /// <summary>Encoding name of H.264.</summary>
    public const string H264Name = "H264";

    /// <summary>Encoding name of Opus.</summary>
    public const string OpusName = "opus";

    /// <summary>Encoding name of RFC 4733 DTMF events.</summary>
    public const string TelephoneEventName = "telephone-event";

    /// <summary>G.711 µ-law, static payload type 0.</summary>
    public static MediaFormat Pcmu { get; } = new("PCMU", 8000);

    /// <summary>G.711 A-law, static payload type 8.</summary>
    public static MediaFormat Pcma { get; } = new("PCMA", 8000);

    /// <summary>G.722, static payload type 9. Its RTP clock is 8000 although it samples at 16 kHz (RFC 3551 section 4.5.2).</summary>
    public static MediaFormat G722 { get; } = new("G722", 8000);

    /// <summary>G.729, static payload type 18.</summary>
    public static MediaFormat G729 { get; } = new("G729", 8000);

    /// <summary>VP8 (RFC 7741), a plain named codec here.</summary>
    public static MediaFormat Vp8 { get; } = new("VP8", 90000);

    /// <summary>H.263 (RFC 2190), static payload type 34, still offered by older room systems.</summary>
    public static MediaFormat H263 { get; } = new("H263", 90000);

    /// <summary>H.263+ (RFC 4629).</summary>
    public static MediaFormat H263Plus { get; } = new("H263-1998", 90000);

    /// <summary>Opus (RFC 7587): always opus/48000/2 in SDP whatever is actually sent.</summary>
    public static MediaFormat Opus(string? formatParameters = "minptime=10;useinbandfec=1") => new(OpusName, 48000, 2, formatParameters);

    /// <summary>DTMF events at the given clock rate (it must match the audio codec's), events 0-15 by default.</summary>
    public static MediaFormat TelephoneEvent(int clockRate = 8000, string? events = "0-15") => new(TelephoneEventName, clockRate, 1, events);

    /// <summary>H.264 with a profile-level-id and packetization mode; extra parameters (max-mbps…) appended verbatim.</summary>
    public static MediaFormat H264(string profileLevelId = "42e01f", int packetizationMode = 1, string? extraParameters = null)
    {
        string fmtp = $"profile-level-id={profileLevelId};packetization-mode={SdpSyntax.Format(packetizationMode)}";
        return new MediaFormat(H264Name, 90000, 1, extraParameters is null ? fmtp : $"{fmtp};{extraParameters}");
    }

    /// <summary>The codec a static payload type stands for when no rtpmap says otherwise (RFC 3551 tables 4 and 5).</summary>
    public static MediaFormat? FromStaticPayloadType(int payloadType) => payloadType switch
    {
        0 => Pcmu,
        3 => new MediaFormat("GSM", 8000),
        4 => new MediaFormat("G723", 8000),
        8 => Pcma,
        9 => G722,
        13 => new MediaFormat("CN", 8000),
        15 => new MediaFormat("G728", 8000),
        18 => G729,
        26 => new MediaFormat("JPEG", 90000),
        31 => new MediaFormat("H261", 90000),
        34 => H263,
        _ => null,
    };

    /// <summary>The static payload type for this codec when it has one (and no channels or rates that differ), else null.</summary>
    public int? StaticPayloadType
    {
        get
        {
            foreach (int pt in (ReadOnlySpan<int>)[0, 3, 4, 8, 9, 13, 15, 18, 26, 31, 34])
            {
                MediaFormat known = FromStaticPayloadType(pt)!;
                if (known.Is(EncodingName) && known.ClockRate == ClockRate && known.Channels == Channels)
                {
                    return pt;
                }
            }

            return null;
        }
    }

    /// <summary>packetization-mode of H.264: 0 (the default), 1 or 2 (RFC 6184 section 8.1).</summary>
    public int H264PacketizationMode =>
        SdpSyntax.TryParseInt(GetParameter("packetization-mode"), out int mode) ? mode : 0;

    /// <summary>The H.264 profile-level-id, the RFC 6184 default when absent, null when malformed.</summary>
    public H264ProfileLevelId? H264ProfileLevelId =>
        Sdp.H264ProfileLevelId.TryParseOrDefault(GetParameter("profile-level-id"), out H264ProfileLevelId? value) ? value : null;

    /// <summary>True when level-asymmetry-allowed=1 (RFC 6184 section 8.1).</summary>
    public bool H264LevelAsymmetryAllowed => GetParameter("level-asymmetry-allowed") == "1";

    /// <summary>
    /// True when an offer or answer may pair these two formats: same name, clock rate and
    /// channels, and for H.264 the same packetization mode and profile (levels are negotiated,
    /// not matched, RFC 6184 section 8.2.2).
    /// </summary>
    public bool IsCompatibleWith(MediaFormat other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!Is(other.EncodingName) || ClockRate != other.ClockRate || Channels != other.Channels)
        {
            return false;
        }

        if (IsH264)
        {
            return H264PacketizationMode == other.H264PacketizationMode
                && H264ProfileLevelId is { } mine && other.H264ProfileLevelId is { } theirs
                && mine.HasSameProfile(theirs);
        }

        return true;
    }

    /// <summary>The DTMF events of a telephone-event fmtp ("0-15,66") expanded; empty when absent.</summary>
    public IReadOnlyList<(int First, int Last)> TelephoneEventRanges
    {
        get
        {
            var ranges = new List<(int, int)>();
            if (!IsTelephoneEvent || FormatParameters is null)
            {
                return ranges;
            }

            foreach (string item in FormatParameters.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                int dash = item.IndexOf('-', StringComparison.Ordinal);
                if (dash < 0 && SdpSyntax.TryParseInt(item, out int single))
                {
                    ranges.Add((single, single));
                }
                else if (dash > 0 && SdpSyntax.TryParseInt(item.AsSpan(0, dash), out int first) && SdpSyntax.TryParseInt(item.AsSpan(dash + 1), out int last) && first <= last)
                {
                    ranges.Add((first, last));
                }
            }

            return ranges;
        }
    }
}
