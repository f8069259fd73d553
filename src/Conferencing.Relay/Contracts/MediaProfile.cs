using Conferencing.Sip.Sdp;

namespace Conferencing.Relay;

/// <summary>
/// What the program of a relay meeting carries: one audio codec and, optionally, H.264 video. The
/// relay forwards packets and never transcodes, so every leg must speak these codecs; a leg that
/// shares none of them gets 488. Payload type numbers are not part of the profile: each leg
/// negotiates its own and the relay maps them per leg by codec.
/// </summary>
public sealed record MediaProfile
{
    /// <summary>The default audio codec: G.711 µ-law, which every room system and softphone speaks.</summary>
    public const string DefaultAudioCodec = "PCMU";

    /// <summary>The default H.264 profile-level-id: constrained baseline, level 3.1.</summary>
    public const string DefaultH264ProfileLevelId = "42e01f";

    /// <summary>The default H.264 packetization mode: 1 (non-interleaved, FU-A and STAP-A).</summary>
    public const int DefaultH264PacketizationMode = 1;

    /// <summary>The default video bandwidth: 2048 kbit/s, a third of a commune's 6 Mbit/s link.</summary>
    public const int DefaultVideoKbps = 2048;

    /// <summary>Audio codecs a profile may name.</summary>
    public static IReadOnlyList<string> AudioCodecs { get; } = ["PCMU", "PCMA", "G722", "opus"];

    /// <summary>The default profile: PCMU audio, H.264 constrained baseline video at 2 Mbit/s.</summary>
    public static MediaProfile Default { get; } = new();

    /// <summary>The audio codec: PCMU, PCMA, G722 or opus. The default is <see cref="DefaultAudioCodec"/>.</summary>
    public string AudioCodec { get; init; } = DefaultAudioCodec;

    /// <summary>Offer and accept RFC 4733 telephone-event next to the audio codec. The default is true.</summary>
    public bool TelephoneEvent { get; init; } = true;

    /// <summary>Carry video. The default is true.</summary>
    public bool Video { get; init; } = true;

    /// <summary>The H.264 profile-level-id (6 hex digits). The default is <see cref="DefaultH264ProfileLevelId"/>.</summary>
    public string H264ProfileLevelId { get; init; } = DefaultH264ProfileLevelId;

    /// <summary>The H.264 packetization mode, 0 or 1. The default is <see cref="DefaultH264PacketizationMode"/>.</summary>
    public int H264PacketizationMode { get; init; } = DefaultH264PacketizationMode;

    /// <summary>The video bandwidth declared in SDP (b=AS), 64 to 20000 kbit/s. The default is <see cref="DefaultVideoKbps"/>.</summary>
    public int VideoKbps { get; init; } = DefaultVideoKbps;

    /// <summary>Field errors keyed by property name (camelCase, as in JSON); empty when the profile is valid.</summary>
    public IReadOnlyDictionary<string, string[]> Validate(string prefix = "")
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!AudioCodecs.Contains(AudioCodec, StringComparer.OrdinalIgnoreCase))
        {
            errors[prefix + "audioCodec"] = [$"Unknown audio codec '{AudioCodec}'; use one of {string.Join(", ", AudioCodecs)}."];
        }

        if (H264ProfileLevelId is null || !global::Conferencing.Sip.Sdp.H264ProfileLevelId.TryParse(H264ProfileLevelId, out _))
        {
            errors[prefix + "h264ProfileLevelId"] = ["The profile-level-id must be 6 hex digits naming a known H.264 profile, e.g. 42e01f."];
        }

        if (H264PacketizationMode is not (0 or 1))
        {
            errors[prefix + "h264PacketizationMode"] = ["The packetization mode must be 0 or 1."];
        }

        if (VideoKbps is < 64 or > 20000)
        {
            errors[prefix + "videoKbps"] = ["The video bandwidth must be between 64 and 20000 kbit/s."];
        }

        return errors;
    }

    /// <summary>The audio codec as an SDP media format.</summary>
    internal MediaFormat AudioFormat => AudioCodec.ToUpperInvariant() switch
    {
        "PCMA" => MediaFormat.Pcma,
        "G722" => MediaFormat.G722,
        "OPUS" => MediaFormat.Opus(),
        _ => MediaFormat.Pcmu,
    };

    /// <summary>The video codec as an SDP media format.</summary>
    internal MediaFormat VideoFormat => MediaFormat.H264(H264ProfileLevelId, H264PacketizationMode);
}
