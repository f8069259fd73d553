using System.Net;
using Conferencing.Relay.Media;
using Conferencing.Sip.Sdp;

namespace Conferencing.Relay.Legs;

/// <summary>
/// What a leg's SDP says for a meeting: the profile's codecs on the meeting's shared ports, and
/// turning a negotiation result into a <see cref="LegMedia"/> with per-leg payload type maps.
/// </summary>
internal static class LegSdp
{
    /// <summary>Payload type we offer for the video codec (and for an audio codec without a static number).</summary>
    public const int DynamicVideoPayloadType = 96;

    /// <summary>Payload type we offer for telephone-event.</summary>
    public const int TelephoneEventPayloadType = 101;

    /// <summary>Payload type we offer for opus.</summary>
    public const int DynamicAudioPayloadType = 111;

    /// <summary>
    /// Our capabilities for a meeting. rtcp-mux is accepted when offered but not offered: a room
    /// system that ignores it would send RTCP to a port the relay did not expect.
    /// </summary>
    public static LocalCapabilities Capabilities(MeetingMedia media, bool answering)
    {
        var capabilities = new LocalCapabilities(media.Address.ToString())
        {
            Username = "relay",
            SessionName = "Conferencing relay " + media.Number,
        };

        var audio = new LocalMediaCapability("audio") { RtcpMux = answering };
        MediaFormat main = media.AudioCodecs[0];
        audio.Codecs.Add(new LocalCodec(main, main.StaticPayloadType ?? DynamicAudioPayloadType));
        for (int i = 1; i < media.AudioCodecs.Count; i++)
        {
            audio.Codecs.Add(new LocalCodec(media.AudioCodecs[i], TelephoneEventPayloadType));
        }

        capabilities.Media.Add(audio);
        if (media.Video is not null)
        {
            var video = new LocalMediaCapability("video")
            {
                RtcpMux = answering,
                MaxBandwidthKbps = (ulong)media.Profile.VideoKbps,
            };
            video.Codecs.Add(new LocalCodec(media.VideoCodecs[0], DynamicVideoPayloadType).WithFeedback("nack pli", "ccm fir"));
            capabilities.Media.Add(video);
        }

        return capabilities;
    }

    /// <summary>Our transports in the order of <see cref="Capabilities"/>: audio, then video.</summary>
    public static List<MediaTransport> OfferTransports(MeetingMedia media)
    {
        List<MediaTransport> transports = [Transport(media.Audio)];
        if (media.Video is { } video)
        {
            transports.Add(Transport(video));
        }

        return transports;
    }

    /// <summary>Our transport for each offered m-line, by its media type (streams of other types are rejected by the negotiator).</summary>
    public static List<MediaTransport> AnswerTransports(SessionDescription offer, MeetingMedia media)
    {
        var transports = new List<MediaTransport>(offer.Media.Count);
        foreach (MediaDescription m in offer.Media)
        {
            MediaChannel? channel = string.Equals(m.Media, "video", StringComparison.OrdinalIgnoreCase) ? media.Video : media.Audio;
            transports.Add(Transport(channel ?? media.Audio));
        }

        return transports;
    }

    /// <summary>
    /// Builds a leg's media from the negotiated streams: the first accepted stream of each kind,
    /// its remote ports, and its payload types mapped to the profile's codecs both ways. Null when
    /// no stream is usable.
    /// </summary>
    public static LegMedia? BuildMedia(string legId, MeetingMedia media, IReadOnlyList<NegotiatedStream> streams, IPAddress fallbackAddress)
    {
        var leg = new LegMedia(legId);
        foreach (NegotiatedStream negotiated in streams)
        {
            if (!negotiated.IsAccepted)
            {
                continue;
            }

            MediaKind kind;
            if (string.Equals(negotiated.MediaType, "audio", StringComparison.OrdinalIgnoreCase))
            {
                kind = MediaKind.Audio;
            }
            else if (string.Equals(negotiated.MediaType, "video", StringComparison.OrdinalIgnoreCase) && negotiated.Content is null or "main")
            {
                kind = MediaKind.Video;
            }
            else
            {
                continue;
            }

            if (leg.Stream(kind) is not null || media.Channel(kind) is not { } channel)
            {
                continue;
            }

            var stream = CreateStream(leg, kind, channel, negotiated, fallbackAddress);
            if (kind == MediaKind.Audio)
            {
                leg.Audio = stream;
            }
            else
            {
                leg.Video = stream;
                bool pli = negotiated.Feedback.Any(f => Is(f.Type, "nack") && Is(f.Parameter, "pli"));
                bool fir = negotiated.Feedback.Any(f => Is(f.Type, "ccm") && Is(f.Parameter, "fir"));
                leg.NegotiatedKeyframeMethod = pli ? KeyframeMethod.Pli : fir ? KeyframeMethod.Fir : KeyframeMethod.None;
            }
        }

        return leg.Audio is null && leg.Video is null ? null : leg;
    }

