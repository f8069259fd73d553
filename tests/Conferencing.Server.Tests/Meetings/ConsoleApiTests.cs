using System.Net;
using System.Net.Http.Json;
using System.Text;
using Conferencing.Server.Store;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conferencing.Server.Tests.Meetings;

/// <summary>The API the console's pages share with programs: dry-run conflicts, batch roll call, reports, audit.</summary>
public sealed class ConsoleApiTests : ApiTestBase
{
    private async Task<Guid> ScheduleAsync(string title, DateTimeOffset start, int hours, params string[] sites)
    {
        var response = await Admin.PostAsJsonAsync("/api/meetings", MeetingBody(title, start, hours, sites), Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await ReadJson(response)).GetProperty("id").GetGuid();
    }

    private async Task<int> AuditCountAsync() =>
        (await Factory.Services.GetRequiredService<AuditLog>().ListAsync(null, null, 2000, CancellationToken.None).DefaultTimeout()).Count;

    [Fact]
    public async Task ADryRunNamesTheConflictingMeetingAndSitesAndSavesNothing()
    {
        var first = await ScheduleAsync("Hội nghị sáng", Tomorrow(8), 3, "PT-X-HC", "PT-X-PC");
        var audits = await AuditCountAsync();

        var busy = await ReadJson(await Admin.PostAsJsonAsync("/api/meetings/conflicts", MeetingBody("Thử", Tomorrow(10), 2, ["PT-X-PC", "PT-X-DH"]), Json).DefaultTimeout());
        Assert.False(busy.GetProperty("free").GetBoolean());
        var conflict = busy.GetProperty("conflicts")[0];
        Assert.Equal(first, conflict.GetProperty("meetingId").GetGuid());
        Assert.Equal(["PT", "PT-X-PC"], conflict.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("code").GetString()));

        var free = await ReadJson(await Admin.PostAsJsonAsync("/api/meetings/conflicts", MeetingBody("Thử", Tomorrow(11), 2, ["PT-X-PC"]), Json).DefaultTimeout());
        Assert.True(free.GetProperty("free").GetBoolean());

        // Moving the first meeting itself is checked against the others only.
        var self = await ReadJson(await Admin.PostAsJsonAsync($"/api/meetings/{first}/conflicts", MeetingBody("Hội nghị sáng", Tomorrow(9), 3, ["PT-X-HC", "PT-X-PC"]), Json).DefaultTimeout());
        Assert.True(self.GetProperty("free").GetBoolean());

        var meetings = await Admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/meetings", Json).DefaultTimeout();
        Assert.Equal(1, meetings.GetArrayLength());
        Assert.Equal(audits, await AuditCountAsync());

