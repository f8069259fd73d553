using System.Diagnostics;
using System.Globalization;
using System.Net;
using Conferencing.Benchmarks.Shared;
using Conferencing.Devices.Agent;
using Conferencing.Devices.Control;
using Conferencing.Devices.Simulation;
using Conferencing.RoomAgent;
using Conferencing.Server.RoomControl;
using Conferencing.Server.Sites;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conferencing.RoomControl.Benchmarks;

/// <summary>
/// Room control at province scale. The server (this process) and N room agents (a child process: the
/// real agent connection class, each with a simulated PJLink projector on loopback) connected over
/// SignalR. Measured: the server's working set and managed heap per connected agent, its CPU per
/// agent while idle (keep-alives only), and "power on every display of a meeting of S sites" from
/// the command leaving the server to each agent's answer carrying the projector's new state, stored
/// and audited; beside a baseline of the same commands from this process straight to the same
/// simulators through the same driver (no hub, no agent, no store). Rounds alternate hub and
/// baseline, and power on and off, so both see the same machine and both directions.
/// </summary>
public static class Program
{
    private const string Password = "bench-projector";

    public static async Task<int> Main(string[] args)
    {
        if (args.Contains("--agent-process"))
        {
            return await AgentProcess.RunAsync(args);
        }

        var agents = BenchServer.Arg(args, "--agents", 3500);
        var meetingSites = Math.Min(BenchServer.Arg(args, "--sites", 149), agents);
        var rounds = BenchServer.Arg(args, "--rounds", 20);
        var idleSeconds = BenchServer.Arg(args, "--idle", 30);
        var (app, url) = await BenchServer.StartAsync("roomcontrol-bench", new RawFanOut());
        url = url.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal);

        var codes = Enumerable.Range(1, agents).Select(i => $"PT-R{i:D4}").ToList();
        var sites = new List<Site> { new("PT", "Tỉnh Phú Thọ", null, SiteLevel.Province, SiteKind.Province) };
        sites.AddRange(codes.Select((c, i) => new Site(c, $"Xã số {i + 1}", "PT", SiteLevel.Commune, SiteKind.Commune)));
        await app.Services.GetRequiredService<SiteStore>().ImportAsync(sites, "admin", CancellationToken.None);
        var store = app.Services.GetRequiredService<RoomAgentStore>();
        var keys = await store.IssueDemoKeysAsync(codes, "bench agent", "bench", CancellationToken.None);
        var keyFile = Path.GetTempFileName();
        var endpointFile = Path.GetTempFileName();
        await File.WriteAllLinesAsync(keyFile, codes.Select(c => c + "\t" + keys[c]));

        var self = Process.GetCurrentProcess();
        var (heap0, ws0) = Memory(self);
        var emptyCpu = await IdleCpuAsync(self, idleSeconds);