    /// <summary>Applies a re-negotiation (re-INVITE) to a leg's existing streams: new ports, direction and payload types.</summary>
    public static void Update(LegMedia leg, MeetingMedia media, IReadOnlyList<NegotiatedStream> streams, IPAddress fallbackAddress)
    {
        var seen = new HashSet<MediaKind>();
        foreach (NegotiatedStream negotiated in streams)
        {
            MediaKind kind = string.Equals(negotiated.MediaType, "video", StringComparison.OrdinalIgnoreCase) ? MediaKind.Video : MediaKind.Audio;
            if (!seen.Add(kind) || leg.Stream(kind) is not { } stream || media.Channel(kind) is not { } channel)
            {
                continue;
            }

            if (!negotiated.IsAccepted)
            {
                stream.SendEnabled = false;
                continue;
            }

            IPAddress address = AddressOf(negotiated, fallbackAddress);
            stream.SetRemote(new IPEndPoint(address, negotiated.RemotePort), new IPEndPoint(address, negotiated.RemoteRtcpPort));
            MapPayloadTypes(stream, channel, negotiated);
            stream.SendEnabled = CanSend(negotiated, address);
        }
    }

    private static LegStream CreateStream(LegMedia leg, MediaKind kind, MediaChannel channel, NegotiatedStream negotiated, IPAddress fallbackAddress)
    {
        IPAddress address = AddressOf(negotiated, fallbackAddress);
        var stream = new LegStream(
            leg,
            kind,
            channel.ClockRate,
            new IPEndPoint(address, negotiated.RemotePort),
            new IPEndPoint(address, negotiated.RemoteRtcpPort),
            negotiated.RtcpMux);
        MapPayloadTypes(stream, channel, negotiated);
        stream.SendEnabled = CanSend(negotiated, address);
        stream.CodecName = negotiated.Codec?.RemoteFormat.ToRtpMapEncoding();
        if (kind == MediaKind.Video && negotiated.Codec is { RemoteFormat.IsH264: true } h264)
        {
            stream.ParameterSets.ObserveSdp(h264.RemoteFormat.GetParameter("sprop-parameter-sets"));
        }

        return stream;
    }

    /// <summary>
    /// The leg sends with the numbers of our description, and the relay sends it the numbers of
    /// its own; its own numbers are accepted inbound too, since many endpoints send with them.
    /// </summary>
    private static void MapPayloadTypes(LegStream stream, MediaChannel channel, NegotiatedStream negotiated)
    {
        Array.Fill(stream.CodecOfPayloadType, LegStream.NoCodec);
        Array.Fill(stream.PayloadTypeOfCodec, LegStream.NoPayloadType);
        foreach (NegotiatedCodec codec in negotiated.Codecs)
        {
            int index = -1;
            for (int i = 0; i < channel.Codecs.Count; i++)
            {
                if (channel.Codecs[i].IsCompatibleWith(codec.LocalFormat))
                {
                    index = i;
                    break;
                }
            }

            if (index < 0 || (uint)codec.ReceivePayloadType > 127 || (uint)codec.PayloadType > 127)
            {
                continue;
            }

            stream.CodecOfPayloadType[codec.ReceivePayloadType] = (sbyte)index;
            if (stream.CodecOfPayloadType[codec.PayloadType] == LegStream.NoCodec)
            {
                stream.CodecOfPayloadType[codec.PayloadType] = (sbyte)index;
            }

            if (stream.PayloadTypeOfCodec[index] == LegStream.NoPayloadType)
            {
                stream.PayloadTypeOfCodec[index] = (byte)codec.PayloadType;
            }
        }
    }

    private static bool CanSend(NegotiatedStream negotiated, IPAddress address) =>
        negotiated.Direction.CanSend() && !negotiated.IsHeldByRemote && negotiated.RemotePort != 0 && !address.Equals(IPAddress.Any);

    private static IPAddress AddressOf(NegotiatedStream negotiated, IPAddress fallback) =>
        IPAddress.TryParse(negotiated.RemoteAddress, out IPAddress? address) ? address : fallback;

    private static MediaTransport Transport(MediaChannel channel) =>
        new(null, channel.RtpPort, channel.RtcpPort == channel.RtpPort + 1 ? null : channel.RtcpPort);

    private static bool Is(string? value, string expected) => string.Equals(value, expected, StringComparison.OrdinalIgnoreCase);
}
