using Conferencing.Relay.Media;
using Conferencing.Relay.Tests.Infrastructure;
using Conferencing.Sip.Rtp;

namespace Conferencing.Relay.Tests.Media;

/// <summary>The packet path on real sockets: fan-out, per-leg rewriting, program switches, keyframe gating.</summary>
public sealed class ForwardingTests
{
    private static byte[] Slice(byte tag) => [0x41, 0x9A, tag];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EveryLegGetsTheProgramWithItsOwnSsrcSequenceAndPayloadType(bool batched)
    {
        using var harness = new MediaHarness(MediaHarness.TestOptions(batched));
        var central = harness.AddLeg("central", videoPayloadType: 96);
        var a = harness.AddLeg("xa-ha-hoa", videoPayloadType: 109);
        var b = harness.AddLeg("xa-pa-co", videoPayloadType: 97);
        harness.Media.SetProgram(central.Media, null);

        central.SendKeyframe();
        for (byte i = 0; i < 20; i++)
        {
            central.SendVideo(Slice(i));
            central.SendAudio();
        }

        central.SendAudio(payloadType: 101);
        await a.VideoRtp.WaitForCount(22, "leg a video");
        await b.VideoRtp.WaitForCount(22, "leg b video");
        await b.AudioRtp.WaitForCount(21, "leg b audio");

        List<Received> videoA = a.Video;
        List<Received> videoB = b.Video;
        Assert.All(videoA, p => Assert.Equal(109, p.PayloadType));
        Assert.All(videoB, p => Assert.Equal(97, p.PayloadType));
        StreamChecks.AssertContinuous(videoA, "leg a video");
        StreamChecks.AssertContinuous(videoB, "leg b video");
        Assert.NotEqual(videoA[0].Ssrc, videoB[0].Ssrc);
        Assert.NotEqual(central.Ssrc, videoA[0].Ssrc);
        Assert.True(H264Samples.Classify(videoA[0].Data).Flags.HasFlag(H264PayloadFlags.ContainsSps), "the first packet carries the SPS");
        Assert.Equal(Slice(19), videoA[^1].Payload);

        List<Received> audioB = b.Audio;
        StreamChecks.AssertContinuous(audioB, "leg b audio");
        Assert.Equal(0, audioB[0].PayloadType);
        Assert.Equal(101, audioB[^1].PayloadType);

        // The program source has no return feed: it gets nothing back.
        Assert.Empty(central.Video);
        Assert.Equal(22, harness.Media.Video!.Routing.Streams.Single(s => s.Leg.LegId == "xa-ha-hoa").PacketsOut);
    }

    [Fact]
    public async Task ASwitchKeepsTheOldPictureUntilTheNewSourcesKeyframeAndStaysContinuous()
    {
        using var harness = new MediaHarness();
        var central = harness.AddLeg("central");
        var commune = harness.AddLeg("xa-lam-thao", videoPayloadType: 98);
        var viewer = harness.AddLeg("xa-doan-hung", videoPayloadType: 100);
        harness.Media.SetProgram(central.Media, null);
        central.SendKeyframe();
        for (byte i = 0; i < 5; i++)
        {
            central.SendVideo(Slice(i));
            commune.SendVideo(Slice((byte)(100 + i)));
        }

        await viewer.VideoRtp.WaitForCount(7, "viewer before the switch");

        // The floor goes to the commune: central becomes its return feed.
        harness.Media.SetProgram(commune.Media, central.Media);
        central.SendVideo(Slice(5));
        await viewer.VideoRtp.WaitForCount(8, "viewer still on central");
        commune.SendVideo(Slice(105));
        central.SendVideo(Slice(6));
        await viewer.VideoRtp.WaitForCount(9, "viewer still on central");
        commune.SendKeyframe();
        await viewer.VideoRtp.WaitForCount(11, "viewer switched");
        central.SendVideo(Slice(7));
        commune.SendVideo(Slice(106));
        await viewer.VideoRtp.WaitForCount(12, "viewer on the commune");
        await commune.VideoRtp.WaitForCount(1, "the commune gets its return feed");

        List<Received> seen = viewer.Video;
        Assert.Equal(12, seen.Count);
        StreamChecks.AssertContinuous(seen, "viewer across the switch");
        Assert.Equal(Slice(6), seen[8].Payload);
        Assert.True(H264Samples.Classify(seen[9].Data).Flags.HasFlag(H264PayloadFlags.ContainsSps), "the switch happens at the new source's keyframe");
        Assert.Equal(Slice(106), seen[11].Payload);
        Assert.All(seen, p => Assert.Equal(100, p.PayloadType));

        // The commune (program) sees central, from central's next keyframe on.
        central.SendKeyframe();
        await commune.VideoRtp.WaitForCount(2, "the commune's return feed");
        Assert.All(commune.Video, p => Assert.Equal(98, p.PayloadType));
    }