        var bad = await ExpectProblem(await Admin.PostAsJsonAsync("/api/meetings/conflicts", MeetingBody("Thử", Tomorrow(11), 2, ["PT-X-NONE"]), Json).DefaultTimeout(), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("sites.sites[0]", out _));
        await ExpectProblem(await Admin.PostAsJsonAsync($"/api/meetings/{Guid.NewGuid()}/conflicts", MeetingBody("Thử", Tomorrow(11), 2, ["PT-X-PC"]), Json).DefaultTimeout(), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ABatchRollCallIsOneChangeOrNone()
    {
        var id = await ScheduleAsync("Họp", Tomorrow(8), 2, "PT-X-HC", "PT-X-PC", "PT-X-DH");
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{id}/start", new { }, Json).DefaultTimeout()).StatusCode);

        var refused = await ExpectProblem(await Admin.PutAsJsonAsync($"/api/meetings/{id}/roll-call", new
        {
            entries = new object[] { new { siteCode = "PT-X-HC", status = "Present" }, new { siteCode = "PT-X-PC", status = "Absent" } },
        }, Json).DefaultTimeout(), HttpStatusCode.BadRequest);
        Assert.True(refused.GetProperty("errors").TryGetProperty("entries[1].reason", out _));
        Assert.Equal(0, (await ReadJson(await Admin.GetAsync($"/api/meetings/{id}").DefaultTimeout())).GetProperty("rollCall").GetArrayLength());

        var saved = await ReadJson(await Admin.PutAsJsonAsync($"/api/meetings/{id}/roll-call", new
        {
            entries = new object[] { new { siteCode = "PT-X-HC", status = "Present" }, new { siteCode = "PT-X-PC", status = "Absent", reason = "Mất điện" } },
        }, Json).DefaultTimeout());
        Assert.Equal(2, saved.GetProperty("rollCall").GetArrayLength());
        Assert.Equal(3, saved.GetProperty("version").GetInt32());
        var audit = await Factory.Services.GetRequiredService<AuditLog>().ListAsync("meeting", id.ToString(), 10, CancellationToken.None).DefaultTimeout();
        Assert.Equal("1 Present, 1 Absent: PT-X-HC PT-X-PC", Assert.Single(audit, a => a.Action == "meeting.roll-call").Summary);
    }

    [Fact]
    public async Task AnEditIsAuditedWithWhatItChanged()
    {
        var id = await ScheduleAsync("Họp giao ban", Tomorrow(8), 2, "PT-X-HC");
        var response = await Admin.PutAsJsonAsync($"/api/meetings/{id}", new
        {
            title = "Họp giao ban tháng",
            startUtc = Tomorrow(9),
            endUtc = Tomorrow(11),
            sites = new { subtrees = Array.Empty<string>(), sites = new[] { "PT-X-HC", "PT-X-PC" } },
            delegates = new[] { new { name = "Nguyễn Văn An", siteCode = "PT-X-PC" } },
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entry = (await Factory.Services.GetRequiredService<AuditLog>().ListAsync("meeting", id.ToString(), 10, CancellationToken.None).DefaultTimeout())
            .Single(a => a.Action == "meeting.updated");
        Assert.Equal("Họp giao ban tháng: title was 'Họp giao ban'; time "
            + $"{Tomorrow(8):dd/MM HH:mm}–{Tomorrow(10):dd/MM HH:mm} → {Tomorrow(9):dd/MM HH:mm}–{Tomorrow(11):dd/MM HH:mm}; sites +1 −0 (now 3) +PT-X-PC; delegates 0 → 1", entry.Summary);
    }

    [Fact]
    public async Task TheAuditTrailIsFilteredAndPagedWithoutOverlap()
    {
        for (var i = 0; i < 5; i++)
        {
            await ScheduleAsync($"Họp {i}", Tomorrow(8 + i), 1, "PT-X-HC");
        }

        var seen = new List<string>();
        string? next = null;
        do
        {
            var page = await ReadJson(await Admin.GetAsync($"/api/audit?action=meeting.scheduled&limit=2&paged=true{(next is null ? "" : "&before=" + next)}").DefaultTimeout());
            seen.AddRange(page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("summary").GetString()!));
            next = page.GetProperty("next").GetString();
        }
        while (next is not null);

        Assert.Equal(5, seen.Count);
        Assert.Equal(5, seen.Distinct().Count());
        Assert.StartsWith("Họp 4 ", seen[0], StringComparison.Ordinal);

        var byActor = await ReadJson(await Admin.GetAsync("/api/audit?actor=nobody").DefaultTimeout());
        Assert.Equal(0, byActor.GetArrayLength());
        var later = await ReadJson(await Admin.GetAsync($"/api/audit?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"))}").DefaultTimeout());
        Assert.Equal(0, later.GetArrayLength());
        await ExpectProblem(await Admin.GetAsync("/api/audit?before=not-a-cursor").DefaultTimeout(), HttpStatusCode.BadRequest);
        using var secretariat = await Factory.StaffAsync("Secretariat");
        Assert.Equal(HttpStatusCode.Forbidden, (await secretariat.GetAsync("/api/audit").DefaultTimeout()).StatusCode);
    }

    [Theory]
    [InlineData("?from=2025-01-01", "to")]
    [InlineData("?from=01/01/2025&to=2025-12-31", "from")]
    [InlineData("?from=2025-12-31&to=2025-01-01", "to")]
    [InlineData("?from=2000-01-01&to=2025-12-31", "to")]
    public async Task ABadPeriodIsA400NamingTheField(string query, string field)
    {
        foreach (var format in new[] { "", ".csv", ".pdf" })
        {
            var problem = await ExpectProblem(await Admin.GetAsync($"/api/reports/meetings{format}{query}").DefaultTimeout(), HttpStatusCode.BadRequest);
            Assert.Equal("validation", problem.GetProperty("code").GetString());
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{format}{query}: {problem}");
        }
    }

    [Fact]
    public async Task ReportsDownloadAsNamedFilesForTheSecretariatOnly()
    {
        var csv = await Admin.GetAsync("/api/reports/meetings.csv?from=2025-01-01&to=2025-12-31").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("bao-cao-hoi-nghi_2025-01-01_2025-12-31.csv", csv.Content.Headers.ContentDisposition?.FileNameStar ?? csv.Content.Headers.ContentDisposition?.FileName);
        Assert.StartsWith("\uFEFFBáo cáo hội nghị truyền hình trực tuyến", Encoding.UTF8.GetString(await csv.Content.ReadAsByteArrayAsync().DefaultTimeout()), StringComparison.Ordinal);

        var pdf = await Admin.GetAsync("/api/reports/meetings.pdf?from=2025-01-01&to=2025-12-31").DefaultTimeout();
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("%PDF-", Encoding.ASCII.GetString((await pdf.Content.ReadAsByteArrayAsync().DefaultTimeout())[..5]), StringComparison.Ordinal);

        using var technician = await Factory.StaffAsync("Technician");
        Assert.Equal(HttpStatusCode.Forbidden, (await technician.GetAsync("/api/reports/meetings?from=2025-01-01&to=2025-12-31").DefaultTimeout()).StatusCode);
        using var secretariat = await Factory.StaffAsync("Secretariat");
        Assert.Equal(HttpStatusCode.OK, (await secretariat.GetAsync("/api/reports/meetings?from=2025-01-01&to=2025-12-31").DefaultTimeout()).StatusCode);
    }
}
