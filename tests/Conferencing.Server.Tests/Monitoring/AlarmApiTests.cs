using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Monitoring;
using Conferencing.Server.Store;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conferencing.Server.Tests.Monitoring;

public sealed class AlarmApiTests : ApiTestBase
{
    private async Task<Guid> InsertAsync(string kind, AlarmSeverity severity, string site, DateTimeOffset raised, bool cleared)
    {
        var database = Factory.Services.GetRequiredService<Database>();
        var id = Guid.NewGuid();
        await database.InTransactionAsync((c, t) => c.ExecuteAsync(t,
            "INSERT INTO alarms (id, kind, severity, endpoint_id, site_code, message, raised_utc, acknowledged_by, acknowledged_utc, cleared_utc, meeting_id, cleared_by) "
            + "VALUES (@id, @k, @s, @e, @site, 'm', @r, NULL, NULL, @c, NULL, NULL)", CancellationToken.None,
            ("id", id.ToString()), ("k", kind), ("s", severity.ToString()), ("e", Guid.NewGuid().ToString()), ("site", site), ("r", database.ToDb(raised)),
            ("c", cleared ? database.ToDb(raised.AddMinutes(1)) : null)), CancellationToken.None).DefaultTimeout();
        return id;
    }

    [Fact]
    public async Task TheHistoryFiltersBySubtreeSeverityStateAndTime()
    {
        var t = new DateTimeOffset(2025, 9, 2, 1, 0, 0, TimeSpan.Zero);
        var lamThao = await InsertAsync(AlarmKinds.EndpointOffline, AlarmSeverity.Critical, "PT-X-LT", t, cleared: false);
        var paCo = await InsertAsync(AlarmKinds.CallLoss, AlarmSeverity.Major, "PT-X-PC", t.AddHours(1), cleared: true);
        var hyCuong = await InsertAsync(AlarmKinds.RegistrationLost, AlarmSeverity.Minor, "PT-X-HC", t.AddHours(2), cleared: false);

        async Task<List<Guid>> Ids(string query) =>
            [.. (await Admin.GetFromJsonAsync<JsonElement>("/api/alarms" + query, Json).DefaultTimeout()).EnumerateArray().Select(a => a.GetProperty("id").GetGuid())];

        Assert.Equal([hyCuong, paCo, lamThao], await Ids(""));
        Assert.Equal([lamThao], await Ids("?site=PT-H-LT"));
        Assert.Equal([paCo, lamThao], await Ids("?severity=Major"));
        Assert.Equal([hyCuong, lamThao], await Ids("?state=Active"));
        Assert.Equal([paCo], await Ids("?state=cleared"));
        Assert.Equal([paCo], await Ids($"?from={Uri.EscapeDataString(t.AddMinutes(30).ToString("O"))}&to={Uri.EscapeDataString(t.AddMinutes(90).ToString("O"))}"));

        var bad = await Admin.GetAsync(new Uri("/api/alarms?severity=Loud", UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("errors").TryGetProperty("severity", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync(new Uri("/api/alarms?site=PT-NOPE", UriKind.Relative)).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task TheSecretariatReadsAlarmsAndATechnicianClearsThemOnce()
    {
        var id = await InsertAsync(AlarmKinds.EndpointOffline, AlarmSeverity.Major, "PT-X-DH", DateTimeOffset.UtcNow, cleared: false);
        using var secretariat = await Factory.StaffAsync("Secretariat");
        using var technician = await Factory.StaffAsync("Technician");
        Assert.Equal(HttpStatusCode.OK, (await secretariat.GetAsync(new Uri("/api/alarms", UriKind.Relative)).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await secretariat.PostAsync(new Uri($"/api/alarms/{id}/clear", UriKind.Relative), null).DefaultTimeout()).StatusCode);

        var cleared = await technician.PostAsync(new Uri($"/api/alarms/{id}/clear", UriKind.Relative), null).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.StartsWith("technician", (await cleared.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("clearedBy").GetString(), StringComparison.Ordinal);
        var again = await technician.PostAsync(new Uri($"/api/alarms/{id}/clear", UriKind.Relative), null).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("alarm.not-active", (await again.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("code").GetString());
        var audit = await Admin.GetFromJsonAsync<JsonElement>($"/api/audit?entityType=alarm&entityId={id}", Json).DefaultTimeout();
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("action").GetString() == "alarm.cleared");
    }
}
