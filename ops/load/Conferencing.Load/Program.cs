// Load run: a real server process (in-process relay, SQLite in a temporary folder) and N simulated
// room systems in this process, driven only through the server's public API and SIP, as a province
// would drive it. Prints connect times of every leg and what the rooms received.
//
//   dotnet run -c Release --project ops/load/Conferencing.Load -- [--endpoints 148] [--hold 20] [--video-kbps 256] [--connect-timeout 180]
//
// With --storm-registers N and/or --storm-idle-tcp M, during the hold the registrar also gets N
// REGISTERs from made-up users (wrong guesses to every challenge, from 64 loopback addresses) and M
// TCP connections left idle; /health is timed with no storm first (the baseline) and then during it,
// and every leg of the meeting must still be up afterwards:
//
//   dotnet run -c Release --project ops/load/Conferencing.Load -- --endpoints 20 --storm-registers 20000 --storm-idle-tcp 2000
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Conferencing.Load;
using Conferencing.Server.Simulator;
using Conferencing.Server.Sites;
using Conferencing.Sip.Transport;
using Microsoft.Extensions.Logging.Abstractions;

var settings = LoadSettings.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine("usage: Conferencing.Load [--endpoints 1-1000 (148)] [--hold SECONDS (20)] [--video-kbps 64-2048 (256)] [--connect-timeout SECONDS (180)] [--storm-registers 0-100000 (0)] [--storm-idle-tcp 0-5000 (0)] [--storm-seconds 10-600 (120)]");
    return 2;
}

