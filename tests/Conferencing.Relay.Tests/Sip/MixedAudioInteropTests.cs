using System.Net;
using Conferencing.Relay.Tests.Infrastructure;
using Conferencing.Relay.Tests.Media;
using Conferencing.Sip.Rtp;
using Xunit.Abstractions;

namespace Conferencing.Relay.Tests.Sip;

/// <summary>
/// The mix with real peers: sipp as the central MCU dialling in and playing a 440 Hz µ-law tone
/// (made by ffmpeg at test time), sipp room systems the relay dials, one of which has the floor and
/// speaks a 1100 Hz tone from the port its SDP names.
/// </summary>
public sealed class MixedAudioInteropTests(ITestOutputHelper output)
{
    private const string Number = "2026";
    private const string Pin = "1945";
    private const string CentralPassword = "mat-khau-trung-uong";
    private const double CentralTone = 440; // ops/media/make-test-media.sh
    private const double FloorTone = 1100;

    [Fact]
    public async Task WithTheFloorAtACommuneAnotherCommuneHearsCentralAndThatCommune()
    {
        await using var node = await RelayFactory.StartAsync(output);
        await using var events = EventLog.Start(node);
        await node.OpenMeetingAsync(new OpenMeetingRequest(Number, Pin, null, new Dictionary<string, string> { ["central"] = CentralPassword })).DefaultTimeout();
        using var floor = new SippEndpoint("relay-endpoint-uas.xml", videoPayloadType: 96);
        using var listener = new SippEndpoint("relay-endpoint-uas.xml", videoPayloadType: 96);
        foreach (var (endpoint, legId) in new[] { (floor, "xa-hy-cuong"), (listener, "xa-tien-kien") })
        {
            await RelayFactory.WaitUntilBound(endpoint.Port);
            await node.DialAsync(Number, new DialRequest(endpoint.Uri(legId), legId)).DefaultTimeout();
            Assert.Equal(LegEventKind.Answered, (await events.WaitFor<LegEvent>(e => e.LegId == legId && e.Kind is LegEventKind.Answered or LegEventKind.Failed, legId + " to answer")).Kind);
        }

        string media = await TestMedia.DirectoryAsync();
        Task<Sipp.Result> central = Sipp.RunAsync("relay-central-uac.xml", (IPEndPoint)node.SipEndPoint.Address, Sipp.FreeUdpPort(), TimeSpan.FromSeconds(60), media,
            "-s", $"{Number}*{Pin}", "-au", "central", "-ap", CentralPassword, "-d", "6000");
        await events.WaitForLeg("central", LegEventKind.Answered);

        // The floor at the commune, central as its return feed, the audio mixed.
        await node.SetProgramAsync(Number, new ProgramRequest("xa-hy-cuong", "central")).DefaultTimeout();
        await node.SetAudioMixAsync(Number, new AudioMixRequest(true)).DefaultTimeout();
        RelayMeetingInfo info = await node.GetMeetingAsync(Number).DefaultTimeout();
        Assert.True(info.AudioMix is { Enabled: true, Active: true }, $"{info.AudioMix}");
        var relayAudio = new IPEndPoint(IPAddress.Loopback, info.Ports.AudioRtp);
        using (new ToneSender(floor.AudioRtp, 0x1100, relayAudio, FloorTone))
        {
            await Task.Delay(3500);
            StatisticsEvent statistics = await events.WaitFor<StatisticsEvent>(s => s.Legs.Any(l => l.LegId == "central" && l.Mix is { Heard: true, Speaking: true }), "central heard in the statistics");
            LegStatistics floorStatistics = statistics.Legs.Single(l => l.LegId == "xa-hy-cuong");
            Assert.True(floorStatistics.Mix is { Heard: true }, $"{floorStatistics.Mix}");
            Assert.True(statistics.Legs.Single(l => l.LegId == "xa-tien-kien").Mix is { Heard: false });
        }

        Sipp.Result centralResult = await central;
        Assert.True(centralResult.ExitCode == 0, centralResult.ToString());

        // ffmpeg's sine is at 1/8 of full scale (amplitude ~4100); the floor's at 6000.
        List<Received> heard = listener.AudioRtp.Snapshot().Rtp().From(info.Ports.AudioRtp);
        StreamChecks.AssertContinuous(heard, "listener audio");
        // The first three seconds of the mix, while both spoke.
        static short[] FirstSeconds(short[] pcm) => pcm[..Math.Min(pcm.Length, 8000 * 3)];
        MixedAudioTests.AssertHears("xa-tien-kien", FirstSeconds(MixedAudioTests.Decode(heard)), [CentralTone, FloorTone], [], least: 2000);
        MixedAudioTests.AssertHears("xa-hy-cuong", FirstSeconds(MixedAudioTests.Decode(floor.AudioRtp.Snapshot().Rtp().From(info.Ports.AudioRtp))), [CentralTone], [FloorTone], least: 2000);

        await node.CloseMeetingAsync(Number).DefaultTimeout();
        Assert.Equal(0, (await floor.Run).ExitCode);
        Assert.Equal(0, (await listener.Run).ExitCode);
    }
}
