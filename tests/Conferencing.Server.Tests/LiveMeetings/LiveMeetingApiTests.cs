using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Relaying;
using Conferencing.Server.Tests.Infrastructure;
using Conferencing.Server.Tests.Relaying;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.LiveMeetings;

/// <summary>A live meeting's sites over HTTP, against simulated rooms called by the in-process relay.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class LiveMeetingApiTests(ITestOutputHelper output) : RelayTestBase(output)
{
    // A room that vanishes without a BYE is hung up by the relay after this much silence.
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Relaying:MediaTimeout"] = "00:00:03",
        ["Alarms:DroppedAfter"] = "00:00:01",
    };

    private async Task<JsonElement> LiveAsync(Guid meeting) =>
        await Admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{meeting}/live", Json).DefaultTimeout();

    private static JsonElement Site(JsonElement live, string code) =>
        live.GetProperty("sites").EnumerateArray().Single(s => s.GetProperty("siteCode").GetString() == code);

    private async Task<JsonElement> WaitForPhaseAsync(Guid meeting, string code, string phase)
    {
        JsonElement last = default;
        await Until(async () => Site(last = await LiveAsync(meeting), code).GetProperty("phase").GetString() == phase, $"{code} {phase}", detail: () => last.ToString());
        return last;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string path, object? body = null)
    {
        var response = await client.PostAsJsonAsync(path, body ?? new { }, Json).DefaultTimeout();
        var text = await response.Content.ReadAsStringAsync().DefaultTimeout();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task ASiteHungUpIsHeldOutWithWhoAndWhenAndIsRefusedTheFloorUntilRedialled()
    {
        await SimulatedRoomAsync("PT-X-HC");
        await SimulatedRoomAsync("PT-X-PC");
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT-X-HC", "PT-X-PC"]);

        // Before the start the rooms are online, a neutral state, not the meeting's green.
        var before = await LiveAsync(meeting);
        Assert.Equal("Online", Site(before, "PT-X-HC").GetProperty("phase").GetString());
        Assert.Equal("neutral", Site(before, "PT-X-HC").GetProperty("color").GetString());
        Assert.Equal(before.GetProperty("sites").EnumerateArray().Count(s => s.GetProperty("phase").GetString() == "Online"), before.GetProperty("counts").GetProperty("Online").GetInt32());
        Assert.Equal("Online", Site(before, "PT-X-PC").GetProperty("phase").GetString());
        Assert.False(Site(before, "PT-X-HC").GetProperty("canTakeFloor").GetBoolean());

        await CommandAsync(meeting, "start");
        await WaitForPhaseAsync(meeting, "PT-X-HC", "InMeeting");
        var live = await WaitForPhaseAsync(meeting, "PT-X-PC", "InMeeting");
        Assert.Equal("green", Site(live, "PT-X-PC").GetProperty("color").GetString());
        Assert.True(Site(live, "PT-X-PC").GetProperty("canTakeFloor").GetBoolean());

        using var secretariat = await Factory.StaffAsync("Secretariat");
        var (hungUp, result) = await PostAsync(secretariat, $"/api/meetings/{meeting}/sites/PT-X-HC/actions/hang-up");
        Assert.True(hungUp == HttpStatusCode.OK, result.ToString());
        Assert.Equal("done", result.GetProperty("sites")[0].GetProperty("outcome").GetString());

        var held = Site(await WaitForPhaseAsync(meeting, "PT-X-HC", "HeldOut"), "PT-X-HC");
        Assert.Equal("grey", held.GetProperty("color").GetString());
        Assert.StartsWith("secretariat", held.GetProperty("heldBy").GetString(), StringComparison.Ordinal);
        Assert.True(held.GetProperty("heldUtc").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.False(held.GetProperty("canTakeFloor").GetBoolean());

        var (refused, problem) = await PostAsync(secretariat, $"/api/meetings/{meeting}/floor", new { siteCode = "PT-X-HC" });
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Equal("floor.site-held-out", problem.GetProperty("code").GetString());

        // Bad requests say why.
        var (unknown, unknownBody) = await PostAsync(secretariat, $"/api/meetings/{meeting}/sites/PT-X-HC/actions/reboot");
        Assert.Equal(HttpStatusCode.BadRequest, unknown);
        Assert.Equal("site.unknown-action", unknownBody.GetProperty("code").GetString());
        var (outside, outsideBody) = await PostAsync(secretariat, $"/api/meetings/{meeting}/sites/PT-X-DH/actions/mute");
        Assert.Equal(HttpStatusCode.Conflict, outside);
        Assert.Equal("site.not-in-meeting", outsideBody.GetProperty("code").GetString());
        var (muteHeld, muteHeldBody) = await PostAsync(secretariat, $"/api/meetings/{meeting}/sites/PT-X-HC/actions/mute");
        Assert.Equal(HttpStatusCode.OK, muteHeld);
        Assert.Equal(("refused", "endpoint.not-in-call"), (muteHeldBody.GetProperty("sites")[0].GetProperty("outcome").GetString(), muteHeldBody.GetProperty("sites")[0].GetProperty("code").GetString()));

        // The same hold over the whole province: the subtree's redial brings it back, and the floor is its.
        var (redialled, redialBody) = await PostAsync(secretariat, $"/api/meetings/{meeting}/sites/actions/redial", new { subtree = "PT" });
        Assert.True(redialled == HttpStatusCode.OK, redialBody.ToString());
        // The province (the host) has no room system here: refused, with the reason.
        Assert.Equal(3, redialBody.GetProperty("sites").GetArrayLength());
        Assert.Contains(redialBody.GetProperty("sites").EnumerateArray(), s => s.GetProperty("siteCode").GetString() == "PT" && s.GetProperty("code").GetString() == "site.no-room-system");
        await WaitForPhaseAsync(meeting, "PT-X-HC", "InMeeting");
        var (given, givenBody) = await PostAsync(secretariat, $"/api/meetings/{meeting}/floor", new { siteCode = "PT-X-HC" });
        Assert.True(given == HttpStatusCode.OK, givenBody.ToString());

        var audit = await Admin.GetFromJsonAsync<JsonElement>($"/api/audit?entityType=meeting&entityId={meeting}", Json).DefaultTimeout();
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("action").GetString() == "site.hang-up" && e.GetProperty("summary").GetString()!.Contains("PT-X-HC: done", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARoomThatVanishesIsDroppedRedRaisesAnAlarmAndCannotTakeTheFloor()
    {
        await SimulatedRoomAsync("PT-X-HC");
        var (paCo, _) = await SimulatedRoomAsync("PT-X-PC");
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT-X-HC", "PT-X-PC"]);
        await CommandAsync(meeting, "start");
        await WaitForPhaseAsync(meeting, "PT-X-PC", "InMeeting");

        // No BYE: the relay notices the silence, hangs up, and redials a room that does not answer.
        Assert.True(await Simulator.StopRoomAsync(paCo));
        var dropped = Site(await WaitForPhaseAsync(meeting, "PT-X-PC", "Dropped"), "PT-X-PC");
        Assert.Equal("red", dropped.GetProperty("color").GetString());
        Assert.False(dropped.GetProperty("canTakeFloor").GetBoolean());

        var (refused, problem) = await PostAsync(Admin, $"/api/meetings/{meeting}/floor", new { siteCode = "PT-X-PC" });
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Equal("floor.site-dropped", problem.GetProperty("code").GetString());

        JsonElement alarms = default;
        await Until(async () => (alarms = await Admin.GetFromJsonAsync<JsonElement>("/api/alarms?state=Active", Json).DefaultTimeout())
            .EnumerateArray().Any(a => a.GetProperty("kind").GetString() == "call.dropped" && a.GetProperty("siteCode").GetString() == "PT-X-PC"),
            "the dropped alarm", detail: () => alarms.ToString());

        // The dashboard's feed lists it the same way.
        var sites = await Admin.GetFromJsonAsync<JsonElement>("/api/live-sites", Json).DefaultTimeout();
        Assert.Contains(sites.EnumerateArray(), s => s.GetProperty("siteCode").GetString() == "PT-X-PC" && s.GetProperty("phase").GetString() == "Dropped"
            && s.GetProperty("endpoints").EnumerateArray().Any(e => e.GetGuid() == paCo));
        Assert.Contains(sites.EnumerateArray(), s => s.GetProperty("siteCode").GetString() == "PT-X-HC" && s.GetProperty("phase").GetString() == "InMeeting");
    }
}