var repository = FindRepository();
var work = Directory.CreateTempSubdirectory("conferencing-load").FullName;
var (httpPort, sipPort, relayPort) = (FreePort(SocketType.Stream), FreePort(SocketType.Dgram), FreePort(SocketType.Dgram));
var baseUrl = $"http://127.0.0.1:{httpPort}";
const string AdminPassword = "load-test-admin-password";
var server = StartServer(repository, work, baseUrl, sipPort, relayPort, AdminPassword);
var rooms = new List<SimulatedRoom>();
try
{
    using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
    await WaitForServerAsync(http, server);
    (await http.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AdminPassword })).EnsureSuccessStatusCode();
    Console.WriteLine($"server up at {baseUrl} (SIP registrar 127.0.0.1:{sipPort}, relay 127.0.0.1:{relayPort}); {settings.Endpoints} endpoints");

    // A province with N communes, one room system each.
    var sites = new List<Site> { new("PT", "Tỉnh Phú Thọ", null, SiteLevel.Province, SiteKind.Province) };
    sites.AddRange(Enumerable.Range(1, settings.Endpoints - 1).Select(i => new Site($"PT-X{i:D4}", $"Xã số {i}", "PT", SiteLevel.Commune, SiteKind.Commune)));
    using (var csv = new StringContent(SiteFiles.ToCsv(sites), System.Text.Encoding.UTF8, "text/csv"))
    {
        (await http.PostAsync("/api/sites/import", csv)).EnsureSuccessStatusCode();
    }

    var registrar = new SipEndPoint(SipProtocol.Udp, new IPEndPoint(IPAddress.Loopback, sipPort));
    var setup = Stopwatch.StartNew();
    foreach (var site in sites)
    {
        var user = site.Code.ToLowerInvariant();
        var password = "mat-khau-" + user;
        var created = await http.PostAsJsonAsync("/api/endpoints", new { siteCode = site.Code, sipUri = $"sip:{user}@127.0.0.1:{sipPort}", displayName = "Phòng họp " + site.Name, digestUsername = user, digestPassword = password });
        created.EnsureSuccessStatusCode();
        var room = new SimulatedRoom(user, password, registrar, RoomSimulatorService.RegistrationInterval, NullLogger.Instance,
            media: new SimulatedMediaOptions { VideoKbps = settings.VideoKbps });
        rooms.Add(room);
        room.Start();
    }

    await UntilTrueAsync(() => rooms.All(r => r.Registered), TimeSpan.FromSeconds(120), () => $"{rooms.Count(r => r.Registered)} of {rooms.Count} registered");
    Console.WriteLine($"{rooms.Count} rooms registered in {setup.Elapsed.TotalSeconds:0.0} s (endpoints created through the API one by one)");

    var start = DateTimeOffset.UtcNow.AddHours(1);
    var scheduled = await http.PostAsJsonAsync("/api/meetings", new
    {
        title = $"Thử tải {settings.Endpoints} điểm cầu", kind = "ProvinceHosted", hostSiteCode = "PT", startUtc = start, endUtc = start.AddHours(2),
        sites = new { subtrees = new[] { "PT" }, sites = Array.Empty<string>() },
    });
    scheduled.EnsureSuccessStatusCode();
    var meeting = (await scheduled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

    var startedUtc = DateTimeOffset.UtcNow;
    (await http.PostAsJsonAsync($"/api/meetings/{meeting}/start", new { })).EnsureSuccessStatusCode();
    Calls? calls = null;
    var connected = await UntilAsync(async () =>
    {
        // 404 until the relay conductor has taken the started meeting in.
        using var response = await http.GetAsync($"/api/meetings/{meeting}/calls");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        calls = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<Calls>(Calls.Json);
        return calls!.Endpoints.Count == settings.Endpoints && calls.Endpoints.All(e => e.State == "InCall");
    }, TimeSpan.FromSeconds(settings.ConnectTimeoutSeconds), () => $"{calls?.Endpoints.Count(e => e.State == "InCall")} of {settings.Endpoints} in call");
    var times = calls!.Endpoints.Where(e => e is { State: "InCall", ConnectedUtc: not null }).Select(e => (e.ConnectedUtc!.Value - startedUtc).TotalSeconds).Order().ToList();
    Console.WriteLine();
    Console.WriteLine($"connect time from the start command, {times.Count} of {settings.Endpoints} legs{(connected ? "" : " (the rest did not connect in time)")}:");
    if (times.Count > 0)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  p50 {Percentile(times, 0.50):0.00} s   p95 {Percentile(times, 0.95):0.00} s   max {times[^1]:0.00} s   all {(connected ? $"{times[^1]:0.00} s" : "not reached")}"));
    }

    // Hold the meeting and let every room count what reaches it, then read the rooms' own figures.
    Console.WriteLine($"holding the meeting for {settings.HoldSeconds} s ...");
    var held = Task.Delay(TimeSpan.FromSeconds(settings.HoldSeconds));
    var legsKept = true;
    if (settings.StormRegisters > 0 || settings.StormIdleTcp > 0)
    {
        legsKept = await StormAsync(http, meeting, rooms, new IPEndPoint(IPAddress.Loopback, sipPort), settings);
    }

    await held;
    var receivers = rooms.Where(r => r.User != "pt" && r.Media is not null).Select(r => r.Media!.Reception).Where(r => r.Count > 0).ToList();
    foreach (var media in new[] { "video", "audio" })
    {
        var streams = receivers.Select(r => r.FirstOrDefault(s => s.Media == media)).OfType<ReceivedStream>().ToList();
        if (streams.Count == 0)
        {
            continue;
        }

        var loss = streams.Select(s => s.Packets + s.Lost == 0 ? 0 : 100.0 * s.Lost / (s.Packets + s.Lost)).Order().ToList();
        var received = streams.Sum(s => s.Packets);
        var lost = streams.Sum(s => s.Lost);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{media} at {streams.Count} rooms: {received:N0} packets, {lost:N0} lost ({(received + lost == 0 ? 0 : 100.0 * lost / (received + lost)):0.000} %), "
            + $"per room loss p50 {Percentile(loss, 0.5):0.000} % p95 {Percentile(loss, 0.95):0.000} % max {loss[^1]:0.000} %, sequence gaps {streams.Sum(s => s.SequenceGaps):N0}, SSRC changes {streams.Sum(s => s.SsrcChanges)}"));
        if (media == "video")
        {
            var waits = streams.Where(s => s.FirstKeyframeAfter is not null).Select(s => s.FirstKeyframeAfter!.Value.TotalSeconds).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  first keyframe after the call's media started: p50 {Percentile(waits, 0.5):0.00} s max {(waits.Count > 0 ? waits[^1] : double.NaN):0.00} s ({streams.Count - waits.Count} rooms without one); undecodable packets before it: {streams.Sum(s => s.PacketsBeforeKeyframe):N0}"));
        }
    }

    var relayStats = await http.GetFromJsonAsync<Calls>($"/api/meetings/{meeting}/calls", Calls.Json);
    var lossIn = relayStats!.Endpoints.Where(e => e.Last is not null).Select(e => e.Last!.LossInPercent).Order().ToList();
    if (lossIn.Count > 0)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loss the relay measured from the rooms (last second): p50 {Percentile(lossIn, 0.5):0.000} % max {lossIn[^1]:0.000} %"));
    }

    var process = Process.GetProcessById(server.Id);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"server process: {process.TotalProcessorTime.TotalSeconds:0.0} s CPU, {process.WorkingSet64 / 1048576} MB working set"));
    (await http.PostAsJsonAsync($"/api/meetings/{meeting}/end", new { })).EnsureSuccessStatusCode();
    await UntilTrueAsync(() => rooms.All(r => r.ActiveCalls == 0), TimeSpan.FromSeconds(60), () => $"{rooms.Count(r => r.ActiveCalls > 0)} rooms still in a call");
    Console.WriteLine("meeting ended; every leg hung up");
    return connected && legsKept ? 0 : 1;
}
finally
{
    await Task.WhenAll(rooms.Select(r => r.DisposeAsync().AsTask()));
    if (!server.HasExited)
    {
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
    }

    Directory.Delete(work, recursive: true);
}

