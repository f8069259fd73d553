using System.Net;
using System.Net.Sockets;
using Conferencing.Relay.Media;
using Conferencing.Relay.Tests.Infrastructure;
using Conferencing.Sip.Rtp;

namespace Conferencing.Relay.Tests.Media;

/// <summary>Bad input on the media ports, allocation on the packet path, RTCP both ways.</summary>
public sealed class PacketPathTests
{
    [Fact]
    public async Task BadInputOnTheMediaPortsIsDroppedCountedAndNeverForwarded()
    {
        using var harness = new MediaHarness();
        var central = harness.AddLeg("central");
        var viewer = harness.AddLeg("xa-pa-co");
        harness.Media.SetProgram(central.Media, null);
        using var stranger = new UdpProbe();

        byte[] valid = H264Samples.Packet(96, 1, 1000, central.Ssrc, H264Samples.StapA(H264Samples.Sps, H264Samples.Pps));
        byte[] wrongVersion = (byte[])valid.Clone();
        wrongVersion[0] = 0x40;
        byte[] truncatedCsrc = (byte[])valid.Clone();
        truncatedCsrc[0] = 0x8F; // 15 CSRCs announced, none there
        byte[] badPadding = (byte[])valid.Clone();
        badPadding[0] |= 0x20;
        badPadding[^1] = 200;
        byte[] unknownPayloadType = H264Samples.Packet(55, 2, 1000, central.Ssrc, H264Samples.Idr);
        byte[] oversized = new byte[3000];
        valid.CopyTo(oversized, 0);

        central.VideoRtp.Send([0x80, 0x60, 0x00], harness.VideoPort);
        central.VideoRtp.Send([], harness.VideoPort);
        central.VideoRtp.Send(wrongVersion, harness.VideoPort);
        central.VideoRtp.Send(truncatedCsrc, harness.VideoPort);
        central.VideoRtp.Send(badPadding, harness.VideoPort);
        central.VideoRtp.Send(oversized, harness.VideoPort);
        central.VideoRtp.Send(unknownPayloadType, harness.VideoPort);
        stranger.Send(valid, harness.VideoPort);
        central.VideoRtcp.Send([0x80, 0xC9, 0x00, 0x09, 1, 2, 3], harness.VideoRtcpPort);
        central.VideoRtp.Send(valid, harness.VideoPort);
        await viewer.VideoRtp.WaitForCount(1, "the one valid packet");
        await TaskTimeouts.Until(() => harness.Media.Drops.Total == 9, $"9 drops counted, got {harness.Media.Drops}");

        MediaDrops drops = harness.Media.Drops;
        Assert.Equal(2, drops.TooShort);
        Assert.Equal(1, drops.BadVersion);
        Assert.Equal(3, drops.Malformed);
        Assert.Equal(1, drops.UnknownSource);
        Assert.Equal(1, drops.UnknownPayloadType);
        Assert.Equal(1, drops.BadRtcp);
        await Task.Delay(200);
        Received only = Assert.Single(viewer.VideoRtp.Snapshot());
        Assert.Equal(valid[12..], only.Payload);
        Assert.Equal(0, harness.Media.Video!.SendErrors);
    }

    [Fact]
    public async Task RandomGarbageOnEveryPortIsDroppedAndTheRelayKeepsForwarding()
    {
        using var harness = new MediaHarness();
        var central = harness.AddLeg("central");
        var viewer = harness.AddLeg("xa-hy-cuong");
        harness.Media.SetProgram(central.Media, null);
        using var stranger = new UdpProbe();
        var random = new Random(4475);
        for (int i = 0; i < 2000; i++)
        {
            byte[] junk = new byte[random.Next(0, 1400)];
            random.NextBytes(junk);
            switch (i % 3)
            {
                case 0:
                    stranger.Send(junk, harness.VideoPort);
                    break;
                case 1:
                    central.VideoRtcp.Send(junk, harness.VideoRtcpPort);
                    break;
                default:
                    stranger.Send(junk, harness.AudioPort);
                    break;
            }
        }

        await TaskTimeouts.Until(() => harness.Media.Drops.Total >= 1300, $"the garbage counted, got {harness.Media.Drops}");
        central.SendKeyframe();
        await viewer.VideoRtp.WaitForCount(2, "the keyframe after the garbage");
        await Task.Delay(200);
        Assert.Equal(2, viewer.VideoRtp.Snapshot().Count);
        Assert.Empty(viewer.AudioRtp.Snapshot());
        Assert.Equal(0, harness.Media.Audio.Routing.Streams.Sum(s => s.PacketsOut));
    }

