using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Relaying;
using Conferencing.Server.Simulator;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Relaying;

/// <summary>
/// Tests that run real calls (simulated rooms, sipp, baresip, relay and server processes) need the
/// CPU in real time: they run one after another, after the other test classes.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealTimeCollection
{
    public const string Name = "real-time calls";
}

/// <summary>
/// A server with the in-process relay over a fresh SQLite store, the small mixed tree (a district
/// still in the old shape, communes under the province), and helpers to add room systems and to wait
/// for calls.
/// </summary>
public abstract class RelayTestBase(ITestOutputHelper output) : IAsyncLifetime
{
    public const string CentralUser = "trung-uong";
    public const string CentralPassword = "mat-khau-trung-uong";

    protected ConferencingFactory Factory { get; private set; } = null!;

    protected HttpClient Admin { get; private set; } = null!;

    protected ITestOutputHelper Output { get; } = output;

    protected static JsonSerializerOptions Json => ConferencingFactory.Json;

    protected LiveCalls Live => Factory.Services.GetRequiredService<LiveCalls>();

    protected RoomSimulatorService Simulator => Factory.Services.GetRequiredService<RoomSimulatorService>();

    /// <summary>True when the server listens on a real port (Kestrel) for a browser; <see cref="Url"/> is its address.</summary>
    protected virtual bool ServesBrowsers => false;

    /// <summary>The server's address when it <see cref="ServesBrowsers"/>.</summary>
    protected string Url { get; private set; } = "";

    /// <summary>Settings the class adds to the server's.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public virtual async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            // sipp 3.6 answers the first digest challenge only, and the relay offers SHA-256 first.
            ["Relay:DigestAlgorithm"] = "MD5",
            ["Relaying:CentralUser"] = CentralUser,
            ["Relaying:CentralPassword"] = CentralPassword,
            ["Relaying:RetryDelay"] = "00:00:01",
            ["Relaying:QualityFlushInterval"] = "00:00:02",