static async Task<bool> StormAsync(HttpClient http, Guid meeting, List<SimulatedRoom> rooms, IPEndPoint registrar, LoadSettings settings)
{
    async Task<int> InCallAsync() => (await http.GetFromJsonAsync<Calls>($"/api/meetings/{meeting}/calls", Calls.Json))!.Endpoints.Count(e => e.State == "InCall");

    var before = (await InCallAsync(), rooms.Count(r => r.ActiveCalls > 0));
    var baseline = await SipStorm.TimeHealthAsync(http, TimeSpan.FromSeconds(15));
    Console.WriteLine($"/health with no storm (baseline, 15 s): {baseline}");

    using var stop = new CancellationTokenSource();
    var during = SipStorm.TimeHealthAsync(http, TimeSpan.FromSeconds(settings.StormSeconds + 60), stop.Token);
    var openedAt = Stopwatch.StartNew();
    var idle = await SipStorm.OpenIdleConnectionsAsync(registrar, settings.StormIdleTcp);
    Console.WriteLine($"idle TCP connections: {idle.Count} of {settings.StormIdleTcp} connected in {openedAt.Elapsed.TotalSeconds:0.0} s");
    var storm = await SipStorm.RegisterStormAsync(registrar, settings.StormRegisters, TimeSpan.FromSeconds(settings.StormSeconds));
    await stop.CancelAsync();
    var health = await during;
    Console.WriteLine($"storm: {storm}");
    Console.WriteLine($"idle TCP connections closed by the server (caps) by the end of the storm: {SipStorm.ClosedByServer(idle)} of {idle.Count}");
    Console.WriteLine($"/health during the storm: {health}");
    idle.ForEach(s => s.Dispose());

    var after = (await InCallAsync(), rooms.Count(r => r.ActiveCalls > 0));
    Console.WriteLine($"legs in call before the storm: {before.Item1} (rooms in a call {before.Item2}); after: {after.Item1} (rooms in a call {after.Item2})");
    return after.Item1 == before.Item1 && after.Item2 == before.Item2;
}

