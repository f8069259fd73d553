using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Hosting.Cluster;
using Conferencing.Server.Simulator;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Hosting.Cluster;

/// <summary>
/// Two server processes' worth of control plane (two hosts, two silos) on one PostgreSQL store, as
/// a province with a standby runs them: one meeting's commands from both are serialized, a change
/// made on one reaches the other's live pages, one node holds each role, and the other takes the
/// roles and the meetings when the first stops.
/// </summary>
public sealed class TwoNodeClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] SiteCodes = ["PT-X-LT", "PT-X-HC", "PT-X-PC", "PT-X-DH"];

    private TestDatabase _database = null!;
    private ConferencingFactory _a = null!;
    private ConferencingFactory _b = null!;
    private string _urlA = null!;
    private string _urlB = null!;
    private HttpClient _adminA = null!;
    private HttpClient _adminB = null!;

    private static JsonSerializerOptions Json => ConferencingFactory.Json;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.PostgresAsync();
        _a = new ConferencingFactory(_database, settings: Node("node-a"));
        _urlA = BrowserFixture.StartKestrel(_a);
        await WaitUntilAsync(() => Roles(_a).Holds(ClusterRoles.Conductor) && Roles(_a).Holds(ClusterRoles.Registrar), "node A takes both roles");
        _b = new ConferencingFactory(_database, settings: Node("node-b"));
        _urlB = BrowserFixture.StartKestrel(_b);
        await WaitUntilAsync(() => Feed(_a).Peers.Contains("node-b") && Feed(_b).Peers.Contains("node-a"), "the nodes find each other");
        _adminA = await SignInAsync(_urlA);
        _adminB = await SignInAsync(_urlB);

        var csv = Conferencing.Server.Sites.SiteFiles.ToCsv(Sample.MixedTree());
        using var content = new StringContent(csv, System.Text.Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await _adminA.PostAsync(new Uri("/api/sites/import", UriKind.Relative), content).DefaultTimeout()).StatusCode);
        var port = 9;
        foreach (var code in SiteCodes.Prepend("PT"))
        {
            // Loopback discard ports: nothing answers, nothing leaves the machine.
            var created = await _adminA.PostAsJsonAsync("/api/endpoints", new { siteCode = code, sipUri = $"sip:{code.ToLowerInvariant()}@127.0.0.1:{port++}", displayName = "Phòng họp " + code }, Json).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            _endpointIds[code] = (await created.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid();
        }
    }

    private readonly Dictionary<string, Guid> _endpointIds = new(StringComparer.Ordinal);

    public async Task DisposeAsync()
    {
        _adminA?.Dispose();
        _adminB?.Dispose();
        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        if (_a is not null)
        {
            await _a.DisposeAsync();
        }

        await _database.DisposeAsync();
    }

    [Fact]
    public async Task CommandsOnOneMeetingFromBothNodesAreSerialized()
    {
        var (id, version) = await ScheduleAndPrepareAsync();
        const int Commands = 24;
        var calls = Enumerable.Range(0, Commands).Select(i =>
        {
            var client = i % 2 == 0 ? _adminA : _adminB;
            return client.PutAsJsonAsync($"/api/meetings/{id}/roll-call/{SiteCodes[i % SiteCodes.Length]}", new { status = i % 3 == 0 ? "Late" : "Present", arrivedUtc = DateTimeOffset.UtcNow }, Json);
        }).ToList();
        var responses = await Task.WhenAll(calls).DefaultTimeout();

        // Without one owner per meeting, two nodes read the same version and the second save is a 409.
        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        var meeting = await (await _adminB.GetAsync(new Uri($"/api/meetings/{id}", UriKind.Relative)).DefaultTimeout()).Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout();
        Assert.Equal(version + Commands, meeting.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task TwoVotesOpenedAtOnceOnTwoNodesLeaveOneOpen()
    {
        var (id, _) = await ScheduleAndPrepareAsync();
        var polls = new List<Guid>();
        foreach (var question in new[] { "Thông qua nghị quyết số 1?", "Thông qua nghị quyết số 2?" })
        {
            var created = await _adminA.PostAsJsonAsync($"/api/meetings/{id}/votes", new { question, secret = false }, Json).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            polls.Add((await created.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid());
        }

        var opened = await Task.WhenAll(
            _adminA.PostAsync(new Uri($"/api/votes/{polls[0]}/open", UriKind.Relative), null),
            _adminB.PostAsync(new Uri($"/api/votes/{polls[1]}/open", UriKind.Relative), null)).DefaultTimeout();
        Assert.Equal(1, opened.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = Assert.Single(opened, r => r.StatusCode == HttpStatusCode.Conflict);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout();
        Assert.Equal("vote.another-open", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task AChangeOnOneNodeReachesTheOtherNodesDashboard()
    {
        var (id, _) = await ScheduleAsync();
        var cookies = new CookieContainer();
        using (await SignInAsync(_urlB, cookies))
        {
        }

        await using var hub = new HubConnectionBuilder().WithUrl(_urlB + "/hubs/monitoring", o => o.Cookies = cookies).Build();
        var preparing = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        hub.On<JsonElement>("MeetingsChanged", list =>
        {
            if (list.EnumerateArray().Any(m => m.GetProperty("id").GetGuid() == id && m.GetProperty("status").GetString() == "Preparing"))
            {
                preparing.TrySetResult(clock.Elapsed);
            }
        });
        await hub.StartAsync().DefaultTimeout();
        await hub.InvokeAsync<JsonElement>("Subscribe", null, null).DefaultTimeout();

        clock.Start();
        var prepared = await _adminA.PostAsJsonAsync($"/api/meetings/{id}/prepare", new { }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, prepared.StatusCode);
        var latency = await preparing.Task.DefaultTimeout();
        output.WriteLine($"prepare on node A reached node B's dashboard after {latency.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task OneNodeHoldsEachRoleAndTheOtherTakesThemWhenItStops()
    {
        var (id, _) = await ScheduleAndPrepareAsync();
        Assert.True(Roles(_a).Holds(ClusterRoles.Conductor));
        Assert.False(Roles(_b).Holds(ClusterRoles.Conductor));
        Assert.False(Roles(_b).Holds(ClusterRoles.Registrar));

        var clock = Stopwatch.StartNew();
        _adminA.Dispose();
        _adminA = null!;
        await _a.DisposeAsync();
        _a = null!;
        await WaitUntilAsync(() => Roles(_b).Holds(ClusterRoles.Conductor) && Roles(_b).Holds(ClusterRoles.Registrar), "node B takes both roles");
        output.WriteLine($"node B held both roles {clock.Elapsed.TotalMilliseconds:F0} ms after node A stopped");

        // The meeting's commands now run on B.
        var rollCall = await _adminB.PutAsJsonAsync($"/api/meetings/{id}/roll-call/{SiteCodes[0]}", new { status = "Present", arrivedUtc = DateTimeOffset.UtcNow }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, rollCall.StatusCode);
    }

    [Fact]
    public async Task ATechniciansActionOnANodeThatDoesNotDriveTheRelaysIsAnsweredByTheOneThatDoes()
    {
        var (id, _) = await ScheduleAsync();
        Assert.False(Roles(_b).Holds(ClusterRoles.Conductor));

        // Only node A's conductor knows the relays: its refusal (the meeting does not run on them) comes back through B.
        var clock = Stopwatch.StartNew();
        using var response = await _adminB.PostAsJsonAsync($"/api/endpoints/{_endpointIds["PT-X-LT"]}/actions/hang-up", new { meetingId = id }, Json).DefaultTimeout();
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout();
        Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{(int)response.StatusCode} {problem}");
        Assert.Equal("endpoint.not-in-call", problem.GetProperty("code").GetString());
        output.WriteLine($"answered through node A in {clock.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task TheNodeTakingTheRegistrarOverKnowsEveryRoomWithoutWaitingForItToRegisterAgain()
    {
        var created = await _adminA.PostAsJsonAsync("/api/endpoints", new
        {
            siteCode = "PT-X-DH", sipUri = "sip:phong-dh@127.0.0.1", displayName = "Phòng họp dự phòng", digestUsername = "phong-dh", digestPassword = "mat-khau-phong-dh",
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid();
        var registrarA = _a.Services.GetRequiredService<PresenceService>();
        await WaitUntilAsync(() => registrarA.UdpEndPoint is not null, "node A's registrar to listen");

        // The room registers for ten minutes: it will not refresh during this test.
        await using var room = new SimulatedRoom("phong-dh", "mat-khau-phong-dh", registrarA.UdpEndPoint!.Value, TimeSpan.FromMinutes(10), NullLogger.Instance);
        room.Start();
        await WaitUntilAsync(() => room.Registered && registrarA.Get(id)?.State == EndpointState.Reachable, "the room to register with node A");

        _adminA.Dispose();
        _adminA = null!;
        await _a.DisposeAsync();
        _a = null!;
        var stopped = DateTimeOffset.UtcNow;
        var registrarB = _b.Services.GetRequiredService<PresenceService>();
        await WaitUntilAsync(() => Roles(_b).Holds(ClusterRoles.Registrar) && registrarB.Agent is not null, "node B to take the registrar over");

        // B's registrar holds the room's binding and its keepalive reached the room at the stored
        // address (its SIP URI alone has no port the room listens on).
        await WaitUntilAsync(() => registrarB.Get(id) is { State: EndpointState.Reachable, LastSeenUtc: { } seen } && seen > stopped, "node B to reach the room");
        var binding = Assert.Single(registrarB.Agent!.Registrations, r => r.Username == "phong-dh");
        Assert.Equal(room.EndPoint!.Value.Address, binding.Source.Address);
    }

    private async Task<(Guid Id, int Version)> ScheduleAsync()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(30);
        var scheduled = await _adminA.PostAsJsonAsync("/api/meetings", new
        {
            title = "Giao ban cụm " + Guid.NewGuid().ToString("N")[..6],
            kind = "ProvinceHosted",
            hostSiteCode = "PT",
            startUtc = start,
            endUtc = start.AddHours(1),
            sites = new { subtrees = Array.Empty<string>(), sites = SiteCodes },
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, scheduled.StatusCode);
        var meeting = await scheduled.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout();
        return (meeting.GetProperty("id").GetGuid(), meeting.GetProperty("version").GetInt32());
    }

    private async Task<(Guid Id, int Version)> ScheduleAndPrepareAsync()
    {
        var (id, _) = await ScheduleAsync();
        var prepared = await _adminB.PostAsJsonAsync($"/api/meetings/{id}/prepare", new { }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, prepared.StatusCode);
        var meeting = await prepared.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout();
        return (id, meeting.GetProperty("version").GetInt32());
    }

    private static Dictionary<string, string?> Node(string name) => new()
    {
        ["Cluster:Mode"] = "Postgres",
        ["Cluster:NodeName"] = name,
        ["Cluster:ProbeTimeout"] = "00:00:01",
    };

    private static ClusterRoleLeases Roles(ConferencingFactory node) => node.Services.GetRequiredService<ClusterRoleLeases>();

    private static ClusterFeed Feed(ConferencingFactory node) => node.Services.GetRequiredService<ClusterFeed>();

    private static async Task<HttpClient> SignInAsync(string url, CookieContainer? cookies = null)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = ConferencingFactory.AdminPassword }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return client;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TaskTimeouts.Default);
        while (!condition())
        {
            try
            {
                await Task.Delay(100, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }
        }
    }
}
