using System.Net;
using Conferencing.Relay.Tests.Infrastructure;
using Conferencing.Sip.Rtp;
using Xunit.Abstractions;

namespace Conferencing.Relay.Tests.Cascade;

/// <summary>
/// Three levels as separate processes on loopback: the central MCU (sipp) calls the province relay,
/// the province relay calls the district relay, the relays call the communes. The floor goes to a
/// commune under the district (baresip) and comes back; every endpoint must see one continuous
/// stream that changes source only at a keyframe.
/// </summary>
public sealed class CascadeTests(ITestOutputHelper output)
{
    private const string Number = "2025";
    private const string Pin = "1676";

    [Fact]
    public async Task TheFloorGoesToACommuneUnderADistrictAndBackAndEveryEndpointSeesOneContinuousStream()
    {
        await using var province = await RelayProcess.StartAsync("tinh-phu-tho", output, "--sip-user", "tinh-phu-tho", "--sip-password", "mat-khau-tinh");
        await using var district = await RelayProcess.StartAsync("huyen-doan-hung", output);
        await province.Client.OpenMeetingAsync(new OpenMeetingRequest(Number, Pin, null, new Dictionary<string, string> { ["central"] = "mat-khau-tw" })).DefaultTimeout();
        await district.Client.OpenMeetingAsync(new OpenMeetingRequest(Number, Pin, null, new Dictionary<string, string> { ["tinh-phu-tho"] = "mat-khau-tinh" })).DefaultTimeout();
        await using var provinceEvents = EventLog.Start(province.Client);
        await using var districtEvents = EventLog.Start(district.Client);

        // The province calls the district relay into the meeting, as a child relay.
        await province.Client.DialAsync(Number, new DialRequest(district.SipUri($"{Number}*{Pin}"), "huyen-doan-hung", LegRole.ChildRelay)).DefaultTimeout();
        await provinceEvents.WaitForLeg("huyen-doan-hung", LegEventKind.Answered);
        LegEvent parent = await districtEvents.WaitForLeg("tinh-phu-tho", LegEventKind.Answered);
        Assert.Equal(LegDirection.Incoming, parent.Leg.Direction);

        // Communes: two room systems under the district (one of them will speak), one under the province.
        using var hyCuong = new SippEndpoint("relay-endpoint-uas.xml", videoPayloadType: 109);
        using var paCo = new SippEndpoint("relay-endpoint-uas.xml", videoPayloadType: 100);
        await using var lamThao = await Baresip.StartAsync("xa-lam-thao");
        await RelayFactory.WaitUntilBound(hyCuong.Port);
        await RelayFactory.WaitUntilBound(paCo.Port);
        await district.Client.DialAsync(Number, new DialRequest(hyCuong.Uri("xa-hy-cuong"), "xa-hy-cuong")).DefaultTimeout();
        await district.Client.DialAsync(Number, new DialRequest(lamThao.Uri, "xa-lam-thao")).DefaultTimeout();
        await province.Client.DialAsync(Number, new DialRequest(paCo.Uri("xa-pa-co"), "xa-pa-co")).DefaultTimeout();
        await districtEvents.WaitForLeg("xa-hy-cuong", LegEventKind.Answered);
        await districtEvents.WaitForLeg("xa-lam-thao", LegEventKind.Answered);
        await provinceEvents.WaitForLeg("xa-pa-co", LegEventKind.Answered);

        // Central is the program at the province; the district shows what its parent sends.
        string media = await TestMedia.DirectoryAsync();
        Task<Sipp.Result> central = Sipp.RunAsync("relay-central-uac.xml", province.Sip, Sipp.FreeUdpPort(), TimeSpan.FromSeconds(120), media,
            "-s", $"{Number}*{Pin}", "-au", "central", "-ap", "mat-khau-tw", "-d", "60000");
        await provinceEvents.WaitForLeg("central", LegEventKind.Answered);
        await district.Client.SetProgramAsync(Number, new ProgramRequest("tinh-phu-tho")).DefaultTimeout();
        await province.Client.SetProgramAsync(Number, new ProgramRequest("central")).DefaultTimeout();
        int districtVideo = (await district.Client.GetMeetingAsync(Number).DefaultTimeout()).Ports.VideoRtp!.Value;
        int provinceVideo = (await province.Client.GetMeetingAsync(Number).DefaultTimeout()).Ports.VideoRtp!.Value;
        int districtAudio = (await district.Client.GetMeetingAsync(Number).DefaultTimeout()).Ports.AudioRtp;
        int provinceAudio = (await province.Client.GetMeetingAsync(Number).DefaultTimeout()).Ports.AudioRtp;
        hyCuong.RelayVideoPort = districtVideo;
        paCo.RelayVideoPort = provinceVideo;
        await WaitForSource(central: true, 60, hyCuong, paCo);

        // The floor goes to xã Lâm Thao: at the district it becomes the program (its parent leg carries
        // it up), at the province the district's leg does. Central gets it as the return feed... and
        // Lâm Thao gets the return feed of the district, which is central.
        await district.Client.SetProgramAsync(Number, new ProgramRequest("xa-lam-thao")).DefaultTimeout();
        await province.Client.SetProgramAsync(Number, new ProgramRequest("huyen-doan-hung")).DefaultTimeout();
        await WaitForSource(central: false, 40, hyCuong, paCo);
        RelayMeetingInfo atDistrict = await district.Client.GetMeetingAsync(Number).DefaultTimeout();
        Assert.Equal(("xa-lam-thao", "tinh-phu-tho"), (atDistrict.ProgramLegId, atDistrict.ReturnFeedLegId));

        // And back: the previous sources return.
        await province.Client.SetProgramAsync(Number, new ProgramRequest("central")).DefaultTimeout();
        await district.Client.SetProgramAsync(Number, new ProgramRequest("tinh-phu-tho")).DefaultTimeout();
        await WaitForSwitchBack(60, hyCuong, paCo);
        RelayMeetingInfo atProvince = await province.Client.GetMeetingAsync(Number).DefaultTimeout();
        Assert.Equal(("central", "huyen-doan-hung"), (atProvince.ProgramLegId, atProvince.ReturnFeedLegId));

        // Lâm Thao, while it had the floor, received central through the district.
        LegStatistics speaker = (await district.Client.GetStatisticsAsync(Number).DefaultTimeout()).Single(l => l.LegId == "xa-lam-thao");
        Assert.True(speaker.Video!.PacketsOut > 100, speaker.ToString());

        foreach (var (endpoint, name, payloadType, audioPort) in new[] { (hyCuong, "xa-hy-cuong (district)", 109, districtAudio), (paCo, "xa-pa-co (province)", 100, provinceAudio) })
        {
            List<Received> video = endpoint.VideoRtp.Snapshot().Rtp().From(endpoint.RelayVideoPort);
            Assert.All(video, p => Assert.Equal(payloadType, p.PayloadType));
            StreamChecks.AssertContinuous(video, name + " video", allowedGaps: video.Count / 200);
            StreamChecks.AssertContinuous(endpoint.AudioRtp.Snapshot().Rtp().From(audioPort), name + " audio", allowedGaps: 5);
            Assert.True(StartsDecodable(video[0]), $"{name}: the first packet is a keyframe start; first packets: {StreamChecks.Describe(video.Take(6))}");

            // Central's packets carry its CSRC tag, Lâm Thao's none: two changes of source, each at a keyframe.
            var changes = Enumerable.Range(1, video.Count - 1).Where(i => video[i].CsrcCount != video[i - 1].CsrcCount).ToList();
            Assert.True(changes.Count == 2, $"{name}: {changes.Count} changes of source at packets {string.Join(", ", changes)} of {video.Count}");
            Assert.All(changes, i => Assert.True(StartsDecodable(video[i]), $"{name}: the change of source at packet {i} is not at a keyframe"));
        }

        await province.Client.CloseMeetingAsync(Number).DefaultTimeout();
        await district.Client.CloseMeetingAsync(Number).DefaultTimeout();
        Sipp.Result centralResult = await central.WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"central sipp ended with {centralResult.ExitCode} (the province hung up on it)");
        Assert.True((await hyCuong.Run.WaitAsync(TimeSpan.FromSeconds(60))).ExitCode == 0);
        Assert.True((await paCo.Run.WaitAsync(TimeSpan.FromSeconds(60))).ExitCode == 0);
    }

    private static bool StartsDecodable(Received packet)
    {
        H264PayloadInfo info = H264Samples.Classify(packet.Data);
        return info.IsKeyframeStart || info.Flags.HasFlag(H264PayloadFlags.ContainsSps);
    }

    private static bool IsCentral(Received packet) => packet.CsrcCount == 1 && packet.Data.Length >= 16
        && System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(packet.Data.AsSpan(12)) == TestMedia.CentralTag;

    /// <summary>Waits until each endpoint's latest <paramref name="count"/> video packets come from the given source.</summary>
    private static Task WaitForSource(bool central, int count, params SippEndpoint[] endpoints) =>
        TaskTimeouts.Until(
            () => endpoints.All(e => e.VideoRtp.Snapshot().Rtp().From(e.RelayVideoPort) is { Count: > 0 } v && v.TakeLast(count).Count(p => IsCentral(p) == central) == count),
            $"{count} packets from {(central ? "central" : "xã Lâm Thao")} at every endpoint");

    private static Task WaitForSwitchBack(int count, params SippEndpoint[] endpoints) =>
        TaskTimeouts.Until(
            () => endpoints.All(e => e.VideoRtp.Snapshot().Rtp().From(e.RelayVideoPort) is { } v && v.SkipWhile(IsCentral).SkipWhile(p => !IsCentral(p)).Count() >= count),
            $"{count} packets from central again at every endpoint");
}