        var connect = Stopwatch.StartNew();
        using var child = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(Program).Assembly.Location, "--agent-process", "--url", url, "--keys", keyFile, "--out", endpointFile },
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        })!;
        while (await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(15)) is { } line && line != "READY")
        {
            Console.WriteLine("agents: " + line);
        }

        var presence = app.Services.GetRequiredService<AgentPresence>();
        while (presence.Count < agents || (await store.DevicesAsync(null, CancellationToken.None)).Count(d => d.State is not null) < agents)
        {
            await Task.Delay(200);
        }

        connect.Stop();
        Console.WriteLine($"{agents} agents connected and synchronized in {connect.Elapsed.TotalSeconds:0.0} s");

        // Idle: the agents only keep their connections alive (SignalR pings every 15 s each way).
        await Task.Delay(TimeSpan.FromSeconds(5));
        var (heap1, ws1) = Memory(self);
        var idleCpu = await IdleCpuAsync(self, idleSeconds);

        // The meeting: the first S sites' projectors, through the hub, and straight from here.
        var meeting = (await store.DevicesAsync(codes.Take(meetingSites).ToList(), CancellationToken.None)).ToList();
        var endpoints = (await File.ReadAllLinesAsync(endpointFile)).Select(l => l.Split('\t')).ToDictionary(p => p[0], p => p[1]);
        var direct = meeting.Select(d => RoomDevice.Create(new DeviceSettings
        {
            Id = "projector", Kind = DeviceKind.Projector, Driver = DeviceDriver.PjLink, Address = endpoints[d.SiteCode], Password = Password,
        })).ToList();
        var service = app.Services.GetRequiredService<RoomDeviceService>();
        var parallelism = new ParallelOptions { MaxDegreeOfParallelism = RoomControlOptions.DefaultBulkParallelism };

        async Task<(List<double> Each, double All)> HubRoundAsync(DeviceAction action)
        {
            var each = new double[meeting.Count];
            var clock = Stopwatch.StartNew();
            await Parallel.ForAsync(0, meeting.Count, parallelism, async (i, ct) =>
            {
                var attempt = await service.RunAsync(meeting[i], action, null, "bench", ct);
                Check(attempt.Result, action, meeting[i].SiteCode);
                each[i] = clock.Elapsed.TotalMilliseconds;
            });
            return ([.. each], clock.Elapsed.TotalMilliseconds);
        }

        async Task<(List<double> Each, double All)> DirectRoundAsync(DeviceAction action)
        {
            var each = new double[direct.Count];
            var clock = Stopwatch.StartNew();
            await Parallel.ForAsync(0, direct.Count, parallelism, async (i, ct) =>
            {
                var result = await direct[i].RunAsync(new DeviceCommand(Guid.NewGuid(), "projector", action), ct);
                Check(result, action, meeting[i].SiteCode);
                each[i] = clock.Elapsed.TotalMilliseconds;
            });
            return ([.. each], clock.Elapsed.TotalMilliseconds);
        }

        var hubEach = new List<double>();
        var hubAll = new List<double>();
        var directEach = new List<double>();
        var directAll = new List<double>();
        const int Warmup = 2;
        for (var r = 0; r < rounds + Warmup; r++)
        {
            // Pair r: one path powers on, the other off, the order swapping each pair.
            var hubFirst = r % 2 == 0;
            var first = hubFirst ? await HubRoundAsync(DeviceAction.PowerOn) : await DirectRoundAsync(DeviceAction.PowerOn);
            var second = hubFirst ? await DirectRoundAsync(DeviceAction.PowerOff) : await HubRoundAsync(DeviceAction.PowerOff);
            if (r < Warmup)
            {
                continue;
            }

            var (hub, straight) = hubFirst ? (first, second) : (second, first);
            hubEach.AddRange(hub.Each);
            hubAll.Add(hub.All);
            directEach.AddRange(straight.Each);
            directAll.Add(straight.All);
        }

        await child.StandardInput.DisposeAsync();
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Console.WriteLine();
        Console.WriteLine($"| Room control, {agents} agents, meeting of {meetingSites} sites, {rounds} rounds per path, {Environment.ProcessorCount} cores | value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| connect and synchronize all agents | {connect.Elapsed.TotalSeconds:0.0} s |");
        Console.WriteLine($"| server working set per agent | {(ws1 - ws0) / 1024.0 / agents:0.0} KiB |");
        Console.WriteLine($"| server managed heap per agent | {(heap1 - heap0) / 1024.0 / agents:0.0} KiB |");
        Console.WriteLine($"| server CPU idle without agents (its own loops) | {emptyCpu * 100:0.00} % of a core |");
        Console.WriteLine($"| server CPU idle, all agents connected | {idleCpu * 100:0.00} % of a core ({(idleCpu - emptyCpu) * 1e6 / agents:0.0} µs/s per agent above the empty server) |");
        Console.WriteLine();
        Console.WriteLine("| power on/off every display of the meeting | p50 | p99 | p50 ratio |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| baseline, each site's projector answered (straight to the simulators) | {P(directEach, 50):0.0} ms | {P(directEach, 99):0.0} ms | 1.00 |");
        Console.WriteLine($"| hub, each site's state back at the server (agent, hub, store, audit) | {P(hubEach, 50):0.0} ms | {P(hubEach, 99):0.0} ms | {P(hubEach, 50) / P(directEach, 50):0.00} |");
        Console.WriteLine($"| baseline, whole meeting | {P(directAll, 50):0.0} ms | {P(directAll, 99):0.0} ms | 1.00 |");
        Console.WriteLine($"| hub, whole meeting | {P(hubAll, 50):0.0} ms | {P(hubAll, 99):0.0} ms | {P(hubAll, 50) / P(directAll, 50):0.00} |");
        foreach (var device in direct)
        {
            await device.DisposeAsync();
        }

        await app.StopAsync();
        File.Delete(keyFile);
        File.Delete(endpointFile);
        return 0;
    }

    /// <summary>The process's CPU over a quiet window, as a fraction of one core.</summary>
    private static async Task<double> IdleCpuAsync(Process process, int seconds)
    {
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        process.Refresh();
        return (process.TotalProcessorTime - cpu0).TotalSeconds / clock.Elapsed.TotalSeconds;
    }

    private static void Check(DeviceCommandResult? result, DeviceAction action, string site)
    {
        var expected = action == DeviceAction.PowerOn ? "on" : "standby";
        if (result is not { Succeeded: true, State.Power: var power } || power != expected)
        {
            throw new InvalidOperationException($"{site}: {action} gave {result?.Outcome} {result?.Message} (power {result?.State?.Power})");
        }
    }

    private static (long Heap, long WorkingSet) Memory(Process process)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        process.Refresh();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }

    private static double P(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    /// <summary>The child: one projector simulator and one agent connection per key, until stdin closes.</summary>
    private static class AgentProcess
    {
        public static async Task<int> RunAsync(string[] args)
        {
            var url = BenchServer.ArgText(args, "--url");
            var lines = await File.ReadAllLinesAsync(BenchServer.ArgText(args, "--keys"));
            var rooms = new (string Site, PjLinkProjectorSimulator Projector, RoomAgentConnection Agent)[lines.Length];
            for (var i = 0; i < lines.Length; i++)
            {
                var parts = lines[i].Split('\t');
                var projector = new PjLinkProjectorSimulator(Password, new IPEndPoint(IPAddress.Loopback, 0));
                var agent = new RoomAgentConnection(new RoomAgentOptions
                {
                    ServerUrl = url,
                    AgentKey = parts[1],
                    PollInterval = TimeSpan.FromHours(1),
                    Devices = [new DeviceSettings { Id = "projector", Name = "Máy chiếu", Kind = DeviceKind.Projector, Driver = DeviceDriver.PjLink, Address = projector.EndPoint.ToString(), Password = Password, ConferenceInput = "31" }],
                }, NullLogger.Instance);
                rooms[i] = (parts[0], projector, agent);
            }

            await File.WriteAllLinesAsync(BenchServer.ArgText(args, "--out"), rooms.Select(r => r.Site + "\t" + r.Projector.EndPoint));
            await Parallel.ForEachAsync(rooms, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (room, ct) => await room.Agent.ConnectAsync(ct));
            Console.WriteLine("READY");
            await Console.In.ReadToEndAsync();
            foreach (var (_, projector, agent) in rooms)
            {
                await agent.DisposeAsync();
                await projector.DisposeAsync();
            }

            return 0;
        }
    }
}
