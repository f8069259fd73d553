using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Devices.Agent;
using Conferencing.Devices.Control;
using Conferencing.Devices.PjLink;
using Conferencing.Devices.Simulation;
using Conferencing.RoomAgent;
using Conferencing.Server.RoomControl;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conferencing.Server.Tests.RoomControl;

/// <summary>
/// A real room agent (the worker's own connection class) against the real server on a Kestrel port,
/// driving a simulated VISCA-over-IP camera and PJLink projector on loopback sockets.
/// </summary>
public class RoomAgentTests : IAsyncLifetime
{
    private const string Site = "PT-X-HC";
    private ConferencingFactory _factory = null!;
    private string _url = null!;
    private HttpClient _admin = null!;
    private ViscaIpCameraSimulator _camera = null!;
    private PjLinkProjectorSimulator _projector = null!;
    private readonly List<IAsyncDisposable> _agents = [];

    private static JsonSerializerOptions Json => ConferencingFactory.Json;

    /// <summary>The store under test: SQLite here, PostgreSQL in <see cref="RoomAgentPostgresTests"/>.</summary>
    protected virtual Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult(TestDatabase.Sqlite());

    public async Task InitializeAsync()
    {
        _factory = new ConferencingFactory(await CreateDatabaseAsync(), settings: new Dictionary<string, string?> { ["RoomControl:CommandTimeout"] = "00:00:05" });
        _url = BrowserFixture.StartKestrel(_factory);
        _admin = await SignInAsync("admin", ConferencingFactory.AdminPassword);
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

    /// <summary>A client of the Kestrel server (the factory's own clients talk to its in-memory server).</summary>
    private async Task<HttpClient> SignInAsync(string username, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(_url) };
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return client;
    }

    private async Task<HttpClient> StaffAsync(string role)
    {
        var username = role.ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..8];
        var created = await _admin.PostAsJsonAsync("/api/users", new { username, displayName = role, role, password = ConferencingFactory.StaffPassword }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return await SignInAsync(username, ConferencingFactory.StaffPassword);
    }

    private async Task<IssuedAgentKey> IssueAsync()
    {
        var response = await _admin.PostAsJsonAsync("/api/room-agents", new { siteCode = Site, name = "Phòng họp xã Hy Cương" }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<IssuedAgentKey>(Json).DefaultTimeout())!;
    }

    private RoomAgentConnection Agent(string key, string? serverUrl = null)
    {
        var options = new RoomAgentOptions
        {
            ServerUrl = serverUrl ?? _url,
            AgentKey = key,
            MaxBackoff = TimeSpan.FromSeconds(1),
            CommandTimeout = TimeSpan.FromSeconds(4),
            Devices =
            [
                new DeviceSettings { Id = "camera", Name = "Camera PTZ", Kind = DeviceKind.Camera, Driver = DeviceDriver.ViscaIp, Address = _camera.EndPoint.ToString(), TimeoutSeconds = 1 },
                new DeviceSettings { Id = "projector", Name = "Máy chiếu", Kind = DeviceKind.Projector, Driver = DeviceDriver.PjLink, Address = _projector.EndPoint.ToString(), Password = "JBMIAProjectorLink", ConferenceInput = "31", TimeoutSeconds = 1 },
            ],
        };
        var agent = new RoomAgentConnection(options, NullLogger.Instance);
        _agents.Add(agent);
        return agent;
    }

    private async Task<List<DeviceView>> DevicesAsync() =>
        (await _admin.GetFromJsonAsync<List<DeviceView>>($"/api/room-devices?site={Site}", Json).DefaultTimeout())!;

    private async Task<List<DeviceView>> WaitForDevicesAsync(Func<List<DeviceView>, bool> condition)
    {
        var until = DateTime.UtcNow + TaskTimeouts.Default;
        while (true)
        {
            var devices = await DevicesAsync();
            if (condition(devices))
            {
                return devices;
            }

            Assert.True(DateTime.UtcNow < until, "devices never reached the expected state: " + JsonSerializer.Serialize(devices, Json));
            await Task.Delay(100);
        }
    }