    [Fact]
    public async Task WithLatchingALegBehindNatGetsItsMediaWhereItSendsFrom()
    {
        var options = MediaHarness.TestOptions();
        options.Latching = true;
        using var harness = new MediaHarness(options);
        var central = harness.AddLeg("central");

        // The room's SDP names a port it does not use (its NAT changed it); it sends from another.
        using var announced = new UdpProbe();
        var behindNat = harness.AddLeg("xa-pa-co", add: false);
        behindNat.Media.Video!.SetRemote(announced.EndPoint, announced.EndPoint);
        harness.Media.Add(behindNat.Media);
        harness.Media.SetProgram(central.Media, null);
        central.SendKeyframe();
        await TaskTimeouts.Until(() => central.Media.Video!.PacketsIn == 2, "central to be heard");

        // A stranger with a payload type nobody negotiated does not take the silent leg.
        using var stranger = new UdpProbe();
        stranger.Send(H264Samples.Packet(55, 1, 1, 7, H264Samples.PSlice), harness.VideoPort);
        await TaskTimeouts.Until(() => harness.Media.Drops.UnknownSource == 1, "the stranger to be dropped");

        behindNat.SendVideo(H264Samples.PSlice);
        await TaskTimeouts.Until(() => harness.Media.Video!.Latched == 1, "the leg to latch");
        central.SendKeyframe();
        await behindNat.VideoRtp.WaitForCount(2, "the keyframe at the address the leg sends from");

        // Before the latch the first keyframe went where the SDP said; after it, nothing more does.
        Assert.Equal(2, announced.Snapshot().Rtp().Count);
    }

