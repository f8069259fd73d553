using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Accounts;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Accounts;

/// <summary>
/// Accounts limited to a subtree of the site tree, through every API that names a site: the
/// commune's technician (Pà Cò) and the district's secretariat (Lâm Thao, over xã Lâm Thao).
/// </summary>
public sealed class ScopedAccountApiTests : ApiTestBase
{
    private async Task<HttpClient> ScopedAsync(string role, string scope)
    {
        var username = role.ToLowerInvariant()[..3] + "-" + scope.ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..6];
        var created = await Admin.PostAsJsonAsync("/api/users", new { username, displayName = role + " " + scope, role, password = ConferencingFactory.StaffPassword, scopeSiteCode = scope }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return await Factory.SignedInAsync(username, ConferencingFactory.StaffPassword);
    }

    private static async Task ExpectOutOfScope(HttpResponseMessage response)
    {
        var problem = await ExpectProblem(response, HttpStatusCode.Forbidden);
        Assert.Equal(StaffScopes.OutOfScopeCode, problem.GetProperty("code").GetString());
    }

    private async Task<Guid> EndpointOfAsync(string site) =>
        (await ReadJson(await Admin.GetAsync(new Uri($"/api/endpoints?site={site}", UriKind.Relative)).DefaultTimeout()))[0].GetProperty("id").GetGuid();

