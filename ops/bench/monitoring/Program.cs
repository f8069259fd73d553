using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Hosting;
using Conferencing.Server.Monitoring;
using Conferencing.Server.Sites;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

using Conferencing.Benchmarks.Shared;

namespace Conferencing.Monitoring.Benchmarks;

/// <summary>
/// The monitoring hub pushing every one of 3,500 endpoints' presence and call figures once a second
/// to 50 dashboards (real WebSocket clients speaking the JSON hub protocol, in a child process so the
/// server's CPU is its own), against a baseline: a bare WebSocket endpoint in the same server
/// sending the same-sized frame to the same number of sockets. Delay is from the moment the round's
/// changes are queued (hub) or the send starts (baseline) to each client's receipt of the whole
/// frame (CLOCK_MONOTONIC, shared by both processes). CPU is the server process's user + system
/// time over the measured rounds.
/// </summary>
public static class Program
{
    private const char RecordSeparator = '\u001e';

    public static async Task<int> Main(string[] args)
    {
        if (args.Contains("--client"))
        {
            return await ClientProcess.RunAsync(args);
        }

        var clients = Arg(args, "--clients", 50);
        var endpointCount = Arg(args, "--endpoints", 3500);
        var rounds = Arg(args, "--rounds", 30);
        var warmup = Arg(args, "--warmup", 5);
        var raw = new RawFanOut();
        var (app, url) = await BenchServer.StartAsync("monitoring-bench", raw);

        // The province: 175 communes of 20 rooms (host names, so the registrar probes none of them).
        var communes = (endpointCount + 19) / 20;
        var sites = new List<Site> { new("PT", "Tỉnh Phú Thọ", null, SiteLevel.Province, SiteKind.Province) };
        sites.AddRange(Enumerable.Range(1, communes).Select(i => new Site($"PT-X{i:D3}", $"Xã số {i}", "PT", SiteLevel.Commune, SiteKind.Commune)));
        await app.Services.GetRequiredService<SiteStore>().ImportAsync(sites, "admin", CancellationToken.None);
        var store = app.Services.GetRequiredService<EndpointStore>();
        var endpoints = new List<SipEndpoint>();
        for (var i = 0; i < endpointCount; i++)
        {
            endpoints.Add(await store.CreateAsync(new EndpointInput($"PT-X{i / 20 + 1:D3}", $"sip:phong-{i % 20}@xa-{i / 20}.invalid", $"Phòng {i % 20}", null, null, null, null, null), "admin", CancellationToken.None));
        }

        var jar = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = jar, AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };
        (await http.PostAsJsonAsync("/api/auth/login", new { username = BenchServer.AdminUsername, password = BenchServer.AdminPassword })).EnsureSuccessStatusCode();
        var cookie = string.Join("; ", jar.GetCookies(new Uri(url)).Select(c => $"{c.Name}={c.Value}"));
        Console.WriteLine($"server {url}, {endpoints.Count} endpoints, {clients} dashboards, {rounds} rounds after {warmup} warm-up, {Environment.ProcessorCount} cores");

        var broadcaster = app.Services.GetRequiredService<MonitoringBroadcaster>();
        var meeting = Guid.NewGuid();
        var ws = url.Replace("http://", "ws://", StringComparison.Ordinal);

        // Ours: queue every endpoint's change, then flush at once (the broadcaster's own one-second
        // tick may take part of a round first; the round is then in two frames, and the later counts).
        var hubResult = await RunPathAsync("monitoring hub (SignalR)", ws + "/hubs/monitoring", "hub", cookie, clients, rounds, warmup, async round =>
        {
            var now = DateTimeOffset.UtcNow;
            var state = round % 2 == 0 ? EndpointState.InCall : EndpointState.Degraded;
            var sent = Stopwatch.GetTimestamp();
            foreach (var e in endpoints)
            {
                broadcaster.Publish(new EndpointPresence(e.Id, e.SiteCode, e.SipUri, state, null, null, null, now, now, round % 2 == 0 ? null : "loss 4 %"));
                broadcaster.PublishCall(meeting, new CallFigures(e.Id, CallLegState.Connected, 0.1 * (round % 7), 0.2, 3.1, 24, 290 + (round % 3), 1800, round));
            }

            await broadcaster.FlushAsync(CancellationToken.None);
            return sent;
        });