    private Task<HttpResponseMessage> CommandAsync(HttpClient client, string device, string action, string? argument = null) =>
        client.PostAsJsonAsync($"/api/room-devices/{Site}/{device}/commands", new { action, argument }, Json).DefaultTimeout();

    private static async Task<string> CodeOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("code").GetString()!;

    [Fact]
    public async Task AnAgentWithAnIssuedKeyReportsItsDevicesAndRunsCommandsThatAreAudited()
    {
        var issued = await IssueAsync();
        Assert.StartsWith(RoomAgentStore.KeyPrefix, issued.Key, StringComparison.Ordinal);
        await Agent(issued.Key).ConnectAsync(CancellationToken.None).DefaultTimeout();

        var devices = await WaitForDevicesAsync(d => d.Count == 2 && d.All(x => x.AgentOnline && x.State is not null));
        Assert.Equal(["camera", "projector"], devices.Select(d => d.Device.Id));
        Assert.Equal("standby", devices[1].State!.Power);

        var on = await CommandAsync(_admin, "projector", "PowerOn");
        Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        Assert.Equal("on", (await on.Content.ReadFromJsonAsync<DeviceCommandResult>(Json).DefaultTimeout())!.State!.Power);
        Assert.Equal(PjLinkPower.On, _projector.Power);
        Assert.Equal(HttpStatusCode.OK, (await CommandAsync(_admin, "projector", "SetInput")).StatusCode);
        Assert.Equal("31", _projector.Input);

        var preset = await CommandAsync(_admin, "camera", "RecallPreset", CameraPresets.Speaker.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(HttpStatusCode.OK, preset.StatusCode);
        Assert.Equal(CameraPresets.Speaker, _camera.Camera.LastRecalledPreset);
        Assert.Equal("on", (await DevicesAsync())[1].State!.Power);

        var audit = await _admin.GetFromJsonAsync<JsonElement>("/api/audit?action=room-device.command", Json).DefaultTimeout();
        var summaries = audit.EnumerateArray().Select(e => e.GetProperty("entityId").GetString() + " " + e.GetProperty("summary").GetString()).ToList();
        Assert.Contains($"{Site}/projector PowerOn: Done", summaries);
        Assert.Contains($"{Site}/camera RecallPreset 3: Done", summaries);
        Assert.All(audit.EnumerateArray(), e => Assert.Equal("admin", e.GetProperty("actor").GetString()));
    }

    [Fact]
    public async Task UnknownDevicesOfflineAgentsAndDeviceErrorsAreProblemsWithCodes()
    {
        var issued = await IssueAsync();
        var agent = Agent(issued.Key);
        await agent.ConnectAsync(CancellationToken.None).DefaultTimeout();
        await WaitForDevicesAsync(d => d.Count == 2);

        var unknown = await CommandAsync(_admin, "tivi", "PowerOn");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("device.not-found", await CodeOf(unknown));

        var standby = await CommandAsync(_admin, "projector", "SetInput", "31");
        Assert.Equal(HttpStatusCode.BadGateway, standby.StatusCode);
        Assert.Equal("device.error", await CodeOf(standby));

        await _camera.DisposeAsync();
        _camera = new ViscaIpCameraSimulator();
        var gone = await CommandAsync(_admin, "camera", "PowerOn");
        Assert.Equal(HttpStatusCode.BadGateway, gone.StatusCode);
        Assert.Equal("device.unreachable", await CodeOf(gone));

        var bad = await CommandAsync(_admin, "camera", "Fly");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        using var secretariat = await StaffAsync("Secretariat");
        var store = await CommandAsync(secretariat, "camera", "StorePreset", "1");
        Assert.Equal(HttpStatusCode.Forbidden, store.StatusCode);
        Assert.Equal("device.action-forbidden", await CodeOf(store));
        Assert.Equal(HttpStatusCode.OK, (await CommandAsync(secretariat, "projector", "PowerOn")).StatusCode);

        await agent.DisposeAsync();
        await WaitForDevicesAsync(d => d.All(x => !x.AgentOnline));
        var offline = await CommandAsync(_admin, "projector", "PowerOff");
        Assert.Equal(HttpStatusCode.Conflict, offline.StatusCode);
        Assert.Equal("room-agent.offline", await CodeOf(offline));
    }

    [Fact]
    public async Task RevokingAKeyDropsTheAgentAndRefusesItFromThenOn()
    {
        var issued = await IssueAsync();
        var agent = Agent(issued.Key);
        await agent.ConnectAsync(CancellationToken.None).DefaultTimeout();
        await WaitForDevicesAsync(d => d.Count == 2 && d.All(x => x.AgentOnline));

        using var technician = await StaffAsync("Technician");
        Assert.Equal(HttpStatusCode.Forbidden, (await technician.DeleteAsync(new Uri($"/api/room-agents/{issued.Id}", UriKind.Relative)).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync(new Uri($"/api/room-agents/{issued.Id}", UriKind.Relative)).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.DeleteAsync(new Uri($"/api/room-agents/{issued.Id}", UriKind.Relative)).DefaultTimeout()).StatusCode);

        // The revoked agent's devices leave the list; the live connection was dropped and stays out.
        await WaitForDevicesAsync(d => d.Count == 0);
        var presence = _factory.Services.GetRequiredService<AgentPresence>();
        Assert.False(presence.IsOnline(issued.Id));
        await Task.Delay(1500);
        Assert.False(presence.IsOnline(issued.Id));
        Assert.NotEqual(HubConnectionState.Connected, agent.State);

        await using var again = new HubConnectionBuilder()
            .WithUrl(new Uri(new Uri(_url), RoomAgentHubRoute.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(issued.Key))
            .Build();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => again.StartAsync()).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var agents = await _admin.GetFromJsonAsync<List<AgentView>>("/api/room-agents", Json).DefaultTimeout();
        Assert.NotNull(agents!.Single(a => a.Id == issued.Id).RevokedUtc);
        Assert.DoesNotContain(issued.Key, JsonSerializer.Serialize(agents, Json), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAgentThatLosesItsConnectionReconnectsAndResynchronizes()
    {
        var issued = await IssueAsync();
        await using var uplink = new CuttableProxy(new Uri(_url));
        var agent = Agent(issued.Key, uplink.Url);
        await agent.ConnectAsync(CancellationToken.None).DefaultTimeout();
        await WaitForDevicesAsync(d => d.Count == 2 && d.All(x => x.AgentOnline) && d[1].State?.Power == "standby");
        var presence = _factory.Services.GetRequiredService<AgentPresence>();
        Assert.True(presence.TryGet(issued.Id, out var before));

        // Someone turns the projector on with its remote while the room's link is down.
        _projector.Power = PjLinkPower.On;
        uplink.CutAll();

        var devices = await WaitForDevicesAsync(d => d.Count == 2 && d.All(x => x.AgentOnline) && d[1].State?.Power == "on");
        Assert.True(presence.TryGet(issued.Id, out var after));
        Assert.NotEqual(before.ConnectionId, after.ConnectionId);
        Assert.Equal(HubConnectionState.Connected, agent.State);
        Assert.Equal(HttpStatusCode.OK, (await CommandAsync(_admin, "camera", "Home")).StatusCode);
        Assert.Equal("camera", devices[0].Device.Id);
    }

    [Fact]
    public async Task AnAgentTheServerClosesStartsOverAndResynchronizes()
    {
        var issued = await IssueAsync();
        var agent = Agent(issued.Key);
        await agent.ConnectAsync(CancellationToken.None).DefaultTimeout();
        await WaitForDevicesAsync(d => d.Count == 2 && d[1].State?.Power == "standby");

        var presence = _factory.Services.GetRequiredService<AgentPresence>();
        Assert.True(presence.Abort(issued.Id));
        _projector.Power = PjLinkPower.On;

        await WaitForDevicesAsync(d => d.Count == 2 && d.All(x => x.AgentOnline) && d[1].State?.Power == "on");
        Assert.Equal(HubConnectionState.Connected, agent.State);
    }

    [Fact]
    public async Task TheRoomComesUpWithTheMeetingAndItsCameraFollowsTheFloor()
    {
        var issued = await IssueAsync();
        await Agent(issued.Key).ConnectAsync(CancellationToken.None).DefaultTimeout();
        await WaitForDevicesAsync(d => d.Count == 2 && d.All(x => x.AgentOnline));
        _camera.Camera.Power = false;

        // The room's site has no room system of its own here: the floor is given to its delegates in the
        // room (a site whose endpoint had failed to answer would rightly be refused the floor).
        foreach (var code in new[] { "PT" })
        {
            var endpoint = await _admin.PostAsJsonAsync("/api/endpoints", new { siteCode = code, sipUri = $"sip:{code.ToLowerInvariant()}@127.0.0.1:9", displayName = "Phòng họp " + code }, Json).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Created, endpoint.StatusCode);
        }

        var start = DateTimeOffset.UtcNow.AddDays(2);
        var scheduled = await _admin.PostAsJsonAsync("/api/meetings", new
        {
            title = "Hội nghị trực tuyến triển khai nhiệm vụ",
            kind = "ProvinceHosted",
            hostSiteCode = "PT",
            startUtc = start,
            endUtc = start.AddHours(2),
            sites = new { subtrees = Array.Empty<string>(), sites = new[] { "PT", Site } },
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, scheduled.StatusCode);
        var id = (await scheduled.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid();

        async Task Until(Func<bool> condition, string what)
        {
            var until = DateTime.UtcNow + TaskTimeouts.Default;
            while (!condition())
            {
                Assert.True(DateTime.UtcNow < until, what);
                await Task.Delay(50);
            }
        }

        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync($"/api/meetings/{id}/prepare", new { version = 1 }, Json).DefaultTimeout()).StatusCode);
        await Until(() => _projector.Power == PjLinkPower.On && _projector.Input == "31", "the projector came up on the conference input");
        await Until(() => _camera.Camera.Power && _camera.Camera.LastRecalledPreset == CameraPresets.Wide, "the camera came up on its wide shot");

        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync($"/api/meetings/{id}/start", new { }, Json).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync($"/api/meetings/{id}/floor", new { siteCode = Site }, Json).DefaultTimeout()).StatusCode);
        await Until(() => _camera.Camera.LastRecalledPreset == CameraPresets.Speaker, "the speaking site's camera framed its speaker");
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync($"/api/meetings/{id}/floor", new { siteCode = (string?)null }, Json).DefaultTimeout()).StatusCode);
        await Until(() => _camera.Camera.LastRecalledPreset == CameraPresets.Wide, "the camera went back to its wide shot");

        var audit = await _admin.GetFromJsonAsync<JsonElement>($"/api/audit?action=room-device.command&actor=meeting:{id}", Json).DefaultTimeout();
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("summary").GetString() == "RecallPreset 3: Done");
    }

    [Fact]
    public async Task AnUnknownKeyIsRefusedAndIssuingNeedsAKnownSite()
    {
        await using var stranger = new HubConnectionBuilder()
            .WithUrl(new Uri(new Uri(_url), RoomAgentHubRoute.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(RoomAgentStore.KeyPrefix + "not-a-key"))
            .Build();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => stranger.StartAsync()).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var missing = await _admin.PostAsJsonAsync("/api/room-agents", new { siteCode = "PT-NOPE", name = "x" }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("site.not-found", await CodeOf(missing));
    }
}

/// <summary>The same agent tests over PostgreSQL (the store's queries and migration 13 on the production engine).</summary>
public sealed class RoomAgentPostgresTests : RoomAgentTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.PostgresAsync();
}
