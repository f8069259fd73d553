using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conferencing.Server.Accounts;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conferencing.Server.Tests.Meetings;

public sealed class MeetingApiTests : ApiTestBase
{
    private async Task<JsonElement> ScheduleAsync(string title, DateTimeOffset start, int hours, params string[] sites)
    {
        var response = await Admin.PostAsJsonAsync("/api/meetings", MeetingBody(title, start, hours, sites), Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await ReadJson(response);
    }

    [Fact]
    public async Task SchedulingStoresUtcAndShowsHoChiMinhTime()
    {
        var start = Tomorrow(8);
        var meeting = await ScheduleAsync("Hội nghị giao ban", start, 2, "PT-X-HC");
        Assert.Equal(start.ToUniversalTime(), meeting.GetProperty("startUtc").GetDateTimeOffset());
        Assert.Equal(TimeSpan.Zero, meeting.GetProperty("startUtc").GetDateTimeOffset().Offset);
        Assert.EndsWith("T08:00:00+07:00", meeting.GetProperty("startLocal").GetString(), StringComparison.Ordinal);
        Assert.Equal("Asia/Ho_Chi_Minh", meeting.GetProperty("timeZone").GetString());
        Assert.Equal("Scheduled", meeting.GetProperty("status").GetString());
    }

    [Fact]
    public async Task AnOverlappingMeetingGets409NamingTheOtherMeetingAndTheSites()
    {
        var first = await ScheduleAsync("Hội nghị sáng", Tomorrow(8), 3, "PT-X-HC", "PT-X-PC");
        var response = await Admin.PostAsJsonAsync("/api/meetings", MeetingBody("Hội nghị chen ngang", Tomorrow(10), 2, ["PT-X-PC"]), Json).DefaultTimeout();
        var problem = await ExpectProblem(response, HttpStatusCode.Conflict);
        Assert.Equal("meeting.endpoint-conflict", problem.GetProperty("code").GetString());
        Assert.Contains("Hội nghị sáng", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var conflict = problem.GetProperty("conflicts")[0];
        Assert.Equal(first.GetProperty("id").GetGuid(), conflict.GetProperty("meetingId").GetGuid());
        var codes = conflict.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("code").GetString()).ToList();
        Assert.Contains("PT-X-PC", codes);
        Assert.DoesNotContain("PT-X-HC", codes);
    }

    [Fact]
    public async Task IllegalTransitionGets409WithTheReason()
    {
        var meeting = await ScheduleAsync("Chưa họp", Tomorrow(8), 1, "PT-X-HC");
        var response = await Admin.PostAsJsonAsync($"/api/meetings/{meeting.GetProperty("id")}/end", new { }, Json).DefaultTimeout();
        var problem = await ExpectProblem(response, HttpStatusCode.Conflict);
        Assert.Equal("meeting.illegal-transition", problem.GetProperty("code").GetString());
        Assert.Contains("Only a live meeting can end", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLifecycleRunsThroughTheApiWithRollCall()
    {
        var meeting = await ScheduleAsync("Họp trực tuyến", Tomorrow(8), 2, "PT-X-HC", "PT-X-PC");
        var id = meeting.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{id}/prepare", new { version = 1 }, Json).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{id}/start", new { }, Json).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Admin.PutAsJsonAsync($"/api/meetings/{id}/roll-call/PT-X-HC", new { status = "Present" }, Json).DefaultTimeout()).StatusCode);
        var absent = await Admin.PutAsJsonAsync($"/api/meetings/{id}/roll-call/PT-X-PC", new { status = "Absent" }, Json).DefaultTimeout();
        var problem = await ExpectProblem(absent, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("reason", out _));
        Assert.Equal(HttpStatusCode.OK, (await Admin.PutAsJsonAsync($"/api/meetings/{id}/roll-call/PT-X-PC", new { status = "Absent", reason = "Mất kết nối mạng" }, Json).DefaultTimeout()).StatusCode);
        var ended = await ReadJson(await Admin.PostAsJsonAsync($"/api/meetings/{id}/end", new { }, Json).DefaultTimeout());
        Assert.Equal("Ended", ended.GetProperty("status").GetString());
        Assert.Equal(2, ended.GetProperty("rollCall").GetArrayLength());
    }