        // The baseline: the same-sized frame (the same batch serialized with the hub's own options).
        var json = app.Services.GetRequiredService<IOptions<JsonHubProtocolOptions>>().Value.PayloadSerializerOptions;
        var bareResult = await RunPathAsync("baseline: bare WebSocket", ws + "/bench/raw", "raw", "", clients, rounds, warmup, async round =>
        {
            var now = DateTimeOffset.UtcNow;
            var batch = new MonitoringBatch(now,
                [.. endpoints.Select(e => PresenceFigures.From(new EndpointPresence(e.Id, e.SiteCode, e.SipUri, round % 2 == 0 ? EndpointState.InCall : EndpointState.Degraded, null, null, null, now, now, round % 2 == 0 ? null : "loss 4 %")))],
                [new MeetingCalls(meeting, [.. endpoints.Select(e => new CallFigures(e.Id, CallLegState.Connected, 0.1 * (round % 7), 0.2, 3.1, 24, 290 + (round % 3), 1800, round))])],
                []);
            var frame = "{\"type\":1,\"target\":\"Changes\",\"arguments\":[" + JsonSerializer.Serialize(batch, json) + "]}" + RecordSeparator;
            var sent = Stopwatch.GetTimestamp();
            await raw.BroadcastAsync(Encoding.UTF8.GetBytes(frame));
            return sent;
        });

        Console.WriteLine();
        Console.WriteLine("| path | frame KB | p50 ms | p99 ms | max ms | server CPU (cores) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in new[] { hubResult, bareResult })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Name} | {r.FrameKb:0} | {r.P50:0.0} | {r.P99:0.0} | {r.Max:0.0} | {r.CpuCores:0.00} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| ratio (hub / baseline) | | {hubResult.P50 / bareResult.P50:0.00}x | {hubResult.P99 / bareResult.P99:0.00}x | | {hubResult.CpuCores / bareResult.CpuCores:0.00}x |"));
        await app.StopAsync();
        return 0;
    }

    private sealed record Result(string Name, double FrameKb, double P50, double P99, double Max, double CpuCores);

    /// <summary>Starts the clients (a child process), runs warm-up and measured rounds one second apart, and collects delays and CPU.</summary>
    private static async Task<Result> RunPathAsync(string name, string uri, string mode, string cookie, int clients, int rounds, int warmup, Func<int, Task<long>> round)
    {
        var self = Environment.ProcessPath!;
        var dll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (self.EndsWith("dotnet", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(dll);
        }

        foreach (var a in new[] { "--client", "--uri", uri, "--mode", mode, "--cookie", cookie, "--clients", clients.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        using var child = Process.Start(start)!;
        var line = await child.StandardOutput.ReadLineAsync();
        if (line != "ready")
        {
            throw new InvalidOperationException("clients failed: " + line + await child.StandardOutput.ReadToEndAsync());
        }

        var sentAt = new long[warmup + rounds];
        var self0 = Process.GetCurrentProcess();
        TimeSpan cpuStart = default;
        long wallStart = 0;
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1));
        for (var r = 0; r < warmup + rounds; r++)
        {
            await tick.WaitForNextTickAsync();
            if (r == warmup)
            {
                self0.Refresh();
                cpuStart = self0.TotalProcessorTime;
                wallStart = Stopwatch.GetTimestamp();
            }

            sentAt[r] = await round(r);
        }

        // Let the last round arrive, then stop the measurement window and ask the clients for their arrivals.
        await Task.Delay(1000);
        self0.Refresh();
        var cpu = (self0.TotalProcessorTime - cpuStart).TotalSeconds / Stopwatch.GetElapsedTime(wallStart).TotalSeconds;
        await child.StandardInput.WriteLineAsync("report");
        await child.StandardInput.FlushAsync();
        var delays = new List<double>();
        var frameBytes = 0L;
        while (await child.StandardOutput.ReadLineAsync() is { } report && report != "end")
        {
            // "round arrivalTimestamp frameBytes", one per client per round (the last frame of the round).
            var parts = report.Split(' ');
            var r = int.Parse(parts[0], CultureInfo.InvariantCulture);
            if (r >= warmup && r < sentAt.Length)
            {
                delays.Add(Stopwatch.GetElapsedTime(sentAt[r], long.Parse(parts[1], CultureInfo.InvariantCulture)).TotalMilliseconds);
                frameBytes = Math.Max(frameBytes, long.Parse(parts[2], CultureInfo.InvariantCulture));
            }
        }

        await child.WaitForExitAsync();
        var expected = rounds * clients;
        if (delays.Count < expected)
        {
            Console.WriteLine($"{name}: {expected - delays.Count} of {expected} deliveries missing");
        }

        delays.Sort();
        double P(double q) => delays.Count == 0 ? double.NaN : delays[Math.Min(delays.Count - 1, (int)Math.Ceiling(q * delays.Count) - 1)];
        var result = new Result(name, frameBytes / 1024.0, P(0.5), P(0.99), delays.Count == 0 ? double.NaN : delays[^1], cpu);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {delays.Count} deliveries, p50 {result.P50:0.0} ms, p99 {result.P99:0.0} ms, CPU {cpu:0.00} cores"));
        return result;
    }

    internal static int Arg(string[] args, string name, int fallback) => BenchServer.Arg(args, name, fallback);

    internal static string ArgText(string[] args, string name) => BenchServer.ArgText(args, name);
}

