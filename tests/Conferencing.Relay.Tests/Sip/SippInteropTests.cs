using System.Globalization;
using System.Net;
using Conferencing.Relay.Tests.Infrastructure;
using Conferencing.Sip.Rtp;
using Xunit.Abstractions;

namespace Conferencing.Relay.Tests.Sip;

/// <summary>The relay against real sipp: the central MCU dialing in with video from a pcap, room systems it dials.</summary>
public sealed class SippInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SippTimeout = TimeSpan.FromSeconds(60);
    private const string Number = "2025";
    private const string Pin = "1676";
    private const string CentralPassword = "mat-khau-trung-uong";

    private static OpenMeetingRequest Meeting(params (string User, string Password)[] dialIn) =>
        new(Number, Pin, null, dialIn.ToDictionary(d => d.User, d => d.Password));

    private static async Task<LegEvent> DialAsync(RelayNode node, EventLog events, SippEndpoint endpoint, string legId)
    {
        await RelayFactory.WaitUntilBound(endpoint.Port);
        await node.DialAsync(Number, new DialRequest(endpoint.Uri(legId), legId)).DefaultTimeout();
        return await events.WaitFor<LegEvent>(e => e.LegId == legId && e.Kind is LegEventKind.Answered or LegEventKind.Failed, $"{legId} to answer");
    }

    [Fact]
    public async Task CentralDialsInWithDigestAndPinAndEveryEndpointGetsItsVideoFromAKeyframeWithItsOwnNumbering()
    {
        await using var node = await RelayFactory.StartAsync(output);
        await using var events = EventLog.Start(node);
        await node.OpenMeetingAsync(Meeting(("central", CentralPassword))).DefaultTimeout();
        using var hoa = new SippEndpoint("relay-endpoint-uas.xml", videoPayloadType: 109);
        using var coi = new SippEndpoint("relay-endpoint-uas.xml", videoPayloadType: 100);
        Assert.Equal(LegEventKind.Answered, (await DialAsync(node, events, hoa, "xa-ha-hoa")).Kind);
        Assert.Equal(LegEventKind.Answered, (await DialAsync(node, events, coi, "xa-pa-co")).Kind);
        await events.WaitForLeg("xa-ha-hoa", LegEventKind.Ringing);

        string media = await TestMedia.DirectoryAsync();
        Task<Sipp.Result> central = Sipp.RunAsync("relay-central-uac.xml", (IPEndPoint)node.SipEndPoint.Address, Sipp.FreeUdpPort(), SippTimeout, media,
            "-s", $"{Number}*{Pin}", "-au", "central", "-ap", CentralPassword, "-d", "6000");
        LegEvent answered = await events.WaitForLeg("central", LegEventKind.Answered);
        Assert.Equal(LegDirection.Incoming, answered.Leg.Direction);
        Assert.Equal("central", answered.Leg.AuthenticatedUser);
        await node.SetProgramAsync(Number, new ProgramRequest("central")).DefaultTimeout();

        Sipp.Result centralResult = await central;
        Assert.True(centralResult.ExitCode == 0, centralResult.ToString());
        await events.WaitForLeg("central", LegEventKind.Ended);

        string statisticsDebug() => events.Events.OfType<StatisticsEvent>().LastOrDefault()?.Drops.ToString() ?? "none";
        MediaPorts ports = (await node.GetMeetingAsync(Number).DefaultTimeout()).Ports;
        foreach (var (endpoint, payloadType, name) in new[] { (hoa, 109, "xa-ha-hoa"), (coi, 100, "xa-pa-co") })
        {
            List<Received> video = endpoint.VideoRtp.Snapshot().Rtp().From(ports.VideoRtp!.Value);
            Assert.True(video.Count > 300, $"{name}: {video.Count} video packets");
            Assert.True(H264Samples.Classify(video[0].Data).Flags.HasFlag(H264PayloadFlags.ContainsSps), $"{name}: video starts at a keyframe; first packets: {StreamChecks.Describe(video.Take(6))}");
            Assert.All(video, p => Assert.Equal(payloadType, p.PayloadType));
            Assert.All(video, p => Assert.Equal(1, p.CsrcCount));
            StreamChecks.AssertContinuous(video, name + " video");
            List<Received> audio = endpoint.AudioRtp.Snapshot().Rtp().From(ports.AudioRtp);
            Assert.True(audio.Count > 100, $"{name}: {audio.Count} audio packets; drops {statisticsDebug()}");
            Assert.All(audio, p => Assert.Equal(0, p.PayloadType));
            StreamChecks.AssertContinuous(audio, name + " audio");

            // The relay's own sender reports reach each endpoint's RTCP port, about the stream it got.
            Assert.Contains(endpoint.VideoRtcp.Snapshot(), r => r.Data.Length >= 28 && r.Data[1] == 200 && ReadSsrc(r.Data, 4) == video[0].Ssrc);
        }

        StatisticsEvent statistics = events.Events.OfType<StatisticsEvent>().Last(s => s.Legs.Any(l => l.LegId == "central"));
        LegStatistics centralStatistics = statistics.Legs.Single(l => l.LegId == "central");
        Assert.True(centralStatistics.Video!.PacketsIn > 300);
        Assert.True(centralStatistics.Video.BitrateInKbps > 500, $"central video at {centralStatistics.Video.BitrateInKbps} kbit/s");
        Assert.Equal(0, centralStatistics.Video.LostIn);
        Assert.True(statistics.Legs.Single(l => l.LegId == "xa-ha-hoa").Video!.PacketsOut > 300);

        await node.CloseMeetingAsync(Number).DefaultTimeout();
        Sipp.Result hoaResult = await hoa.Run;
        Assert.True(hoaResult.ExitCode == 0, hoaResult.ToString());
        Assert.True((await coi.Run).ExitCode == 0);
    }

    [Theory]
    [InlineData("2025*0000", "0", 403)]
    [InlineData("9999*1676", "0", 404)]
    [InlineData("2025*1676", "18", 488)]
    public async Task ADialInThatCannotJoinIsRefusedWithItsReason(string target, string audioPayloadTypes, int expected)
    {
        await using var node = await RelayFactory.StartAsync(output);
        await node.OpenMeetingAsync(Meeting(("xa-lam-thao", "mat-khau"))).DefaultTimeout();
        Sipp.Result result = await Sipp.RunAsync("relay-uac-refused.xml", (IPEndPoint)node.SipEndPoint.Address, Sipp.FreeUdpPort(), SippTimeout, null,
            "-s", target, "-au", "xa-lam-thao", "-ap", "mat-khau", "-key", "offer_audio", audioPayloadTypes);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"SIP/2.0 {expected.ToString(CultureInfo.InvariantCulture)} ", result.Messages, StringComparison.Ordinal);
        Assert.Empty((await node.GetMeetingAsync(Number).DefaultTimeout()).Legs);
    }

    [Fact]
    public async Task ASourceWithoutRtcpFeedbackIsAskedForKeyframesWithSipInfo()
    {
        await using var node = await RelayFactory.StartAsync(output);
        await using var events = EventLog.Start(node);
        await node.OpenMeetingAsync(Meeting()).DefaultTimeout();
        using var old = new SippEndpoint("relay-endpoint-info.xml", 96);
        LegEvent answered = await DialAsync(node, events, old, "xa-doan-hung");
        Assert.Equal("info", answered.Leg.KeyframeMethod);

        await node.SetProgramAsync(Number, new ProgramRequest("xa-doan-hung")).DefaultTimeout();
        await node.CloseMeetingAsync(Number).DefaultTimeout();
        Sipp.Result result = await old.Run;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("picture_fast_update", result.Messages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInfoPictureFastUpdateFromAReceiverBecomesAPliToTheSource()
    {
        await using var node = await RelayFactory.StartAsync(output);
        await using var events = EventLog.Start(node);
        await node.OpenMeetingAsync(Meeting()).DefaultTimeout();
        using var source = new SippEndpoint("relay-endpoint-uas.xml", 96);
        using var viewer = new SippEndpoint("relay-endpoint-sends-info.xml", 96);
        Assert.Equal("pli", (await DialAsync(node, events, source, "xa-hy-cuong")).Leg.KeyframeMethod);
        await node.SetProgramAsync(Number, new ProgramRequest("xa-hy-cuong")).DefaultTimeout();
        await DialAsync(node, events, viewer, "xa-lam-thao");

        var receiver = node.MediaOf(Number).Video!.Routing.Streams.Single(s => s.Leg.LegId == "xa-lam-thao").Leg;
        await TaskTimeouts.Until(() => Interlocked.Read(ref receiver.KeyframeRequestsReceived) == 1, "the viewer's INFO to arrive");
        await TaskTimeouts.Until(() => source.VideoRtcp.Snapshot().Count(r => IsPli(r.Data)) >= 2, "a PLI at the source for the INFO");

        await node.CloseMeetingAsync(Number).DefaultTimeout();
        Assert.True((await viewer.Run).ExitCode == 0);
        Assert.True((await source.Run).ExitCode == 0);
    }

    [Fact]
    public async Task ADialOutRefusedBusyFailsWithItsSipStatusAfterRinging()
    {
        await using var node = await RelayFactory.StartAsync(output);
        await using var events = EventLog.Start(node);
        await node.OpenMeetingAsync(Meeting()).DefaultTimeout();
        using var busy = new SippEndpoint("relay-endpoint-busy.xml", 96);
        LegEvent failed = await DialAsync(node, events, busy, "xa-doan-hung");
        Assert.Equal((LegEventKind.Failed, 486), (failed.Kind, failed.StatusCode));
        Assert.Equal(LegState.Failed, failed.Leg.State);
        await events.WaitForLeg("xa-doan-hung", LegEventKind.Ringing);
        Assert.True((await busy.Run).ExitCode == 0);
    }

    [Fact]
    public async Task HangingUpARingingLegCancelsIt()
    {
        await using var node = await RelayFactory.StartAsync(output);
        await using var events = EventLog.Start(node);
        await node.OpenMeetingAsync(Meeting()).DefaultTimeout();
        using var ringing = new SippEndpoint("relay-endpoint-ringing.xml", 96);
        await RelayFactory.WaitUntilBound(ringing.Port);
        await node.DialAsync(Number, new DialRequest(ringing.Uri("xa-hy-cuong"), "xa-hy-cuong")).DefaultTimeout();
        await events.WaitForLeg("xa-hy-cuong", LegEventKind.Ringing);
        await node.HangUpAsync(Number, "xa-hy-cuong").DefaultTimeout();
        LegEvent failed = await events.WaitForLeg("xa-hy-cuong", LegEventKind.Failed);
        Assert.Equal(487, failed.StatusCode);
        Sipp.Result result = await ringing.Run;
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task MalformedSipIsAnsweredOrDroppedAndTheRelayStaysUp()
    {
        await using var node = await RelayFactory.StartAsync(output);
        using var junk = new UdpProbe();
        var sip = (IPEndPoint)node.SipEndPoint.Address;
        junk.Send("INVITE sip:2025@127.0.0.1 SIP/2.0\r\nVia: garbage\r\n\r\n"u8.ToArray(), sip);
        junk.Send([0, 1, 2, 3, 255], sip);
        junk.Send("OPTIONS sip:x SIP/2.0\r\nContent-Length: 99999\r\n\r\n"u8.ToArray(), sip);
        await TaskTimeouts.Until(() => node.MalformedSipCount >= 2, "malformed SIP to be counted");

        Sipp.Result result = await Sipp.RunAsync("uac-options.xml", sip, Sipp.FreeUdpPort(), SippTimeout, null, "-s", "relay");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static uint ReadSsrc(byte[] data, int offset) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(offset));

    private static bool IsPli(byte[] datagram)
    {
        foreach (RtcpPacket p in new RtcpCompoundReader(datagram))
        {
            if (RtcpFeedback.TryRead(p, out RtcpFeedback f) && f.IsPictureLossIndication)
            {
                return true;
            }
        }

        return false;
    }
}