    [Fact]
    public async Task WithoutLatchingAStrayPacketCannotTakeOverASilentLeg()
    {
        using var harness = new MediaHarness();
        var central = harness.AddLeg("central");
        var silent = harness.AddLeg("xa-hy-cuong");
        harness.Media.SetProgram(central.Media, null);
        using var stray = new UdpProbe();
        stray.Send(H264Samples.Packet(96, 1, 1, 7, H264Samples.PSlice), harness.VideoPort);
        await TaskTimeouts.Until(() => harness.Media.Drops.UnknownSource == 1, "the stray packet to be dropped");
        central.SendKeyframe();
        await silent.VideoRtp.WaitForCount(2, "the program at the address in the leg's SDP");
        Assert.Equal(0, harness.Media.Video!.Latched);
        Assert.Empty(stray.Snapshot());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ForwardingAPacketToManyLegsAllocatesNothing(bool batched)
    {
        using var harness = new MediaHarness(MediaHarness.TestOptions(batched));
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var central = harness.AddLeg("central");
        for (int i = 0; i < 40; i++)
        {
            harness.AddSilentLeg("leg" + i, (IPEndPoint)sink.LocalEndPoint!);
        }

        harness.Media.SetProgram(central.Media, null);
        MediaChannel video = harness.Media.Video!;
        SocketAddress from = central.VideoRtp.EndPoint.Serialize();
        LegStream first = video.Routing.Streams.Single(s => s.Leg.LegId == "leg0");
        byte[] keyframe = H264Samples.Packet(96, 0, 0, central.Ssrc, H264Samples.StapA(H264Samples.Sps, H264Samples.Pps));
        byte[] slice = H264Samples.Packet(96, 0, 0, central.Ssrc, new byte[1100]);
        slice[12] = 0x41;
        byte[] report = new byte[64];
        var writer = new RtcpWriter(report);
        writer.TryWriteReceiverReport(7, [new RtcpReportBlock(first.OutSsrc, 0, 0, 1, 2, 0, 0)]);
        int reportLength = writer.BytesWritten;
        byte[] datagram = new byte[2048];
        ushort sequence = 1;

        void Run(int count)
        {
            for (int i = 0; i < count; i++)
            {
                byte[] source = i % 50 == 0 ? keyframe : slice;
                source.CopyTo(datagram, 0);
                RtpHeader.Rewrite(datagram, central.Ssrc, sequence, (uint)(sequence * 3000));
                sequence++;
                video.OnRtp(datagram.AsSpan(0, source.Length), from);
                if (i % 100 == 0)
                {
                    video.OnRtcp(report.AsSpan(0, reportLength), first.RtcpAddress);
                }
            }
        }

        // Warm up past tiered compilation: the runtime's own first-call and profiling allocations are not the packet path's.
        for (int round = 0; round < 4; round++)
        {
            Run(300);
            Thread.Sleep(250);
        }

        // Five windows of 1000 packets to 40 legs each. One allocation per packet would show as at
        // least 24 KB in every window; the runtime's own rare profiling allocations (tens of bytes,
        // tiered PGO) may land in one window, never in all.
        var windows = new List<long>();
        for (int window = 0; window < 5; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Run(1000);
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(windows.Min() == 0 && windows.Max() < 1024, "allocated per window: " + string.Join(", ", windows));
        Assert.Equal(6200, first.PacketsOut);
        Assert.True(first.HasReport);
        Assert.Equal(batched, video.IsBatched);
    }

    [Fact]
    public async Task TheRelayReportsToEveryLegAndReadsLossJitterAndRoundTripFromTheirReports()
    {
        using var harness = new MediaHarness();
        var central = harness.AddLeg("central");
        var viewer = harness.AddLeg("xa-doan-hung");
        harness.Media.SetProgram(central.Media, null);
        central.SendKeyframe();
        for (byte i = 0; i < 10; i++)
        {
            central.SendVideo([0x41, i]);
        }

        await viewer.VideoRtp.WaitForCount(12, "viewer");
        harness.Media.SendReports();
        await viewer.VideoRtcp.WaitForCount(1, "the relay's sender report");
        await central.VideoRtcp.WaitForCount(1, "the relay's receiver report to the source");

        uint streamSsrc = viewer.Video[0].Ssrc;
        // Only the relay's own datagrams: on a shared machine a probe's port may have had an earlier owner.
        SenderInfo sr = ReadSenderReport(viewer.VideoRtcp.Snapshot().From(harness.VideoRtcpPort.Port).Last().Data);
        Assert.Equal(streamSsrc, sr.Ssrc);
        Assert.Equal(12u, sr.Packets);
        ReceiverReportBlock rr = ReadReceiverReport(central.VideoRtcp.Snapshot().From(harness.VideoRtcpPort.Port).Last(d => d.Data[1] == 201).Data);
        Assert.Equal(central.Ssrc, rr.Block.Ssrc);
        Assert.Equal(0, rr.Block.CumulativeLost);

        // The viewer answers at once: a quarter lost, jitter 900 units (10 ms at 90 kHz).
        byte[] report = new byte[64];
        var writer = new RtcpWriter(report);
        uint delay = 1;
        writer.TryWriteReceiverReport(viewer.Ssrc, [new RtcpReportBlock(streamSsrc, 64, 3, 1000, 900, sr.Ntp.Middle32, delay)]);
        viewer.VideoRtcp.Send(writer.WrittenSpan.ToArray(), harness.VideoRtcpPort);
        var stream = harness.Media.Video!.Routing.Streams.Single(s => s.Leg.LegId == "xa-doan-hung");
        await TaskTimeouts.Until(() => stream.HasReport, "the viewer's report to be read");

        var (_, video, sinceKeyframe) = harness.Media.Statistics(viewer.Media, 1.0);
        Assert.Equal(25.0, video!.LossOutPercent);
        Assert.Equal(3, video.LostOut);
        Assert.Equal(10.0, video.JitterOutMs);
        Assert.NotNull(video.RoundTripMs);
        Assert.InRange(video.RoundTripMs!.Value, 0, 5000);
        Assert.Equal(12, video.PacketsOut);
        Assert.True(video.BitrateOutKbps > 0);
        Assert.NotNull(sinceKeyframe);
        var (_, centralVideo, _) = harness.Media.Statistics(central.Media, 1.0);
        Assert.Equal(12, centralVideo!.PacketsIn);
        Assert.Equal(0, centralVideo.LostIn);
    }

    private sealed record SenderInfo(uint Ssrc, NtpTimestamp Ntp, uint Packets);

    private sealed record ReceiverReportBlock(uint Reporter, RtcpReportBlock Block);

    private static SenderInfo ReadSenderReport(byte[] datagram)
    {
        foreach (RtcpPacket p in new RtcpCompoundReader(datagram))
        {
            if (RtcpSenderReport.TryRead(p, out RtcpSenderReport sr))
            {
                return new SenderInfo(sr.Ssrc, sr.NtpTimestamp, sr.PacketCount);
            }
        }

        throw new InvalidOperationException("no SR");
    }

    private static ReceiverReportBlock ReadReceiverReport(byte[] datagram)
    {
        foreach (RtcpPacket p in new RtcpCompoundReader(datagram))
        {
            if (RtcpReceiverReport.TryRead(p, out RtcpReceiverReport rr) && rr.ReportCount > 0)
            {
                return new ReceiverReportBlock(rr.Ssrc, rr.GetReportBlock(0));
            }
        }

        throw new InvalidOperationException("no RR with a block");
    }
}
