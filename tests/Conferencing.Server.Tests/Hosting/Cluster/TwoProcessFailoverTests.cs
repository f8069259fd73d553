using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Simulator;
using Conferencing.Server.Tests.Infrastructure;
using Conferencing.Server.Tests.Relaying;
using Conferencing.Sip.Transport;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Hosting.Cluster;

/// <summary>
/// Two server processes on one PostgreSQL store with a standalone relay, as a province with a standby
/// runs them: a meeting started on one node and given the floor on the other shows the same on both,
/// and when the node driving the relays is killed (SIGKILL, no shutdown code runs), the media keeps
/// flowing, the other node takes the meeting over without calling any room again, and commands work
/// again within the membership time; then the same the other way round.
/// </summary>
[Collection(RealTimeCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TwoProcessFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string RelayUser = "tinh-phu-tho";
    private const string RelayPassword = "mat-khau-tinh-phu-tho";
    private static readonly string[] SiteCodes = ["PT", "PT-X-HC", "PT-X-PC", "PT-X-DH"];

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("conferencing-failover");
    private readonly List<SimulatedRoom> _rooms = [];
    private readonly Dictionary<string, Guid> _endpoints = new(StringComparer.Ordinal);
    private readonly HashSet<string> _held = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ServerProcess> _servers = [];
    private TestDatabase _database = null!;
    private RelayProcess? _relay;

    private static JsonSerializerOptions Json => ConferencingFactory.Json;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.PostgresAsync();
        var keyFile = Path.Combine(_work.FullName, "kek");
        await File.WriteAllBytesAsync(keyFile, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Shared = new Dictionary<string, string?>
        {
            ["Store:ConnectionString"] = _database.ConnectionString,
            ["Cluster:Mode"] = "Postgres",
            ["Security:KeyFile"] = keyFile,
            ["Documents:StoragePath"] = Path.Combine(_work.FullName, "documents"),
            ["Relaying:RetryDelay"] = "00:00:01",
        };
    }

    private Dictionary<string, string?> Shared { get; set; } = [];

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        foreach (var room in _rooms)
        {
            await room.DisposeAsync();
        }

        if (_relay is not null)
        {
            await _relay.DisposeAsync();
        }

        await _database.DisposeAsync();
        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task AMeetingSurvivesKillNineOfTheNodeDrivingItAndNoRoomIsCalledTwice()
    {
        var a = await StartNodeAsync("node-a");
        await UntilAsync(async () => Holds(await a.HealthAsync(), "conductor") && Holds(await a.HealthAsync(), "registrar"), "node A to hold both roles");
        var b = await StartNodeAsync("node-b");
        await UntilAsync(async () => Peers(await a.HealthAsync()) >= 1 && Peers(await b.HealthAsync()) >= 1, "the nodes to hear each other");

        // The province's relay runs on its own host: a node's death must not take the media with it.
        _relay = await RelayProcess.StartAsync("tinh-phu-tho", output, "--sip-user", RelayUser, "--sip-password", RelayPassword).DefaultTimeout();
        var csv = Conferencing.Server.Sites.SiteFiles.ToCsv(Sample.MixedTree());
        using (var content = new StringContent(csv, System.Text.Encoding.UTF8, "text/csv"))
        {
            Assert.Equal(HttpStatusCode.OK, (await a.Admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), content).DefaultTimeout()).StatusCode);
        }

        var relayId = await RegisterRelayAsync(a);
        await UntilAsync(async () => (await GetJsonAsync(a, $"/api/relays/{relayId}")).GetProperty("health").GetString() == "Up", "the relay to be up");
        foreach (var code in SiteCodes)
        {
            await AddRoomAsync(a, code);
        }

        // Started on A, the floor given on B: A's room display and B's live view both show it.
        var meeting = await ScheduleAsync(a);
        await PostOkAsync(a, $"/api/meetings/{meeting}/start");
        await UntilAsync(async () => await TryGetJsonAsync(b, $"/api/meetings/{meeting}/calls") is { } calls && Calls(calls).Count == SiteCodes.Length
            && Calls(calls).All(s => s == "InCall") && _rooms.All(r => r.ActiveCalls == 1),
            "every room in the call, as node B sees it");
        var floors = new ConcurrentQueue<string?>();
        await using var display = new HubConnectionBuilder().WithUrl(new Uri(a.Url, "/hubs/room"), o => o.Cookies = a.Cookies).Build();
        using var onMeeting = display.On<JsonElement>("Meeting", m => floors.Enqueue(m.GetProperty("floorSiteCode").GetString()));
        await display.StartAsync().DefaultTimeout();
        await display.InvokeAsync<JsonElement>("Join", "staff", meeting).DefaultTimeout();
        await PostOkAsync(b, $"/api/meetings/{meeting}/floor", new { siteCode = "PT-X-HC" });
        await UntilAsync(() => Task.FromResult(floors.Contains("PT-X-HC")), "node A's room display to show the floor given on node B");
        await UntilAsync(async () => (await GetJsonAsync(b, $"/api/meetings/{meeting}/live")).GetProperty("programSiteCode").GetString() == "PT-X-HC", "node B's live view to show the program");
        await UntilAsync(() => Task.FromResult(PicturesAre("pt-x-hc", except: "PT-X-HC")), "Xã Hy Cương's picture in every other room");

        // A technician on B (which does not drive the relays) mutes a site and hangs another up: the
        // actions run on A, and the hold is seen on both nodes with who did it.
        await ActOkAsync(b, "PT-X-PC", "mute", meeting);
        await ActOkAsync(b, "PT-X-PC", "unmute", meeting);
        await ActOkAsync(b, "PT-X-DH", "hang-up", meeting);
        _held.Add("PT-X-DH");
        foreach (var node in new[] { a, b })
        {
            await UntilAsync(async () => Site(await GetJsonAsync(node, $"/api/meetings/{meeting}/live"), "PT-X-DH") is { } site
                && site.GetProperty("phase").GetString() == "HeldOut" && site.GetProperty("heldBy").GetString() == "admin", $"{node.Name} to show Đoan Hùng held out by admin");
        }

        var takeover = await KillAndTakeOverAsync(a, b, meeting, "PT-X-PC");
        output.WriteLine($"kill -9 of node A (holding the roles): {takeover}");

        // The other way round: A comes back as a new process, then B (now driving) is killed.
        var a2 = await StartNodeAsync("node-a2");
        await UntilAsync(async () => Peers(await a2.HealthAsync()) >= 1 && Peers(await b.HealthAsync()) >= 1, "the restarted node and B to hear each other");
        var back = await KillAndTakeOverAsync(b, a2, meeting, "PT-X-HC");
        output.WriteLine($"kill -9 of node B (holding the roles): {back}");

        // The hold outlived two failovers; a redial brings the site back.
        await ActOkAsync(a2, "PT-X-DH", "redial", meeting);
        _held.Clear();
        await UntilAsync(() => Task.FromResult(_rooms.All(r => r.ActiveCalls == 1)), "Đoan Hùng back in the call");

        await PostOkAsync(a2, $"/api/meetings/{meeting}/end");
        await UntilAsync(() => Task.FromResult(_rooms.All(r => r.ActiveCalls == 0)), "every room to be hung up");
        Assert.All(_rooms, r => Assert.Equal(r.User == "pt-x-dh" ? 2 : 1, r.CallsAnswered));
    }

    /// <summary>
    /// Kills <paramref name="victim"/> while it drives the meeting and measures, on <paramref name="survivor"/>:
    /// when it holds the conductor role, when a floor command first succeeds, and when the rooms see the new floor.
    /// </summary>
    private async Task<string> KillAndTakeOverAsync(ServerProcess victim, ServerProcess survivor, Guid meeting, string nextFloor)
    {
        Assert.True(Holds(await victim.HealthAsync(), "conductor"), $"{victim.Name} drives the relays before it is killed");
        var received = InCall.ToDictionary(r => r, r => Video(r)?.Packets ?? 0);
        var clock = Stopwatch.StartNew();
        await victim.KillAsync();

        // The media does not pass through the nodes: every room keeps receiving while nobody drives the relay.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.All(InCall, r => Assert.True((Video(r)?.Packets ?? 0) > received[r] + 10, $"{r.User} kept receiving video after the kill"));

        var conductor = Task.Run(async () =>
        {
            await UntilAsync(async () => Holds(await survivor.HealthAsync(), "conductor"), $"{survivor.Name} to take the conductor role");
            return clock.Elapsed;
        });

        // Commands are answered at once, 503 with a retry hint while no node can take them, never a hang.
        var refusals = new List<string>();
        TimeSpan? firstOk = null;
        while (firstOk is null)
        {
            var attempt = Stopwatch.StartNew();
            using var response = await survivor.Admin.PostAsJsonAsync($"/api/meetings/{meeting}/floor", new { siteCode = nextFloor }, Json).DefaultTimeout();
            Assert.True(attempt.Elapsed < TimeSpan.FromSeconds(15), $"a command took {attempt.Elapsed.TotalSeconds:0.0} s to be answered");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                firstOk = clock.Elapsed;
                break;
            }

            var problem = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} {problem}");
            Assert.Contains("cluster.unavailable", problem, StringComparison.Ordinal);
            Assert.NotNull(response.Headers.RetryAfter);
            refusals.Add($"{clock.Elapsed.TotalSeconds:0.0}s");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "commands work again within a minute");
            await Task.Delay(250);
        }

        var roleTaken = await conductor.DefaultTimeout();
        await UntilAsync(() => Task.FromResult(PicturesAre(nextFloor.ToLowerInvariant(), except: nextFloor)), $"the floor at {nextFloor} in every other room",
            () => string.Join("; ", _rooms.Select(r => $"{r.User} sees {Video(r)?.Source}")));
        var pictures = clock.Elapsed;

        // Nobody called again, nobody dropped, and the held site stayed out.
        Assert.All(_rooms, r => Assert.Equal(_held.Contains(r.User) ? 0 : 1, r.ActiveCalls));
        Assert.All(_rooms, r => Assert.Equal(1, r.CallsAnswered));
        Assert.Single(await _relay!.Client.ListMeetingsAsync().DefaultTimeout());
        return $"{survivor.Name} held the conductor role after {roleTaken.TotalSeconds:0.0} s, the first command succeeded after {firstOk.Value.TotalSeconds:0.0} s "
            + $"({refusals.Count} answered 503 before: {string.Join(", ", refusals)}), every room showed the new floor after {pictures.TotalSeconds:0.0} s";
    }

    private async Task<ServerProcess> StartNodeAsync(string name)
    {
        var server = await ServerProcess.StartAsync(name, _work.FullName, Shared, output);
        _servers.Add(server);
        return server;
    }

    private async Task<Guid> RegisterRelayAsync(ServerProcess node)
    {
        var created = await node.Admin.PostAsJsonAsync("/api/relays", new
        {
            name = _relay!.Name, siteCode = "PT", controlUrl = _relay.Http.ToString(), apiKey = _relay.Key, sipAddress = _relay.Sip.ToString(), sipUser = RelayUser, sipPassword = RelayPassword,
        }, Json).DefaultTimeout();
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body.ToString());
        return body.GetProperty("id").GetGuid();
    }

    /// <summary>A room system that is called at its address (it does not register: the registrar's node may die).</summary>
    private async Task AddRoomAsync(ServerProcess node, string code)
    {
        var user = code.ToLowerInvariant();
        var room = new SimulatedRoom(user, "mat-khau-" + user, new SipEndPoint(SipProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 9)), TimeSpan.FromMinutes(5),
            NullLogger.Instance, register: false);
        room.Start();
        _rooms.Add(room);
        var created = await node.Admin.PostAsJsonAsync("/api/endpoints", new
        {
            siteCode = code, sipUri = $"sip:{user}@127.0.0.1:{room.EndPoint!.Value.Address.Port}", displayName = "Phòng họp " + code,
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        _endpoints[code] = (await created.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid();
    }

    private static async Task<Guid> ScheduleAsync(ServerProcess node)
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(10);
        var created = await node.Admin.PostAsJsonAsync("/api/meetings", new
        {
            title = "Hội nghị trực tuyến dự phòng",
            kind = "ProvinceHosted",
            hostSiteCode = "PT",
            startUtc = start,
            endUtc = start.AddHours(2),
            sites = new { subtrees = Array.Empty<string>(), sites = SiteCodes },
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid();
    }

    private static async Task PostOkAsync(ServerProcess node, string path, object? body = null)
    {
        using var response = await node.Admin.PostAsJsonAsync(path, body ?? new { }, Json).DefaultTimeout();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} on {node.Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonElement> GetJsonAsync(ServerProcess node, string path)
    {
        using var response = await node.Admin.GetAsync(new Uri(path, UriKind.Relative)).DefaultTimeout();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} on {node.Name}: {(int)response.StatusCode}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout();
    }

    /// <summary>The resource, or null while it is not there (404: the node has not heard of the meeting's calls yet).</summary>
    private static async Task<JsonElement?> TryGetJsonAsync(ServerProcess node, string path)
    {
        using var response = await node.Admin.GetAsync(new Uri(path, UriKind.Relative)).DefaultTimeout();
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout() : null;
    }

    private static List<string?> Calls(JsonElement call) =>
        [.. call.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("state").GetString())];

    private IEnumerable<SimulatedRoom> InCall => _rooms.Where(r => !_held.Contains(r.User));

    private bool PicturesAre(string source, string except) =>
        InCall.Where(r => !string.Equals(r.User, except, StringComparison.OrdinalIgnoreCase)).All(r => Video(r)?.Source == source);

    private async Task ActOkAsync(ServerProcess node, string code, string action, Guid meeting)
    {
        using var response = await node.Admin.PostAsJsonAsync($"/api/endpoints/{_endpoints[code]}/actions/{action}", new { meetingId = meeting }, Json).DefaultTimeout();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{action} {code} on {node.Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static JsonElement? Site(JsonElement live, string code) =>
        live.GetProperty("sites").EnumerateArray().Where(s => s.GetProperty("siteCode").GetString() == code).Select(s => (JsonElement?)s).FirstOrDefault();

    private static ReceivedStream? Video(SimulatedRoom room) => room.Media?.Reception.FirstOrDefault(s => s.Media == "video");

    private static string ClusterDescription(JsonElement? health) =>
        health is { } h && h.TryGetProperty("checks", out var checks)
            ? checks.EnumerateObject().Select(c => c.Value.GetProperty("description").GetString() ?? "").FirstOrDefault(d => d.StartsWith("cluster ", StringComparison.Ordinal)) ?? ""
            : "";

    private static bool Holds(JsonElement? health, string role)
    {
        var description = ClusterDescription(health);
        var held = description.IndexOf("holds: ", StringComparison.Ordinal) is var at and >= 0 ? description[(at + 7)..].Split(';')[0] : "";
        return held.Split(", ").Contains(role);
    }

    private static int Peers(JsonElement? health)
    {
        var description = ClusterDescription(health);
        var at = description.IndexOf("peers: ", StringComparison.Ordinal);
        return at >= 0 && int.TryParse(description[(at + 7)..].Trim(), out var peers) ? peers : 0;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, Func<string>? detail = null)
    {
        var deadline = DateTime.UtcNow + TaskTimeouts.Default;
        while (!await condition().DefaultTimeout())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}{(detail is null ? "" : ": " + detail())}");
            }

            await Task.Delay(100);
        }
    }
}
