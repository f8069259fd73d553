using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Devices.Agent;
using Conferencing.Devices.Control;
using Conferencing.Devices.PjLink;
using Conferencing.Devices.Simulation;
using Conferencing.RoomAgent;
using Conferencing.Server.Monitoring;
using Conferencing.Server.RoomControl;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conferencing.Server.Tests.RoomControl;

/// <summary>
/// Room devices in the readiness board and the alarms: a real agent on the real hub over Kestrel,
/// driving a simulated camera and projector on loopback sockets.
/// </summary>
public sealed class RoomDeviceMonitoringTests : IAsyncLifetime
{
    private const string Site = "PT-X-HC";
    private ConferencingFactory _factory = null!;
    private string _url = null!;
    private HttpClient _admin = null!;
    private ViscaIpCameraSimulator _camera = null!;
    private PjLinkProjectorSimulator _projector = null!;
    private readonly List<IAsyncDisposable> _agents = [];

    private static JsonSerializerOptions Json => ConferencingFactory.Json;

    public async Task InitializeAsync()
    {
        _factory = new ConferencingFactory(TestDatabase.Sqlite(), settings: new Dictionary<string, string?>
        {
            ["RoomControl:CommandTimeout"] = "00:00:05",
            ["Alarms:RoomAgentOfflineAfter"] = "00:00:01",
            ["Alarms:ClearAfter"] = "00:00:01",
            ["Alarms:LampHoursLimit"] = "3000",
        });
        _url = BrowserFixture.StartKestrel(_factory);
        _admin = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(_url) };
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = ConferencingFactory.AdminPassword }, Json).DefaultTimeout()).StatusCode);
        using var content = new StringContent(Conferencing.Server.Sites.SiteFiles.ToCsv(Sample.MixedTree()), System.Text.Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), content).DefaultTimeout()).StatusCode);
        _camera = new ViscaIpCameraSimulator();
        _projector = new PjLinkProjectorSimulator("JBMIAProjectorLink");
    }

    public async Task DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }

        await _camera.DisposeAsync();
        await _projector.DisposeAsync();
        _admin.Dispose();
        await _factory.DisposeAsync();
        await _factory.Database.DisposeAsync();
    }

    private async Task<IssuedAgentKey> IssueAsync()
    {
        var response = await _admin.PostAsJsonAsync("/api/room-agents", new { siteCode = Site, name = "Phòng họp xã Hy Cương" }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<IssuedAgentKey>(Json).DefaultTimeout())!;
    }

    private async Task<RoomAgentConnection> ConnectAsync(string key)
    {
        var agent = new RoomAgentConnection(new RoomAgentOptions
        {
            ServerUrl = _url,
            AgentKey = key,
            MaxBackoff = TimeSpan.FromSeconds(1),
            CommandTimeout = TimeSpan.FromSeconds(4),
            Devices =
            [
                new DeviceSettings { Id = "camera", Name = "Camera PTZ", Kind = DeviceKind.Camera, Driver = DeviceDriver.ViscaIp, Address = _camera.EndPoint.ToString(), TimeoutSeconds = 1 },
                new DeviceSettings { Id = "projector", Name = "Máy chiếu", Kind = DeviceKind.Projector, Driver = DeviceDriver.PjLink, Address = _projector.EndPoint.ToString(), Password = "JBMIAProjectorLink", ConferenceInput = "31", TimeoutSeconds = 1 },
            ],
        }, NullLogger.Instance);
        _agents.Add(agent);
        await agent.ConnectAsync(CancellationToken.None).DefaultTimeout();
        return agent;
    }

    private Task<HttpResponseMessage> CommandAsync(string device, string action) =>
        _admin.PostAsJsonAsync($"/api/room-devices/{Site}/{device}/commands", new { action }, Json).DefaultTimeout();

    private static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what)
    {
        var until = DateTime.UtcNow + TaskTimeouts.Default;
        while (true)
        {
            var value = await read().DefaultTimeout();
            if (condition(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < until, what + ": " + JsonSerializer.Serialize(value, Json));
            await Task.Delay(100);
        }
    }

    private Task<IReadOnlyList<Alarm>> ActiveAlarmsAsync() =>
        _factory.Services.GetRequiredService<AlarmService>().QueryAsync(new AlarmQuery(State: AlarmStateFilter.Active), CancellationToken.None);

    [Fact]
    public async Task AnAgentThatDisconnectsRaisesAnAlarmThatClearsWhenItReturns()
    {
        var issued = await IssueAsync();
        var first = await ConnectAsync(issued.Key);
        await UntilAsync(() => _admin.GetFromJsonAsync<List<DeviceView>>($"/api/room-devices?site={Site}", Json)!, d => d!.Count == 2 && d.All(x => x.AgentOnline), "the agent reported its devices");
        Assert.DoesNotContain(await ActiveAlarmsAsync(), a => a.Kind == AlarmKinds.RoomAgentOffline);

        await first.DisposeAsync();
        var raised = await UntilAsync(ActiveAlarmsAsync, a => a.Any(x => x.Kind == AlarmKinds.RoomAgentOffline && x.EndpointId == issued.Id), "the offline agent raised its alarm");
        Assert.Equal(Site, raised.Single(x => x.Kind == AlarmKinds.RoomAgentOffline).SiteCode);

        await ConnectAsync(issued.Key);
        await UntilAsync(ActiveAlarmsAsync, a => !a.Any(x => x.Kind == AlarmKinds.RoomAgentOffline), "the alarm cleared when the agent came back");
        var history = await _factory.Services.GetRequiredService<AlarmService>().QueryAsync(new AlarmQuery(State: AlarmStateFilter.Cleared), CancellationToken.None).DefaultTimeout();
        Assert.Contains(history, a => a.Kind == AlarmKinds.RoomAgentOffline && a.EndpointId == issued.Id && a.ClearedBy is null);
    }

    [Fact]
    public async Task AProjectorErrorAndAnOldLampRaiseAlarmsAndTheErrorClearsWhenFixed()
    {
        var issued = await IssueAsync();
        await ConnectAsync(issued.Key);
        var subject = AlarmRules.DeviceSubject(issued.Id, "projector");
        _projector.ErrorStatus = "002000";
        _projector.LampHours = 3100;
        Assert.Equal(HttpStatusCode.OK, (await CommandAsync("projector", "Refresh")).StatusCode);
        var alarms = await UntilAsync(ActiveAlarmsAsync, a => a.Count(x => x.EndpointId == subject) == 2, "the projector's error and lamp alarms");
        Assert.Contains("temperature error", alarms.Single(a => a.Kind == AlarmKinds.ProjectorError).Message, StringComparison.Ordinal);
        Assert.Equal(AlarmSeverity.Minor, alarms.Single(a => a.Kind == AlarmKinds.LampEndOfLife).Severity);

        _projector.ErrorStatus = "000000";
        Assert.Equal(HttpStatusCode.OK, (await CommandAsync("projector", "Refresh")).StatusCode);
        await UntilAsync(ActiveAlarmsAsync, a => !a.Any(x => x.Kind == AlarmKinds.ProjectorError) && a.Any(x => x.Kind == AlarmKinds.LampEndOfLife), "the error cleared, the lamp alarm stays");
    }

    [Fact]
    public async Task ASiteWhoseDisplayIsOffDuringAPreparingMeetingIsNotGreen()
    {
        var issued = await IssueAsync();
        await ConnectAsync(issued.Key);
        foreach (var code in new[] { "PT", Site })
        {
            var endpoint = await _admin.PostAsJsonAsync("/api/endpoints", new { siteCode = code, sipUri = $"sip:{code.ToLowerInvariant()}@127.0.0.1:9", displayName = "Phòng họp " + code }, Json).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Created, endpoint.StatusCode);
        }

        var start = DateTimeOffset.UtcNow.AddDays(2);
        var scheduled = await _admin.PostAsJsonAsync("/api/meetings", new
        {
            title = "Hội nghị giao ban trực tuyến",
            kind = "ProvinceHosted",
            hostSiteCode = "PT",
            startUtc = start,
            endUtc = start.AddHours(2),
            sites = new { subtrees = Array.Empty<string>(), sites = new[] { "PT", Site } },
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, scheduled.StatusCode);
        var id = (await scheduled.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid();

        async Task<JsonElement> SiteOnBoardAsync()
        {
            var board = await _admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{id}/readiness", Json).DefaultTimeout();
            return board.GetProperty("sites").EnumerateArray().Single(s => s.GetProperty("siteCode").GetString() == Site);
        }

        Assert.Equal("untested", (await SiteOnBoardAsync()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync($"/api/meetings/{id}/prepare", new { version = 1 }, Json).DefaultTimeout()).StatusCode);
        // Prepare powers the projector on; the board then has nothing against the site's display.
        await UntilAsync(() => Task.FromResult(_projector.Power), p => p == PjLinkPower.On, "Prepare powered the projector on");
        await UntilAsync(SiteOnBoardAsync, s => s.GetProperty("code").GetString() == "untested", "a display that is on leaves the site as its test call says");

        Assert.Equal(HttpStatusCode.OK, (await CommandAsync("projector", "PowerOff")).StatusCode);
        var off = await SiteOnBoardAsync();
        Assert.Equal("display-off", off.GetProperty("code").GetString());
        Assert.Equal("Red", off.GetProperty("color").GetString());
    }
}