    [Fact]
    public async Task ALegJoiningMidStreamWaitsForAKeyframeAndGetsTheParameterSetsFirst()
    {
        using var harness = new MediaHarness();
        var central = harness.AddLeg("central");
        var early = harness.AddLeg("xa-hy-cuong");
        harness.Media.SetProgram(central.Media, null);
        central.SendKeyframe();
        central.SendVideo(Slice(1));
        await early.VideoRtp.WaitForCount(3, "early leg");
        await central.VideoRtcp.WaitForCount(1, "the keyframe request of the program switch");
        central.VideoRtcp.Clear();

        var late = harness.AddLeg("xa-ha-hoa", videoPayloadType: 102);
        await central.VideoRtcp.WaitForCount(1, "a keyframe request for the new leg");
        central.SendVideo(Slice(2));
        central.SendVideo(Slice(3));

        // An IDR alone, fragmented, with no SPS/PPS in front: the relay sends its cached ones first.
        central.SendVideo(H264Samples.IdrFragment(start: true, end: false), marker: false);
        central.SendVideo(H264Samples.IdrFragment(start: false, end: true), newFrame: false);
        central.SendVideo(Slice(4));
        await late.VideoRtp.WaitForCount(5, "late leg");

        List<Received> seen = late.Video;
        Assert.Equal([H264Payload.SequenceParameterSet, H264Payload.PictureParameterSet], seen.Take(2).Select(p => H264Samples.Classify(p.Data).NalType));
        Assert.True(H264Samples.Classify(seen[2].Data).IsKeyframeStart);
        Assert.Equal(seen[2].Timestamp, seen[0].Timestamp);
        Assert.Equal(Slice(4), seen[4].Payload);
        StreamChecks.AssertContinuous(seen, "late leg");
        await early.VideoRtp.WaitForCount(8, "early leg, every packet");
        Assert.Equal(8, early.Video.Count);

        using var pli = RtcpFrom(central.VideoRtcp.Snapshot()[0].Data);
        Assert.Equal(RtcpPacketType.PayloadFeedback, pli.Type);
        Assert.Equal(RtcpFeedback.PictureLossIndicationFormat, pli.Format);
        Assert.Equal(central.Ssrc, pli.MediaSsrc);
    }

    [Fact]
    public async Task AnIdrWithNoParameterSetsKnownIsHeldBackUntilAKeyframeThatCanBeDecoded()
    {
        using var harness = new MediaHarness();
        var central = harness.AddLeg("central");
        var viewer = harness.AddLeg("xa-pa-co");
        harness.Media.SetProgram(central.Media, null);
        central.SendVideo(H264Samples.Idr);
        central.SendVideo(Slice(1));
        central.SendKeyframe();
        central.SendVideo(Slice(2));
        await viewer.VideoRtp.WaitForCount(3, "viewer");

        List<Received> seen = viewer.Video;
        Assert.True(H264Samples.Classify(seen[0].Data).Flags.HasFlag(H264PayloadFlags.ContainsSps), StreamChecks.Describe(seen));
        Assert.Equal(3, seen.Count);
        Assert.Equal(5, central.Media.Video!.PacketsIn);
        Assert.Equal(2, harness.Media.Video!.Routing.Streams.Single(s => s.Leg.LegId == "xa-pa-co").HeldBack);
    }

    [Fact]
    public async Task ParameterSetsAnnouncedOnlyInTheSdpAreSentAheadOfTheFirstIdr()
    {
        using var harness = new MediaHarness();
        var room = harness.AddLeg("xa-ha-hoa");
        room.Media.Video!.ParameterSets.ObserveSdp(Convert.ToBase64String(H264Samples.Sps) + "," + Convert.ToBase64String(H264Samples.Pps));
        var viewer = harness.AddLeg("xa-lam-thao", videoPayloadType: 99);
        harness.Media.SetProgram(room.Media, null);
        room.SendVideo(H264Samples.Idr);
        room.SendVideo(Slice(1));
        await viewer.VideoRtp.WaitForCount(4, "viewer");

        List<Received> seen = viewer.Video;
        Assert.Equal(H264Samples.Sps, seen[0].Payload);
        Assert.Equal(H264Samples.Pps, seen[1].Payload);
        Assert.Equal(H264Samples.Idr, seen[2].Payload);
        StreamChecks.AssertContinuous(seen, "viewer");
    }

    [Fact]
    public async Task MutingALegsAudioStopsItAndUnmutingResumesOneContinuousStream()
    {
        using var harness = new MediaHarness();
        var speaker = harness.AddLeg("xa-pa-co");
        var listener = harness.AddLeg("xa-lam-thao");
        harness.Media.SetProgram(speaker.Media, null);
        for (int i = 0; i < 5; i++)
        {
            speaker.SendAudio();
        }

        await listener.AudioRtp.WaitForCount(5, "listener");
        speaker.Media.AudioMuted = true;
        Interlocked.Increment(ref speaker.Media.Audio!.Epoch);
        for (int i = 0; i < 5; i++)
        {
            speaker.SendAudio();
        }

        await TaskTimeouts.Until(() => speaker.Media.Audio.PacketsIn == 10, "the muted packets to arrive");
        speaker.Media.AudioMuted = false;
        Interlocked.Increment(ref speaker.Media.Audio!.Epoch);
        speaker.SendAudio();
        await listener.AudioRtp.WaitForCount(6, "listener after unmute");

        List<Received> heard = listener.Audio;
        Assert.Equal(6, heard.Count);
        StreamChecks.AssertContinuous(heard, "listener");
        Assert.True(heard[5].Marker, "the first packet after the mute starts a talkspurt");
        Assert.Equal(5, speaker.Media.Audio.DroppedIn);
    }