    private async Task<Guid> ScheduleAsAdminAsync(string title, string host, string kind, params string[] sites)
    {
        var created = await Admin.PostAsJsonAsync("/api/meetings", MeetingBody(title, Tomorrow(8 + sites.Length), 1, sites, kind, host), Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await ReadJson(created)).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task AnAdministratorCannotBeScoped()
    {
        var refused = await Admin.PostAsJsonAsync("/api/users", new { username = "admin-pc", displayName = "Quản trị Pà Cò", role = StaffRoles.Admin, password = ConferencingFactory.StaffPassword, scopeSiteCode = "PT-X-PC" }, Json).DefaultTimeout();
        var problem = await ExpectProblem(refused, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("scopeSiteCode", out _));
    }

    [Fact]
    public async Task ACommuneTechnicianSeesAndActsOnItsOwnSitesAndEndpointsOnly()
    {
        using var paco = await ScopedAsync(StaffRoles.Technician, "PT-X-PC");
        var sites = await ReadJson(await paco.GetAsync(new Uri("/api/sites", UriKind.Relative)).DefaultTimeout());
        Assert.Equal(["PT-X-PC"], sites.EnumerateArray().Select(s => s.GetProperty("code").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await paco.GetAsync(new Uri("/api/sites/PT-X-PC", UriKind.Relative)).DefaultTimeout()).StatusCode);
        await ExpectOutOfScope(await paco.GetAsync(new Uri("/api/sites/PT-X-HC", UriKind.Relative)).DefaultTimeout());
        await ExpectOutOfScope(await paco.GetAsync(new Uri("/api/sites/PT/calendar.ics", UriKind.Relative)).DefaultTimeout());
        var export = await (await paco.GetAsync(new Uri("/api/sites/export?format=json", UriKind.Relative)).DefaultTimeout()).Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout();
        Assert.Equal(["PT-X-PC"], export.EnumerateArray().Select(s => s.GetProperty("code").GetString()));

        var endpoints = await ReadJson(await paco.GetAsync(new Uri("/api/endpoints", UriKind.Relative)).DefaultTimeout());
        Assert.Equal(["PT-X-PC"], endpoints.EnumerateArray().Select(e => e.GetProperty("siteCode").GetString()));
        var presence = await ReadJson(await paco.GetAsync(new Uri("/api/endpoints/presence", UriKind.Relative)).DefaultTimeout());
        Assert.All(presence.EnumerateArray(), p => Assert.Equal("PT-X-PC", p.GetProperty("siteCode").GetString()));

        var hyCuong = await EndpointOfAsync("PT-X-HC");
        var own = await EndpointOfAsync("PT-X-PC");
        await ExpectOutOfScope(await paco.GetAsync(new Uri($"/api/endpoints/{hyCuong}", UriKind.Relative)).DefaultTimeout());
        await ExpectOutOfScope(await paco.PostAsJsonAsync("/api/endpoints", new { siteCode = "PT-X-HC", sipUri = "sip:them@127.0.0.1", displayName = "Không phải của mình" }, Json).DefaultTimeout());
        await ExpectOutOfScope(await paco.PutAsJsonAsync($"/api/endpoints/{hyCuong}", new { siteCode = "PT-X-HC", sipUri = "sip:pt-x-hc@10.1.0.1", displayName = "Đổi tên" }, Json).DefaultTimeout());
        await ExpectOutOfScope(await paco.PutAsJsonAsync($"/api/endpoints/{own}", new { siteCode = "PT-X-HC", sipUri = "sip:pt-x-pc@10.1.0.1", displayName = "Chuyển đi" }, Json).DefaultTimeout());
        await ExpectOutOfScope(await paco.DeleteAsync(new Uri($"/api/endpoints/{hyCuong}", UriKind.Relative)).DefaultTimeout());
        await ExpectOutOfScope(await paco.PostAsJsonAsync($"/api/endpoints/{hyCuong}/actions/keyframe", new { }, Json).DefaultTimeout());
        Assert.Equal(HttpStatusCode.Created, (await paco.PostAsJsonAsync("/api/endpoints", new { siteCode = "PT-X-PC", sipUri = "sip:paco2@127.0.0.1", displayName = "Phòng họp 2 Pà Cò" }, Json).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Admin.GetAsync(new Uri($"/api/endpoints/{hyCuong}", UriKind.Relative)).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task ADistrictSecretariatSchedulesOnlyWithinItsDistrictAndSeesWiderMeetingsReadOnly()
    {
        using var lamThao = await ScopedAsync(StaffRoles.Secretariat, "PT-H-LT");

        var own = await lamThao.PostAsJsonAsync("/api/meetings", MeetingBody("Giao ban huyện Lâm Thao", Tomorrow(8), 1, ["PT-X-LT"], "CommuneLevel", "PT-H-LT"), Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        var ownId = (await ReadJson(own)).GetProperty("id").GetGuid();
        await ExpectOutOfScope(await lamThao.PostAsJsonAsync("/api/meetings", MeetingBody("Vượt phạm vi", Tomorrow(10), 1, ["PT-X-LT", "PT-X-HC"], "CommuneLevel", "PT-H-LT"), Json).DefaultTimeout());
        await ExpectOutOfScope(await lamThao.PostAsJsonAsync("/api/meetings", MeetingBody("Chủ trì ngoài phạm vi", Tomorrow(11), 1, ["PT-X-LT"], "CommuneLevel", "PT-X-HC"), Json).DefaultTimeout());
        await ExpectOutOfScope(await lamThao.PostAsJsonAsync("/api/meetings/conflicts", MeetingBody("Thử", Tomorrow(12), 1, ["PT-X-PC"], "CommuneLevel", "PT-H-LT"), Json).DefaultTimeout());
        await ExpectOutOfScope(await lamThao.PutAsJsonAsync($"/api/meetings/{ownId}", MeetingBody("Mở rộng ra ngoài", Tomorrow(8), 1, ["PT-X-LT", "PT-X-DH"], "CommuneLevel", "PT-H-LT"), Json).DefaultTimeout());

        // The province's meeting with xã Lâm Thao among its sites: seen, never run.
        var province = await ScheduleAsAdminAsync("Hội nghị toàn tỉnh", "PT", "ProvinceHosted", "PT-X-LT", "PT-X-HC");
        var elsewhere = await ScheduleAsAdminAsync("Hội nghị xã Hy Cương", "PT-X-HC", "CommuneLevel", "PT-X-PC");
        Assert.Equal(HttpStatusCode.OK, (await lamThao.GetAsync(new Uri($"/api/meetings/{province}", UriKind.Relative)).DefaultTimeout()).StatusCode);
        await ExpectOutOfScope(await lamThao.PostAsJsonAsync($"/api/meetings/{province}/prepare", new { }, Json).DefaultTimeout());
        await ExpectOutOfScope(await lamThao.PostAsJsonAsync($"/api/meetings/{province}/cancel", new { reason = "không" }, Json).DefaultTimeout());
        await ExpectOutOfScope(await lamThao.PutAsJsonAsync($"/api/meetings/{province}/roll-call/PT-X-LT", new { status = "Present" }, Json).DefaultTimeout());
        await ExpectOutOfScope(await lamThao.GetAsync(new Uri($"/api/meetings/{elsewhere}", UriKind.Relative)).DefaultTimeout());
        await ExpectOutOfScope(await lamThao.GetAsync(new Uri($"/api/meetings/{elsewhere}/calendar.ics", UriKind.Relative)).DefaultTimeout());
        await ExpectOutOfScope(await lamThao.GetAsync(new Uri($"/api/meetings/{elsewhere}/readiness", UriKind.Relative)).DefaultTimeout());
        await ExpectOutOfScope(await lamThao.GetAsync(new Uri($"/api/meetings/{elsewhere}/calls", UriKind.Relative)).DefaultTimeout());

        var listed = (await ReadJson(await lamThao.GetAsync(new Uri("/api/meetings", UriKind.Relative)).DefaultTimeout())).EnumerateArray().Select(m => m.GetProperty("id").GetGuid()).ToList();
        Assert.Contains(ownId, listed);
        Assert.Contains(province, listed);
        Assert.DoesNotContain(elsewhere, listed);

        Assert.Equal(HttpStatusCode.OK, (await lamThao.PostAsJsonAsync($"/api/meetings/{ownId}/prepare", new { }, Json).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{province}/prepare", new { }, Json).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task AnEndpointAddedDuringAPreparingMeetingRaisesAnAlarmOnlyItsScopeSees()
    {
        var meeting = await ScheduleAsAdminAsync("Hội nghị xã Hy Cương", "PT-X-HC", "CommuneLevel", "PT-X-DH");
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{meeting}/prepare", new { }, Json).DefaultTimeout()).StatusCode);
        var added = await Admin.PostAsJsonAsync("/api/endpoints", new { siteCode = "PT-X-DH", sipUri = "sip:doanhung2@127.0.0.1", displayName = "Phòng họp 2 Đoan Hùng" }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var endpointId = (await ReadJson(added)).GetProperty("id").GetGuid();

        JsonElement alarm = default;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var found = (await ReadJson(await Admin.GetAsync(new Uri($"/api/alarms?meeting={meeting}&state=Active", UriKind.Relative)).DefaultTimeout())).EnumerateArray()
                .Where(a => a.GetProperty("kind").GetString() == "endpoint.added-during-meeting").ToList();
            if (found.Count > 0)
            {
                alarm = found[0];
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(JsonValueKind.Object, alarm.ValueKind);
        Assert.Equal(endpointId, alarm.GetProperty("endpointId").GetGuid());
        Assert.Equal("PT-X-DH", alarm.GetProperty("siteCode").GetString());
        var alarmId = alarm.GetProperty("id").GetGuid();

        // Adding one to a site of no running meeting raises nothing.
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsJsonAsync("/api/endpoints", new { siteCode = "PT-P-VT", sipUri = "sip:viettri2@127.0.0.1", displayName = "Phòng họp 2 Việt Trì" }, Json).DefaultTimeout()).StatusCode);

        using var paco = await ScopedAsync(StaffRoles.Technician, "PT-X-PC");
        var seen = await ReadJson(await paco.GetAsync(new Uri("/api/alarms", UriKind.Relative)).DefaultTimeout());
        Assert.DoesNotContain(seen.EnumerateArray(), a => a.GetProperty("id").GetGuid() == alarmId);
        await ExpectOutOfScope(await paco.GetAsync(new Uri("/api/alarms?site=PT-X-DH", UriKind.Relative)).DefaultTimeout());
        await ExpectOutOfScope(await paco.PostAsync(new Uri($"/api/alarms/{alarmId}/acknowledge", UriKind.Relative), null).DefaultTimeout());
        await ExpectOutOfScope(await paco.PostAsync(new Uri($"/api/alarms/{alarmId}/clear", UriKind.Relative), null).DefaultTimeout());

        using var doanHung = await ScopedAsync(StaffRoles.Technician, "PT-X-DH");
        var theirs = await ReadJson(await doanHung.GetAsync(new Uri("/api/alarms", UriKind.Relative)).DefaultTimeout());
        Assert.Contains(theirs.EnumerateArray(), a => a.GetProperty("id").GetGuid() == alarmId);
        Assert.Equal(HttpStatusCode.OK, (await doanHung.PostAsync(new Uri($"/api/alarms/{alarmId}/acknowledge", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await doanHung.GetAsync(new Uri($"/api/meetings/{meeting}/readiness", UriKind.Relative)).DefaultTimeout()).StatusCode);
        await ExpectOutOfScope(await doanHung.PostAsync(new Uri($"/api/meetings/{meeting}/readiness/run", UriKind.Relative), null).DefaultTimeout());
    }
}