    [Fact]
    public async Task GivingTheFloorIsPublishedAfterItIsSaved()
    {
        var meeting = await ScheduleAsync("Họp có phát biểu", Tomorrow(8), 2, "PT-X-HC", "PT-X-PC");
        var id = meeting.GetProperty("id").GetGuid();
        var seen = new List<(string Action, string? Floor, int Version)>();
        var store = Factory.Services.GetRequiredService<Conferencing.Server.Meetings.MeetingStore>();
        using var subscription = Factory.Services.GetRequiredService<Conferencing.Server.Meetings.MeetingEvents>().Subscribe(async (change, ct) =>
        {
            // The listener sees what the store already holds.
            var stored = await store.GetAsync(change.Meeting.Id, ct);
            lock (seen)
            {
                seen.Add((change.Action, stored!.FloorSiteCode, stored.Version));
            }
        });

        var early = await Admin.PostAsJsonAsync($"/api/meetings/{id}/floor", new { siteCode = "PT-X-PC" }, Json).DefaultTimeout();
        Assert.Equal("meeting.not-live", (await ExpectProblem(early, HttpStatusCode.Conflict)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{id}/start", new { }, Json).DefaultTimeout()).StatusCode);
        var given = await ReadJson(await Admin.PostAsJsonAsync($"/api/meetings/{id}/floor", new { siteCode = "PT-X-PC" }, Json).DefaultTimeout());
        Assert.Equal("PT-X-PC", given.GetProperty("floorSiteCode").GetString());
        var outsider = await Admin.PostAsJsonAsync($"/api/meetings/{id}/floor", new { siteCode = "PT-X-LT" }, Json).DefaultTimeout();
        Assert.True((await ExpectProblem(outsider, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("siteCode", out _));
        var back = await ReadJson(await Admin.PostAsJsonAsync($"/api/meetings/{id}/floor", new { siteCode = (string?)null }, Json).DefaultTimeout());
        Assert.Equal(JsonValueKind.Null, back.GetProperty("floorSiteCode").ValueKind);

        lock (seen)
        {
            Assert.Equal([("meeting.started", null, 2), ("meeting.floor", "PT-X-PC", 3), ("meeting.floor", null, 4)], seen);
        }

        using var technician = await Factory.StaffAsync(StaffRoles.Technician);
        Assert.Equal(HttpStatusCode.Forbidden, (await technician.PostAsJsonAsync($"/api/meetings/{id}/floor", new { siteCode = "PT-X-PC" }, Json).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task AStaleVersionGets409AndTheNewerChangeStays()
    {
        var meeting = await ScheduleAsync("Bản gốc", Tomorrow(8), 1, "PT-X-HC");
        var id = meeting.GetProperty("id").GetGuid();
        var first = await Admin.PutAsJsonAsync($"/api/meetings/{id}", new { title = "Sửa lần một", version = 1 }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var stale = await Admin.PutAsJsonAsync($"/api/meetings/{id}", new { title = "Sửa từ bản cũ", version = 1 }, Json).DefaultTimeout();
        var problem = await ExpectProblem(stale, HttpStatusCode.Conflict);
        Assert.Equal("meeting.version-conflict", problem.GetProperty("code").GetString());
        var stored = await ReadJson(await Admin.GetAsync(new Uri($"/api/meetings/{id}", UriKind.Relative)).DefaultTimeout());
        Assert.Equal("Sửa lần một", stored.GetProperty("title").GetString());
    }

    [Fact]
    public async Task ValidationErrorsNameTheField()
    {
        var response = await Admin.PostAsJsonAsync("/api/meetings", new { kind = "ProvinceHosted", hostSiteCode = "PT", startUtc = Tomorrow(8), endUtc = Tomorrow(9) }, Json).DefaultTimeout();
        var problem = await ExpectProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("title", out _));
    }

    [Fact]
    public async Task MalformedJsonGetsAProblemNamingWhatAndWhere()
    {
        using var content = new StringContent("{\"title\": \"Họp\", \"startUtc\": tomorrow}", Encoding.UTF8, "application/json");
        var response = await Admin.PostAsync(new Uri("/api/meetings", UriKind.Relative), content).DefaultTimeout();
        var problem = await ExpectProblem(response, HttpStatusCode.BadRequest);
        Assert.Equal("request.malformed-json", problem.GetProperty("code").GetString());
        Assert.Contains("startUtc", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty("startUtc", out _));
    }

    [Fact]
    public async Task AWrongTypeNamesTheField()
    {
        using var content = new StringContent("{\"title\": \"Họp\", \"kind\": \"Nope\"}", Encoding.UTF8, "application/json");
        var problem = await ExpectProblem(await Admin.PostAsync(new Uri("/api/meetings", UriKind.Relative), content).DefaultTimeout(), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("kind", out _));
    }

    [Fact]
    public async Task UnknownMeetingIs404Problem()
    {
        var problem = await ExpectProblem(await Admin.GetAsync(new Uri($"/api/meetings/{Guid.NewGuid()}", UriKind.Relative)).DefaultTimeout(), HttpStatusCode.NotFound);
        Assert.Equal("meeting.not-found", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnOversizedBodyIsRefusedWith413()
    {
        using var content = new StringContent("{\"title\":\"" + new string('x', 2 * 1024 * 1024) + "\"}", Encoding.UTF8, "application/json");
        var problem = await ExpectProblem(await Admin.PostAsync(new Uri("/api/meetings", UriKind.Relative), content).DefaultTimeout(), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("request.too-large", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task WithoutSignInTheApiAnswers401()
    {
        using var anonymous = Factory.CreateClient();
        var problem = await ExpectProblem(await anonymous.GetAsync(new Uri("/api/meetings", UriKind.Relative)).DefaultTimeout(), HttpStatusCode.Unauthorized);
        Assert.Equal("Not signed in", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task ATechnicianCannotScheduleButCanRead()
    {
        using var technician = await Factory.StaffAsync(StaffRoles.Technician);
        await ExpectProblem(await technician.PostAsJsonAsync("/api/meetings", MeetingBody("Không được", Tomorrow(8), 1, ["PT-X-HC"]), Json).DefaultTimeout(), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await technician.GetAsync(new Uri("/api/meetings", UriKind.Relative)).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task TheSecretariatCanSchedule()
    {
        using var secretariat = await Factory.StaffAsync(StaffRoles.Secretariat);
        Assert.Equal(HttpStatusCode.Created, (await secretariat.PostAsJsonAsync("/api/meetings", MeetingBody("Văn phòng lập lịch", Tomorrow(14), 1, ["PT-X-DH"]), Json).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task ListFiltersBySiteKindAndStatus()
    {
        await ScheduleAsync("Ở Pà Cò", Tomorrow(8), 1, "PT-X-PC");
        await ScheduleAsync("Ở Đoan Hùng", Tomorrow(10), 1, "PT-X-DH");
        var list = await ReadJson(await Admin.GetAsync(new Uri("/api/meetings?site=PT-X-PC&status=Scheduled&kind=ProvinceHosted", UriKind.Relative)).DefaultTimeout());
        Assert.Equal("Ở Pà Cò", Assert.Single(list.EnumerateArray()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task CalendarExportsAreICalendar()
    {
        var meeting = await ScheduleAsync("Họp, lịch; xuất", Tomorrow(8), 2, "PT-X-HC");
        var one = await Admin.GetAsync(new Uri($"/api/meetings/{meeting.GetProperty("id")}/calendar.ics", UriKind.Relative)).DefaultTimeout();
        Assert.Equal("text/calendar", one.Content.Headers.ContentType?.MediaType);
        var text = await one.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.Contains("SUMMARY:Họp\\, lịch\\; xuất\r\n", text, StringComparison.Ordinal);
        Assert.Contains("DTSTART;TZID=Asia/Ho_Chi_Minh:", text, StringComparison.Ordinal);
        var site = await (await Admin.GetAsync(new Uri("/api/sites/PT-X-HC/calendar.ics", UriKind.Relative)).DefaultTimeout()).Content.ReadAsStringAsync().DefaultTimeout();
        Assert.Contains($"UID:{meeting.GetProperty("id").GetGuid():D}@conferencing", site, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync(new Uri("/api/sites/NOPE/calendar.ics", UriKind.Relative)).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task EveryChangeIsInTheAuditTrail()
    {
        var meeting = await ScheduleAsync("Có nhật ký", Tomorrow(8), 2, "PT-X-HC");
        await Admin.PostAsJsonAsync($"/api/meetings/{meeting.GetProperty("id")}/cancel", new { reason = "Hoãn" }, Json).DefaultTimeout();
        var trail = await ReadJson(await Admin.GetAsync(new Uri($"/api/audit?entityType=meeting&entityId={meeting.GetProperty("id")}", UriKind.Relative)).DefaultTimeout());
        Assert.Equal(["meeting.cancelled", "meeting.scheduled"], trail.EnumerateArray().Select(a => a.GetProperty("action").GetString()));
    }
}