    [Theory]
    [InlineData("Pli", RtcpPacketType.PayloadFeedback, RtcpFeedback.PictureLossIndicationFormat)]
    [InlineData("Fir", RtcpPacketType.PayloadFeedback, RtcpFeedback.FullIntraRequestFormat)]
    [InlineData("LegacyFir", RtcpPacketType.LegacyFullIntraRequest, 0)]
    public async Task AKeyframeRequestFromAReceiverReachesTheSourceInItsOwnTerms(string how, RtcpPacketType type, int format)
    {
        var method = Enum.Parse<KeyframeMethod>(how);
        using var harness = new MediaHarness();
        var source = harness.AddLeg("central", keyframes: method == KeyframeMethod.LegacyFir ? KeyframeMethod.None : method);
        source.Media.UsesLegacyFir = method == KeyframeMethod.LegacyFir;
        var receiver = harness.AddLeg("xa-hy-cuong");
        harness.Media.SetProgram(source.Media, null);
        source.SendKeyframe();
        await receiver.VideoRtp.WaitForCount(2, "receiver");
        await Task.Delay(harness.Options.KeyframeRequestInterval + TimeSpan.FromMilliseconds(100));
        source.VideoRtcp.Clear();

        // The receiver lost its picture: it sends an RFC 2032 FIR, the oldest kind.
        byte[] request = new byte[64];
        var writer = new RtcpWriter(request);
        writer.TryWriteReceiverReport(receiver.Ssrc, []);
        writer.TryWriteLegacyFullIntraRequest(receiver.Ssrc);
        receiver.VideoRtcp.Send(writer.WrittenSpan.ToArray(), harness.VideoRtcpPort);

        await source.VideoRtcp.WaitForCount(1, "the translated request");
        using var seen = RtcpFrom(source.VideoRtcp.Snapshot()[0].Data);
        Assert.Equal(type, seen.Type);
        if (type == RtcpPacketType.PayloadFeedback)
        {
            Assert.Equal(format, seen.Format);
        }

        Assert.Equal(source.Ssrc, seen.MediaSsrc);
    }

    [Fact]
    public async Task AStormOfKeyframeRequestsReachesTheSourceAtTheRateLimit()
    {
        var options = MediaHarness.TestOptions();
        options.KeyframeRequestInterval = TimeSpan.FromMilliseconds(300);
        using var harness = new MediaHarness(options);
        var source = harness.AddLeg("central");
        var receivers = Enumerable.Range(0, 5).Select(i => harness.AddLeg("leg" + i)).ToList();
        harness.Media.SetProgram(source.Media, null);
        source.SendKeyframe();
        await receivers[^1].VideoRtp.WaitForCount(2, "receivers");
        await Task.Delay(400);
        source.VideoRtcp.Clear();
        long before = Interlocked.Read(ref source.Media.KeyframeRequestsSent);

        for (int round = 0; round < 10; round++)
        {
            foreach (var r in receivers)
            {
                byte[] pli = new byte[64];
                var writer = new RtcpWriter(pli);
                writer.TryWriteReceiverReport(r.Ssrc, []);
                writer.TryWritePictureLossIndication(r.Ssrc, r.Video[0].Ssrc);
                r.VideoRtcp.Send(writer.WrittenSpan.ToArray(), harness.VideoRtcpPort);
            }
        }

        // 50 requests inside one interval: one goes out at once, the rest fold into one more at its end.
        await source.VideoRtcp.WaitForCount(2, "the coalesced request");
        await Task.Delay(options.KeyframeRequestInterval * 2);
        Assert.Equal(2, Interlocked.Read(ref source.Media.KeyframeRequestsSent) - before);
        Assert.Equal(50, receivers.Sum(r => Interlocked.Read(ref r.Media.KeyframeRequestsReceived)));
    }

    /// <summary>The first feedback message of a compound RTCP datagram.</summary>
    internal static FeedbackView RtcpFrom(byte[] datagram)
    {
        foreach (RtcpPacket packet in new RtcpCompoundReader(datagram))
        {
            if (packet.Type == RtcpPacketType.LegacyFullIntraRequest)
            {
                return new FeedbackView(packet.Type, 0, packet.SenderSsrc);
            }

            if (RtcpFeedback.TryRead(packet, out RtcpFeedback feedback))
            {
                uint media = feedback.MediaSsrc;
                foreach (RtcpFirEntry entry in feedback.GetFirEntries())
                {
                    media = entry.Ssrc;
                }

                return new FeedbackView(packet.Type, feedback.Format, media);
            }
        }

        throw new InvalidOperationException("no feedback in the datagram");
    }

    internal sealed record FeedbackView(RtcpPacketType Type, int Format, uint MediaSsrc) : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
