using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Relaying;
using Conferencing.Server.Simulator;
using Conferencing.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Relaying;

/// <summary>
/// A province-hosted meeting run by the server's in-process relay with every kind of room system it
/// meets: simulated rooms (which register), a sipp room system and a baresip softphone (dialled at
/// their addresses).
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class MeetingCallTests(ITestOutputHelper output) : RelayTestBase(output)
{
    // sipp's scenario answers and receives but sends no media; the silence watch would hang it up.
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Relaying:MediaTimeout"] = "00:00:00" };

    [Fact]
    public async Task ALiveMeetingCallsEverySiteMovesTheFloorEverywhereAndHangsUpEveryLegAtTheEnd()
    {
        var (_, host) = await SimulatedRoomAsync("PT");
        var (_, hyCuong) = await SimulatedRoomAsync("PT-X-HC");
        var (_, paCo) = await SimulatedRoomAsync("PT-X-PC");
        using var doanHung = new SippEndpoint("relay-endpoint-uas.xml", videoPayloadType: 109);
        await CreateEndpointAsync("PT-X-DH", doanHung.Uri("xa-doan-hung"));
        await using var vietTri = await Baresip.StartAsync("phuong-viet-tri").DefaultTimeout();
        await CreateEndpointAsync("PT-P-VT", vietTri.Uri);
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT", "PT-X-HC", "PT-X-PC", "PT-X-DH", "PT-P-VT"]);

        // Preparing opens the meeting on the relay (dial-in works from then on) but dials nobody.
        await CommandAsync(meeting, "prepare");
        var prepared = await WaitForCallsAsync(meeting, c => c.Relays.Count == 1 && c.Relays[0].MeetingOpen, "the relay to open the meeting");
        Assert.All(prepared.Endpoints, e => Assert.Equal(CallState.Waiting, e.State));
        Assert.Equal(0, hyCuong.ActiveCalls);

        var seconds = new ConcurrentDictionary<string, ConcurrentDictionary<DateTimeOffset, byte>>(StringComparer.Ordinal);
        using var subscription = Live.Subscribe((call, kind) =>
        {
            if (call.MeetingId == meeting && kind == CallChangeKind.Statistics)
            {
                foreach (var endpoint in call.Endpoints.Where(e => e.Last is not null))
                {
                    seconds.GetOrAdd(endpoint.SiteCode, _ => new())[endpoint.Last!.AtUtc] = 0;
                }
            }
        });

        await CommandAsync(meeting, "start");
        var live = await WaitForCallsAsync(meeting, c => c.Endpoints.Count == 5 && c.Endpoints.All(e => e.State == CallState.InCall), "every site in the call");
        Assert.Equal("PT", live.ProgramSiteCode);
        Assert.All(live.Endpoints, e => Assert.False(e.DialedIn));

        // Each call reports a second of statistics every second, stamped by the relay.
        await Until(() => seconds.Count == 5 && seconds.Values.All(s => s.Count >= 5), "five seconds of statistics for every site", detail: () => string.Join(", ", seconds.Select(s => $"{s.Key}:{s.Value.Count}")));
        foreach (var (site, stamps) in seconds)
        {
            var times = stamps.Keys.Order().ToList();
            var intervals = times.Zip(times.Skip(1), (a, b) => (b - a).TotalSeconds).Order().ToList();
            Assert.InRange(intervals[intervals.Count / 2], 0.75, 1.25);
        }

        var rooms = new[] { hyCuong, paCo };
        await Until(() => rooms.All(r => PictureAt(r) == "pt") && SippSources(doanHung, 20).All(s => s == "pt"), "every room to see the host's picture",
            detail: () => DescribePictures(rooms, doanHung));
        var hostCall = Live.Get(meeting)!.Endpoints.Single(e => e.SiteCode == "PT");
        Assert.True(hostCall.IsProgram);
        Assert.True(Live.Get(meeting)!.Endpoints.Single(e => e.SiteCode == "PT-P-VT").Last!.BitrateOutKbps > 0, "baresip is sent the program");

        // The floor to a commune: its picture reaches every other room; it sees the host.
        await CommandAsync(meeting, "floor", new { siteCode = "PT-X-HC" });
        await Until(() => PictureAt(paCo) == "pt-x-hc" && PictureAt(host) == "pt-x-hc" && PictureAt(hyCuong) == "pt" && SippSources(doanHung, 20).All(s => s == "pt-x-hc"),
            "the floor at Hy Cương to reach every room", detail: () => DescribePictures([host, .. rooms], doanHung));
        await WaitForCallsAsync(meeting, c => c.ProgramSiteCode == "PT-X-HC" && c.Endpoints.Single(e => e.IsProgram).SiteCode == "PT-X-HC", "Hy Cương shown as the program");

        // The floor to baresip: its (real x264) picture reaches the simulated rooms and sipp, and it keeps receiving.
        var baresipOut = Live.Get(meeting)!.Endpoints.Single(e => e.SiteCode == "PT-P-VT").Last!.PacketsOut;
        await CommandAsync(meeting, "floor", new { siteCode = "PT-P-VT" });
        await Until(() => rooms.All(r => PictureAt(r) == SimulatedMedia.UntaggedSource) && PictureAt(host) == SimulatedMedia.UntaggedSource
                && SippSources(doanHung, 20).All(s => s == SimulatedMedia.UntaggedSource),
            "the floor at Việt Trì to reach every room", detail: () => DescribePictures([host, .. rooms], doanHung));
        await WaitForCallsAsync(meeting, c => c.Endpoints.Single(e => e.SiteCode == "PT-P-VT").Last?.PacketsOut > baresipOut + 100, "Việt Trì to be sent the host's picture");

        // Every site's sipp-visible stream stayed one stream: the relay re-based it at each change of source.
        var video = StreamChecks.Rtp(doanHung.VideoRtp.Snapshot());
        Assert.True(video.Select(p => p.Ssrc).Distinct().Count() == 1, "sipp saw one SSRC");
        StreamChecks.AssertContinuous(video, "sipp video", allowedGaps: video.Count / 100);
        Assert.All(new[] { paCo, hyCuong }, r => Assert.Equal(0, Video(r).SsrcChanges));

        // Ending hangs up every leg: sipp got its BYE, baresip hung up, the rooms are idle.
        await CommandAsync(meeting, "end");
        var sipp = await doanHung.Run.DefaultTimeout();
        Assert.True(sipp.ExitCode == 0, sipp.ToString());
        await Until(() => host.ActiveCalls == 0 && hyCuong.ActiveCalls == 0 && paCo.ActiveCalls == 0, "the simulated rooms to be hung up");
        await Until(() => vietTri.Output.Contains("terminated", StringComparison.OrdinalIgnoreCase), "baresip to be hung up", detail: () => vietTri.Output);
        await Until(() => Live.Get(meeting) is null, "the meeting to leave the live calls");

        // The meeting's quality is kept per site for the report.
        await Until(async () => (await QualityAsync(meeting)).GetArrayLength() == 5, "a quality summary for each site");
        foreach (var site in (await QualityAsync(meeting)).EnumerateArray())
        {
            Assert.True(site.GetProperty("connectedSeconds").GetDouble() >= 5, site.ToString());
            Assert.True(site.GetProperty("samples").GetInt32() >= 5, site.ToString());
        }
    }

    private async Task<JsonElement> QualityAsync(Guid meeting)
    {
        var response = await Admin.GetAsync(new Uri($"/api/meetings/{meeting}/quality", UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("sites");
    }
}
