using System.Net;
using Conferencing.Relay.Media;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conferencing.Relay.Tests.Infrastructure;

/// <summary>
/// A relay meeting's media with legs whose far ends are probes on loopback: the packet path,
/// switching, RTCP and keyframe handling, without SIP in the way.
/// </summary>
internal sealed class MediaHarness : IDisposable
{
    private readonly List<TestLeg> _legs = [];

    public MediaHarness(RelayOptions? options = null, MediaProfile? profile = null)
    {
        Options = options ?? TestOptions();
        Media = new MeetingMedia("1001", profile ?? MediaProfile.Default, Options, new MediaPortAllocator(IPAddress.Loopback, (0, 0), 1 << 20), NullLogger.Instance, TimeProvider.System);
        Media.Start();
    }

    public RelayOptions Options { get; }

    public MeetingMedia Media { get; }

    public IPEndPoint VideoPort => new(IPAddress.Loopback, Media.Video!.RtpPort);

    public IPEndPoint VideoRtcpPort => new(IPAddress.Loopback, Media.Video!.RtcpPort);

    public IPEndPoint AudioPort => new(IPAddress.Loopback, Media.Audio.RtpPort);

    public static RelayOptions TestOptions(bool batched = true) => new()
    {
        Name = "test",
        Sip = "127.0.0.1:0",
        MediaAddress = "127.0.0.1",
        MediaPorts = "0",
        BatchedSend = batched,
        SocketBufferBytes = 1 << 20,
    };

    /// <summary>Adds a connected leg whose video uses <paramref name="videoPayloadType"/>.</summary>
    public TestLeg AddLeg(string id, int videoPayloadType = 96, KeyframeMethod keyframes = KeyframeMethod.Pli, bool add = true)
    {
        var leg = new TestLeg(this, id, videoPayloadType, keyframes);
        _legs.Add(leg);
        if (add)
        {
            Media.Add(leg.Media);
        }

        return leg;
    }

    /// <summary>
    /// Adds a leg whose far end is a socket nobody reads (the kernel drops what overflows): many
    /// legs without many probe threads.
    /// </summary>
    public LegMedia AddSilentLeg(string id, IPEndPoint sink)
    {
        var media = new LegMedia(id) { NegotiatedKeyframeMethod = KeyframeMethod.Pli };
        var audio = new LegStream(media, MediaKind.Audio, 8000, sink, sink, rtcpMux: true);
        audio.CodecOfPayloadType[0] = 0;
        audio.PayloadTypeOfCodec[0] = 0;
        var video = new LegStream(media, MediaKind.Video, 90000, sink, sink, rtcpMux: true);
        video.CodecOfPayloadType[96] = 0;
        video.PayloadTypeOfCodec[0] = 96;
        media.Audio = audio;
        media.Video = video;
        Media.Add(media);
        return media;
    }

    public void Dispose()
    {
        Media.Dispose();
        foreach (TestLeg leg in _legs)
        {
            leg.Dispose();
        }
    }
}

/// <summary>A leg of a <see cref="MediaHarness"/>: four probes and the leg's media.</summary>
internal sealed class TestLeg : IDisposable
{
    private readonly MediaHarness _harness;
    private ushort _videoSequence = (ushort)Random.Shared.Next(0, 60000);
    private uint _videoTimestamp = (uint)Random.Shared.Next();
    private ushort _audioSequence = (ushort)Random.Shared.Next(0, 60000);
    private uint _audioTimestamp = (uint)Random.Shared.Next();

    public TestLeg(MediaHarness harness, string id, int videoPayloadType, KeyframeMethod keyframes)
    {
        _harness = harness;
        Id = id;
        VideoPayloadType = videoPayloadType;
        (AudioRtp, AudioRtcp) = UdpProbe.Pair();
        (VideoRtp, VideoRtcp) = UdpProbe.Pair();
        Ssrc = (uint)Random.Shared.Next(1, int.MaxValue);
        Media = new LegMedia(id) { NegotiatedKeyframeMethod = keyframes };
        var audio = new LegStream(Media, MediaKind.Audio, 8000, AudioRtp.EndPoint, AudioRtcp.EndPoint, rtcpMux: false);
        audio.CodecOfPayloadType[0] = 0;
        audio.PayloadTypeOfCodec[0] = 0;
        audio.CodecOfPayloadType[101] = 1;
        audio.PayloadTypeOfCodec[1] = 101;
        var video = new LegStream(Media, MediaKind.Video, 90000, VideoRtp.EndPoint, VideoRtcp.EndPoint, rtcpMux: false);
        video.CodecOfPayloadType[videoPayloadType] = 0;
        video.PayloadTypeOfCodec[0] = (byte)videoPayloadType;
        Media.Audio = audio;
        Media.Video = video;
    }

    public string Id { get; }

    public int VideoPayloadType { get; }

    public uint Ssrc { get; }

    public LegMedia Media { get; }

    public UdpProbe AudioRtp { get; }

    public UdpProbe AudioRtcp { get; }

    public UdpProbe VideoRtp { get; }

    public UdpProbe VideoRtcp { get; }

    public List<Received> Video => VideoRtp.Snapshot().Rtp();

    public List<Received> Audio => AudioRtp.Snapshot().Rtp();

    /// <summary>Sends one video packet from the leg's video port, the next in its own sequence.</summary>
    public byte[] SendVideo(byte[] payload, bool newFrame = true, bool marker = true)
    {
        if (newFrame)
        {
            _videoTimestamp += 3000;
        }

        byte[] packet = H264Samples.Packet(VideoPayloadType, _videoSequence++, _videoTimestamp, Ssrc, payload, marker);
        VideoRtp.Send(packet, _harness.VideoPort);
        return packet;
    }

    public byte[] SendAudio(int payloadType = 0)
    {
        _audioTimestamp += 160;
        byte[] payload = new byte[160];
        payload.AsSpan().Fill(0xFF);
        byte[] packet = H264Samples.Packet(payloadType, _audioSequence++, _audioTimestamp, Ssrc + 1, payload);
        AudioRtp.Send(packet, _harness.AudioPort);
        return packet;
    }

    /// <summary>A keyframe the way encoders send one: SPS and PPS in a STAP-A, then the IDR.</summary>
    public void SendKeyframe()
    {
        SendVideo(H264Samples.StapA(H264Samples.Sps, H264Samples.Pps), marker: false);
        SendVideo(H264Samples.Idr, newFrame: false);
    }

    public void Dispose()
    {
        AudioRtp.Dispose();
        AudioRtcp.Dispose();
        VideoRtp.Dispose();
        VideoRtcp.Dispose();
    }
}