            // No OPTIONS keepalive: sipp room systems run a scenario that expects only the INVITE.
            ["Sip:KeepaliveInterval"] = "00:10:00",
            ["Sip:OfflineAfter"] = "00:30:00",
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        _settings = settings;
        Factory = new ConferencingFactory(TestDatabase.Sqlite(), settings: settings);
        if (ServesBrowsers)
        {
            Url = BrowserFixture.StartKestrel(Factory);

            // The factory's in-memory clients do not reach a listening server: a real client does.
            Admin = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(Url) };
            Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = ConferencingFactory.AdminPassword }, Json).DefaultTimeout()).StatusCode);
        }
        else
        {
            Admin = await Factory.AdminAsync();
        }

        var csv = Conferencing.Server.Sites.SiteFiles.ToCsv(Sample.MixedTree());
        using var content = new StringContent(csv, System.Text.Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), content).DefaultTimeout()).StatusCode);
    }

    private Dictionary<string, string?> _settings = [];

    /// <summary>Stops this server (as a restart does) and starts a new one over the same store.</summary>
    protected async Task RestartServerAsync()
    {
        Admin.Dispose();
        await Factory.DisposeAsync();
        Factory = new ConferencingFactory(Factory.Database, settings: _settings);
        Admin = await Factory.AdminAsync();
    }

    /// <summary>Registers a standalone relay for a site, as an administrator does; the key is the relay's unless another is given.</summary>
    private protected async Task<Guid> RegisterRelayAsync(RelayProcess relay, string siteCode, string sipUser, string sipPassword, string? apiKey = null)
    {
        var created = await Admin.PostAsJsonAsync("/api/relays", new
        {
            name = relay.Name, siteCode, controlUrl = relay.Http.ToString(), apiKey = apiKey ?? relay.Key, sipAddress = relay.Sip.ToString(), sipUser, sipPassword,
        }, Json).DefaultTimeout();
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body.ToString());
        return body.GetProperty("id").GetGuid();
    }

    /// <summary>A relay as <c>GET /api/relays/{id}</c> shows it.</summary>
    protected async Task<JsonElement> RelayAsync(Guid id)
    {
        var response = await Admin.GetAsync(new Uri($"/api/relays/{id}", UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout();
    }

    public virtual async Task DisposeAsync()
    {
        Admin.Dispose();
        await Factory.DisposeAsync();
        await Factory.Database.DisposeAsync();
    }

    /// <summary>An endpoint at a site; with a password it registers, and its address is its address of record.</summary>
    protected async Task<Guid> CreateEndpointAsync(string siteCode, string sipUri, string? user = null, string? password = null)
    {
        var created = await Admin.PostAsJsonAsync("/api/endpoints", new
        {
            siteCode, sipUri, displayName = "Phòng họp " + siteCode, digestUsername = user, digestPassword = password,
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid();
    }

    /// <summary>A simulated room system at a site, registered with the server's registrar before this returns.</summary>
    protected async Task<(Guid Endpoint, SimulatedRoom Room)> SimulatedRoomAsync(string siteCode)
    {
        var user = siteCode.ToLowerInvariant();
        var id = await CreateEndpointAsync(siteCode, $"sip:{user}@127.0.0.1", user, "mat-khau-" + user);
        var presence = Factory.Services.GetRequiredService<PresenceService>();
        await Until(() => presence.UdpEndPoint is not null, "the registrar to listen");
        await Until(async () => await Simulator.StartRoomAsync(id, CancellationToken.None) || Simulator.Rooms.ContainsKey(id), "the simulated room to start");
        var room = Simulator.Rooms[id];
        await Until(() => presence.Get(id)?.State is EndpointState.Registered or EndpointState.Reachable, $"{user} to register");
        return (id, room);
    }

    protected async Task<Guid> ScheduleAsync(string kind, string host, string[] sites, string? feedUri = null)
    {
        var start = DateTimeOffset.UtcNow.AddHours(1);
        var created = await Admin.PostAsJsonAsync("/api/meetings", new
        {
            title = "Hội nghị trực tuyến thử",
            kind,
            hostSiteCode = host,
            startUtc = start,
            endUtc = start.AddHours(2),
            sites = new { subtrees = Array.Empty<string>(), sites },
            feedUri,
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid();
    }

    protected async Task<JsonElement> CommandAsync(Guid meeting, string command, object? body = null)
    {
        var response = await Admin.PostAsJsonAsync($"/api/meetings/{meeting}/{command}", body ?? new { }, Json).DefaultTimeout();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{command}: {(int)response.StatusCode} {json}");
        return json;
    }

    /// <summary>Waits until the meeting's live calls satisfy <paramref name="condition"/>.</summary>
    protected async Task<MeetingCall> WaitForCallsAsync(Guid meeting, Func<MeetingCall, bool> condition, string what, TimeSpan? timeout = null)
    {
        MeetingCall? last = null;
        await Until(() => (last = Live.Get(meeting)) is { } call && condition(call), what, timeout, () => Describe(last));
        return last!;
    }

    protected static string Describe(MeetingCall? call) => call is null
        ? "no live state"
        : $"{call.Status}, program {call.ProgramSiteCode ?? "-"}; relays: {string.Join(", ", call.Relays.Select(r => $"{r.Relay} {r.Health} open={r.MeetingOpen} link={r.Link} program={r.ProgramLegId}"))}; "
          + string.Join("; ", call.Endpoints.Select(e => $"{e.SiteCode} {e.State} {e.StatusCode} {e.Reason}"));

    /// <summary>Whose picture a simulated room receives now.</summary>
    protected static string? PictureAt(SimulatedRoom room) => room.Media?.Reception.FirstOrDefault(s => s.Media == "video")?.Source;

    protected static ReceivedStream Video(SimulatedRoom room) => room.Media!.Reception.Single(s => s.Media == "video");

    /// <summary>Whose picture the last <paramref name="frames"/> frames a sipp room system received showed (fewer while there are fewer).</summary>
    private protected static List<string> SippSources(SippEndpoint endpoint, int frames)
    {
        var reader = new SimulatedMedia.PictureSourceReader();
        var sources = endpoint.VideoRtp.Snapshot().Select(p => reader.Read(p.Data)).OfType<string>().TakeLast(frames).ToList();
        return sources.Count < frames ? [.. sources, "(too few frames)"] : sources;
    }

    private protected static string DescribePictures(IEnumerable<SimulatedRoom> rooms, SippEndpoint? sipp = null) =>
        string.Join("; ", rooms.Select(r => $"{r.User} sees {PictureAt(r) ?? "nothing"}"))
        + (sipp is null ? "" : $"; sipp sees {string.Join(",", SippSources(sipp, 20).Distinct())}");

    protected static Task Until(Func<bool> condition, string what, TimeSpan? timeout = null, Func<string>? detail = null) =>
        Until(() => Task.FromResult(condition()), what, timeout, detail);

    /// <summary>Polls until the condition holds; a loaded machine gets the default minute.</summary>
    protected static async Task Until(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, Func<string>? detail = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TaskTimeouts.Default);
        while (!await condition().DefaultTimeout())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}{(detail is null ? "" : ": " + detail())}");
            }

            await Task.Delay(50);
        }
    }
}