/// <summary>
/// The dashboards, in their own process. Each connects (hub: handshake and Subscribe to the whole
/// province; raw: just the socket), then notes for every Changes frame its round (the "k" figure the
/// driver sets to the round number) and the time the whole frame arrived.
/// </summary>
internal static class ClientProcess
{
    public static async Task<int> RunAsync(string[] args)
    {
        var uri = new Uri(Program.ArgText(args, "--uri"));
        var hub = Program.ArgText(args, "--mode") == "hub";
        var cookie = Program.ArgText(args, "--cookie");
        var count = Program.Arg(args, "--clients", 50);
        var arrivals = new ConcurrentDictionary<(int Client, int Round), (long At, long Bytes)>();
        var sockets = new List<ClientWebSocket>();
        var loops = new List<Task>();
        for (var c = 0; c < count; c++)
        {
            var socket = new ClientWebSocket();
            if (cookie.Length > 0)
            {
                socket.Options.SetRequestHeader("Cookie", cookie);
            }

            await socket.ConnectAsync(uri, CancellationToken.None);
            var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (hub)
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);
                await socket.SendAsync(Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"s\",\"target\":\"Subscribe\",\"arguments\":[null,null]}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);
            }
            else
            {
                subscribed.SetResult();
            }

            var client = c;
            loops.Add(Task.Run(() => ReceiveAsync(socket, client, arrivals, subscribed)));
            await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(60));
            sockets.Add(socket);
        }

        Console.WriteLine("ready");
        await Console.In.ReadLineAsync();
        foreach (var ((client, round), (at, bytes)) in arrivals)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{round} {at} {bytes}"));
        }

        Console.WriteLine("end");
        foreach (var socket in sockets)
        {
            socket.Abort();
        }

        return 0;
    }

    private static readonly byte[] ChangesTarget = "\"target\":\"Changes\""u8.ToArray();
    private static readonly byte[] KeyframeField = "\"k\":"u8.ToArray();

    private static async Task ReceiveAsync(ClientWebSocket socket, int client, ConcurrentDictionary<(int, int), (long, long)> arrivals, TaskCompletionSource subscribed)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer.GetMemory(1 << 16), CancellationToken.None);
                buffer.Advance(result.Count);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                var now = Stopwatch.GetTimestamp();
                var data = buffer.WrittenSpan;
                if (data.IndexOf("\"invocationId\":\"s\""u8) >= 0)
                {
                    subscribed.TrySetResult();
                }

                // Only the round number is read (a byte search, not a parse): the clients must cost little.
                if (data.IndexOf(ChangesTarget) >= 0 && data.IndexOf(KeyframeField) is var k and >= 0)
                {
                    var digits = data[(k + KeyframeField.Length)..];
                    var end = digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
                    var round = int.Parse(Encoding.ASCII.GetString(digits[..end]), CultureInfo.InvariantCulture);
                    arrivals[(client, round)] = (now, data.Length);
                }

                buffer.Clear();
            }
        }
        catch (WebSocketException)
        {
        }
    }
}