static Process StartServer(string repository, string work, string url, int sipPort, int relayPort, string adminPassword)
{
    // The server's own build output, run directly so that the process measured is the server itself.
    var dll = Path.Combine(repository, "src", "Conferencing.Server", "bin", "Release", "net10.0", "Conferencing.Server.dll");
    if (!File.Exists(dll))
    {
        throw new InvalidOperationException($"{dll} is missing: build the solution in Release first.");
    }

    var start = new ProcessStartInfo("dotnet", [dll])
    {
        WorkingDirectory = work,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    // Development: production marks the sign-in cookie Secure, which this plain-http client would not send back.
    start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
    start.Environment["Demo__Enabled"] = "false";
    start.Environment["Demo__SimulateRooms"] = "false";
    start.Environment["RoomControl__SimulateDevices"] = "false";
    start.Environment["Urls"] = url;
    start.Environment["Store__ConnectionString"] = $"Data Source={Path.Combine(work, "load.db")}";
    start.Environment["Documents__StoragePath"] = Path.Combine(work, "documents");
    start.Environment["Bootstrap__AdminUsername"] = "admin";
    start.Environment["Bootstrap__AdminPassword"] = adminPassword;
    start.Environment["Sip__Listen"] = $"127.0.0.1:{sipPort}";
    start.Environment["Relay__Name"] = "tinh-phu-tho";
    start.Environment["Relay__Sip"] = $"127.0.0.1:{relayPort}";
    start.Environment["Relay__MediaAddress"] = "127.0.0.1";
    start.Environment["Relay__MediaPorts"] = "0";
    start.Environment["Serilog__MinimumLevel__Default"] = "Warning";
    // What production refuses to start without: the host names it answers, the public address its
    // links carry (never followed here) and an owner-only key-encryption key.
    start.Environment["AllowedHosts"] = "127.0.0.1";
    start.Environment["Room__PublicBaseUrl"] = "https://hop.example.invalid";
    var keyFile = Path.Combine(work, "kek");
    File.WriteAllBytes(keyFile, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    if (!OperatingSystem.IsWindows())
    {
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    start.Environment["Security__KeyFile"] = keyFile;
    start.Environment["Cluster__SiloPort"] = "0";
    var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    process.OutputDataReceived += (_, e) => { };
    process.ErrorDataReceived += (_, e) =>
    {
        if (e.Data is { Length: > 0 } line)
        {
            Console.Error.WriteLine("server: " + line);
        }
    };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static async Task WaitForServerAsync(HttpClient http, Process server)
{
    var ok = await UntilAsync(async () =>
    {
        if (server.HasExited)
        {
            throw new InvalidOperationException($"the server exited with {server.ExitCode}");
        }

        try
        {
            return (await http.GetAsync("/health")).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }, TimeSpan.FromSeconds(120), () => "the server to answer /health");
    if (!ok)
    {
        throw new TimeoutException("the server did not start");
    }
}

static Task<bool> UntilTrueAsync(Func<bool> condition, TimeSpan timeout, Func<string> progress) => UntilAsync(() => Task.FromResult(condition()), timeout, progress);

static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> progress)
{
    var watch = Stopwatch.StartNew();
    var lastReport = TimeSpan.Zero;
    while (!await condition())
    {
        if (watch.Elapsed > timeout)
        {
            Console.WriteLine($"  gave up after {timeout.TotalSeconds:0} s: {progress()}");
            return false;
        }

        if (watch.Elapsed - lastReport > TimeSpan.FromSeconds(10))
        {
            lastReport = watch.Elapsed;
            Console.WriteLine($"  ... {progress()}");
        }

        await Task.Delay(250);
    }

    return true;
}

static double Percentile(IReadOnlyList<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

static int FreePort(SocketType type)
{
    // Picked by the system, released, then handed to the server: a small race, acceptable for a tool run by hand.
    using var socket = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
    socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    return ((IPEndPoint)socket.LocalEndPoint!).Port;
}

static string FindRepository()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "Conferencing.sln")))
        {
            return directory.FullName;
        }
    }

    throw new InvalidOperationException("Conferencing.sln not found above the tool.");
}

internal sealed record LoadSettings(int Endpoints, int HoldSeconds, int VideoKbps, int ConnectTimeoutSeconds, int StormRegisters = 0, int StormIdleTcp = 0, int StormSeconds = 120)
{
    public static LoadSettings? Parse(string[] args)
    {
        var values = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["--endpoints"] = 148, ["--hold"] = 20, ["--video-kbps"] = SimulatedMediaOptions.DefaultVideoKbps, ["--connect-timeout"] = 180,
            ["--storm-registers"] = 0, ["--storm-idle-tcp"] = 0, ["--storm-seconds"] = 120,
        };
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!values.ContainsKey(args[i]) || i + 1 >= args.Length || !int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            values[args[i]] = value;
        }

        var settings = new LoadSettings(values["--endpoints"], values["--hold"], values["--video-kbps"], values["--connect-timeout"],
            values["--storm-registers"], values["--storm-idle-tcp"], values["--storm-seconds"]);
        return settings is
        {
            Endpoints: >= 2 and <= 1000, HoldSeconds: >= 1 and <= 3600, VideoKbps: >= 64 and <= 2048, ConnectTimeoutSeconds: >= 5,
            StormRegisters: >= 0 and <= 100_000, StormIdleTcp: >= 0 and <= 5000, StormSeconds: >= 10 and <= 600,
        } ? settings : null;
    }
}

/// <summary>The part of <c>GET /api/meetings/{id}/calls</c> the tool reads.</summary>
internal sealed record Calls(List<EndpointCallView> Endpoints)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}

internal sealed record EndpointCallView(string SiteCode, string State, DateTimeOffset? ConnectedUtc, SecondView? Last);

internal sealed record SecondView(double LossInPercent, double? LossOutPercent);
