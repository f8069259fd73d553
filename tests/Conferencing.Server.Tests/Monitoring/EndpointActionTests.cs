using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Relaying;
using Conferencing.Server.Tests.Infrastructure;
using Conferencing.Server.Tests.Relaying;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Monitoring;

/// <summary>Dashboard actions over HTTP against simulated rooms called by the in-process relay.</summary>
[Collection(RealTimeCollection.Name)]
public sealed class EndpointActionTests(ITestOutputHelper output) : RelayTestBase(output)
{
    private async Task<(HttpStatusCode Status, JsonElement Body)> ActAsync(HttpClient client, Guid endpoint, string action, object? body = null)
    {
        var response = await client.PostAsJsonAsync($"/api/endpoints/{endpoint}/actions/{action}", body ?? new { }, Json).DefaultTimeout();
        var text = await response.Content.ReadAsStringAsync().DefaultTimeout();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<JsonElement> AuditAsync(Guid endpoint) =>
        await Admin.GetFromJsonAsync<JsonElement>($"/api/audit?entityType=endpoint&entityId={endpoint}", Json).DefaultTimeout();

    [Fact]
    public async Task ATechnicianHangsUpASiteThatStaysOutUntilRedialledAndEveryActionIsAudited()
    {
        var (hyCuong, _) = await SimulatedRoomAsync("PT-X-HC");
        var (paCo, _) = await SimulatedRoomAsync("PT-X-PC");
        var meeting = await ScheduleAsync("ProvinceHosted", "PT", ["PT-X-HC", "PT-X-PC"]);
        await CommandAsync(meeting, "start");
        await WaitForCallsAsync(meeting, c => c.Endpoints.Count(e => e.State == CallState.InCall && e.Last is not null) == 2, "both rooms in the call with statistics");
        using var technician = await Factory.StaffAsync("Technician");
        using var secretariat = await Factory.StaffAsync("Secretariat");

        // The secretariat watches; it does not act.
        Assert.Equal(HttpStatusCode.Forbidden, (await ActAsync(secretariat, hyCuong, "hang-up")).Status);

        var (status, body) = await ActAsync(technician, paCo, "mute");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(meeting, body.GetProperty("meetingId").GetGuid());
        Assert.Equal(HttpStatusCode.OK, (await ActAsync(technician, paCo, "unmute")).Status);
        Assert.Equal(HttpStatusCode.OK, (await ActAsync(technician, paCo, "keyframe")).Status);

        Assert.Equal(HttpStatusCode.OK, (await ActAsync(technician, hyCuong, "hang-up", new { meetingId = meeting })).Status);
        await WaitForCallsAsync(meeting, c => c.Endpoints.Single(e => e.EndpointId == hyCuong).State is CallState.Ended or CallState.Waiting, "Hy Cương hung up");

        // Held: several reconciliation passes (every second here) go by and it is not dialled.
        var conductor = Factory.Services.GetService(typeof(RelayConductor)) as RelayConductor;
        Assert.True(conductor!.IsHeld(meeting, hyCuong));
        var heldSince = DateTime.UtcNow;
        while (DateTime.UtcNow - heldSince < TimeSpan.FromSeconds(4))
        {
            Assert.NotEqual(CallState.InCall, Live.Get(meeting)!.Endpoints.Single(e => e.EndpointId == hyCuong).State);
            await Task.Delay(200);
        }

        Assert.Equal(CallState.InCall, Live.Get(meeting)!.Endpoints.Single(e => e.EndpointId == paCo).State);

        // A hung-up site has no call to mute.
        var (refused, problem) = await ActAsync(technician, hyCuong, "mute", new { meetingId = meeting });
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Equal("endpoint.not-in-call", problem.GetProperty("code").GetString());

        Assert.Equal(HttpStatusCode.OK, (await ActAsync(technician, hyCuong, "redial", new { meetingId = meeting })).Status);
        await WaitForCallsAsync(meeting, c => c.Endpoints.Single(e => e.EndpointId == hyCuong).State == CallState.InCall, "Hy Cương back in the call");
        Assert.False(conductor.IsHeld(meeting, hyCuong));

        var audit = await AuditAsync(hyCuong);
        var actions = audit.EnumerateArray().Select(e => (Action: e.GetProperty("action").GetString(), Actor: e.GetProperty("actor").GetString(), Summary: e.GetProperty("summary").GetString())).ToList();
        Assert.Contains(actions, a => a.Action == "endpoint.hang-up" && a.Actor!.StartsWith("technician", StringComparison.Ordinal) && a.Summary!.Contains("held", StringComparison.Ordinal));
        Assert.Contains(actions, a => a.Action == "endpoint.mute" && a.Summary!.Contains("refused", StringComparison.Ordinal));
        Assert.Contains(actions, a => a.Action == "endpoint.redial");
        Assert.Contains((await AuditAsync(paCo)).EnumerateArray(), e => e.GetProperty("action").GetString() == "endpoint.mute");

        // A test call would take a site out of its meeting.
        var (busy, busyProblem) = await ActAsync(technician, paCo, "test-call");
        Assert.Equal(HttpStatusCode.Conflict, busy);
        Assert.Equal("endpoint.in-call", busyProblem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task BadActionsGetProblemsThatSayWhy()
    {
        var id = await CreateEndpointAsync("PT-X-DH", "sip:doan-hung@127.0.0.1");
        using var technician = await Factory.StaffAsync("Technician");

        var (unknown, unknownBody) = await ActAsync(technician, id, "reboot");
        Assert.Equal(HttpStatusCode.BadRequest, unknown);
        Assert.Equal("endpoint.unknown-action", unknownBody.GetProperty("code").GetString());

        var (notInCall, notInCallBody) = await ActAsync(technician, id, "hang-up");
        Assert.Equal(HttpStatusCode.Conflict, notInCall);
        Assert.Equal("endpoint.not-in-call", notInCallBody.GetProperty("code").GetString());

        var (notInMeeting, notInMeetingBody) = await ActAsync(technician, id, "redial");
        Assert.Equal(HttpStatusCode.Conflict, notInMeeting);
        Assert.Equal("endpoint.not-in-meeting", notInMeetingBody.GetProperty("code").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await ActAsync(technician, Guid.NewGuid(), "redial")).Status);
    }

    [Fact]
    public async Task ATestCallMeasuresMediaBothWaysAndTheMeetingTurnsAllGreen()
    {
        var (hyCuong, room) = await SimulatedRoomAsync("PT-X-HC");
        var meeting = await ScheduleAsync("CommuneLevel", "PT-X-HC", ["PT-X-HC"]);
        using var technician = await Factory.StaffAsync("Technician");
        var board = await technician.GetFromJsonAsync<JsonElement>($"/api/meetings/{meeting}/readiness", Json).DefaultTimeout();
        Assert.False(board.GetProperty("allGreen").GetBoolean());
        Assert.Equal("Untested", board.GetProperty("sites")[0].GetProperty("color").GetString());

        var (status, result) = await ActAsync(technician, hyCuong, "test-call");
        Assert.True(status == HttpStatusCode.OK, result.ToString());
        var m = result.GetProperty("measurement");
        Assert.True(m.GetProperty("answered").GetBoolean());
        Assert.True(m.GetProperty("packetsIn").GetInt64() > 0, result.ToString());
        Assert.True(m.GetProperty("packetsOut").GetInt64() > 0, result.ToString());
        Assert.True(result.GetProperty("verdict").GetProperty("color").GetString() == "Green", result.ToString());

        // The room really received the test pattern, and the test meeting is gone from the relay.
        Assert.True(room.Media!.Reception.Single(s => s.Media == "video").Packets > 0);
        board = await technician.GetFromJsonAsync<JsonElement>($"/api/meetings/{meeting}/readiness", Json).DefaultTimeout();
        Assert.True(board.GetProperty("allGreen").GetBoolean(), board.ToString());
        var relay = (Conferencing.Relay.RelayNode)Factory.Services.GetService(typeof(Conferencing.Relay.RelayNode))!;
        Assert.Empty(await relay.ListMeetingsAsync().DefaultTimeout());

        // A refusing room is red with the reason.
        room.Faults = new Conferencing.Server.Simulator.RoomFaults { RefuseCallsWith = 486 };
        var (_, refused) = await ActAsync(technician, hyCuong, "test-call");
        Assert.Equal("Red", refused.GetProperty("verdict").GetProperty("color").GetString());
        Assert.Contains("486", refused.GetProperty("verdict").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains((await AuditAsync(hyCuong)).EnumerateArray(), e => e.GetProperty("action").GetString() == "endpoint.test-call");
    }
}
