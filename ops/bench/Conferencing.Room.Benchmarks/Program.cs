using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Conferencing.Server.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Writer;

using Conferencing.Benchmarks.Shared;

namespace Conferencing.Room.Benchmarks;

/// <summary>
/// A page change pushed to N connected room clients (default 1,000 room displays on WebSockets):
/// the delay from the chair's command (PUT /api/meetings/{id}/room/presenter) to each client's
/// receipt of the Presenter message, p50 and p99. Side by side, the baseline: the same clients on a
/// bare WebSocket endpoint in the same server that sends the same-sized frame to every socket at
/// once, with no SignalR, no store and no services. The ratio is what our path costs over the bare
/// transport on this machine.
/// <c>dotnet run -c Release -- --clients 1000 --rounds 40</c>; with <c>--stamp</c>, the cost of a
/// confidential copy instead (see <see cref="StampBench"/>).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Contains("--stamp"))
        {
            StampBench.Run(Arg(args, "--pages", 20), Arg(args, "--runs", 20));
            return 0;
        }

        var clients = Arg(args, "--clients", 1000);
        var rounds = Arg(args, "--rounds", 40);
        var warmup = Arg(args, "--warmup", 5);
        var raw = new RawFanOut("{}\u001e{\"type\":3,\"invocationId\":\"join\",\"result\":null}\u001e"u8.ToArray());
        var (app, url) = await BenchServer.StartAsync("room-bench", raw);
        Console.WriteLine($"server {url}, {clients} clients, {rounds} rounds after {warmup} warm-up, {Environment.ProcessorCount} cores");

        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };
        var (meetingId, documentId, displayCookie) = await SetUpAsync(http);

        var hub = new Uri(url.Replace("http://", "ws://", StringComparison.Ordinal) + "/hubs/room");
        var ours = await ConnectAsync(clients, rounds + warmup, hub, displayCookie, "display");
        var oursResult = await MeasureAsync("room hub (SignalR, store, services)", ours, rounds, warmup, seq =>
            http.PutAsJsonAsync($"/api/meetings/{meetingId}/room/presenter", new { documentId, page = 1 + (int)(seq % 5) }));
        await DisposeAllAsync(ours);

        var rawUri = new Uri(url.Replace("http://", "ws://", StringComparison.Ordinal) + "/bench/raw");
        var bare = await ConnectAsync(clients, rounds + warmup, rawUri, "", "raw");
        var frame = await RawFrameAsync(http, meetingId);
        var bareResult = await MeasureAsync("baseline: bare WebSocket fan-out", bare, rounds, warmup, seq => raw.BroadcastAsync(WithSequence(frame, seq)));
        await DisposeAllAsync(bare);

        Console.WriteLine();
        Console.WriteLine("| path | p50 ms | p99 ms | max ms | command ms (p50) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var r in new[] { oursResult, bareResult })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Name} | {r.P50:0.0} | {r.P99:0.0} | {r.Max:0.0} | {r.CommandP50:0.0} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| ratio (room hub / baseline) | {oursResult.P50 / bareResult.P50:0.00}x | {oursResult.P99 / bareResult.P99:0.00}x | | |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"working set {Environment.WorkingSet / (1024 * 1024)} MB, GC heap {GC.GetTotalMemory(false) / (1024 * 1024)} MB"));
        await app.StopAsync();
        return 0;
    }

    private sealed record Result(string Name, double P50, double P99, double Max, double CommandP50);

    private static async Task<Result> MeasureAsync(string name, List<HubClient> clients, int rounds, int warmup, Func<long, Task> command)
    {
        var delays = new List<double>(clients.Count * rounds);
        var commands = new List<double>(rounds);
        for (long seq = 1; seq <= rounds + warmup; seq++)
        {
            var sent = Stopwatch.GetTimestamp();
            await command(seq);
            var answered = Stopwatch.GetTimestamp();
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 30);
            while (clients.Any(c => c.ArrivalOf(seq) == 0))
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException($"{clients.Count(c => c.ArrivalOf(seq) == 0)} clients never got message {seq}.");
                }

                await Task.Delay(2);
            }

            if (seq > warmup)
            {
                commands.Add(Stopwatch.GetElapsedTime(sent, answered).TotalMilliseconds);
                delays.AddRange(clients.Select(c => Stopwatch.GetElapsedTime(sent, c.ArrivalOf(seq)).TotalMilliseconds));
            }

            // A chair turns pages at human speed; the pause lets each round start from quiet.
            await Task.Delay(100);
        }

        delays.Sort();
        commands.Sort();
        var result = new Result(name, Percentile(delays, 0.50), Percentile(delays, 0.99), delays[^1], Percentile(commands, 0.50));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {delays.Count} deliveries, p50 {result.P50:0.0} ms, p99 {result.P99:0.0} ms"));
        return result;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static async Task<List<HubClient>> ConnectAsync(int count, int rounds, Uri uri, string cookie, string role)
    {
        var clients = new ConcurrentBag<HubClient>();
        // A room of TVs coming online, 50 at a time, not a thundering herd.
        using var gate = new SemaphoreSlim(50);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var client = new HubClient(rounds);
                await client.ConnectAsync(uri, cookie, role, CancellationToken.None);
                clients.Add(client);
            }
            finally
            {
                gate.Release();
            }
        }));
        return [.. clients];
    }

    private static async Task DisposeAllAsync(List<HubClient> clients) => await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));

    private static async Task<(Guid Meeting, Guid Document, string DisplayCookie)> SetUpAsync(HttpClient http)
    {
        Ok(await http.PostAsJsonAsync("/api/auth/login", new { username = BenchServer.AdminUsername, password = BenchServer.AdminPassword }));
        using var csv = new StringContent("code,name,parent_code,level,kind\nPT,Tỉnh Phú Thọ,,Province,Province\nPT-X-HC,Xã Hy Cương,PT,Commune,Commune\n", Encoding.UTF8, "text/csv");
        Ok(await http.PostAsync(new Uri("/api/sites/import", UriKind.Relative), csv));
        var start = DateTimeOffset.UtcNow;
        var meeting = await Json(await http.PostAsJsonAsync("/api/meetings", new
        {
            title = "Benchmark", kind = "ProvinceHosted", hostSiteCode = "PT", startUtc = start, endUtc = start.AddHours(2),
            sites = new { subtrees = Array.Empty<string>(), sites = new[] { "PT-X-HC" } },
        }));
        var meetingId = meeting.GetProperty("id").GetGuid();
        Ok(await http.PostAsJsonAsync($"/api/meetings/{meetingId}/start", new { }));
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Pdf()), "file", "bench.pdf" } };
        var document = await Json(await http.PostAsync(new Uri($"/api/meetings/{meetingId}/documents", UriKind.Relative), form));
        var link = await Json(await http.PostAsJsonAsync("/api/sites/PT-X-HC/display-links", new { label = "bench" }));
        using var tv = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false });
        var signIn = await tv.GetAsync(new Uri(link.GetProperty("url").GetString()!));
        var cookie = string.Join("; ", signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        return (meetingId, document.GetProperty("id").GetGuid(), cookie);
    }

    /// <summary>The baseline's frame: the same bytes the hub sends, so both paths move the same payload.</summary>
    private static async Task<string> RawFrameAsync(HttpClient http, Guid meetingId)
    {
        var state = await Json(await http.GetAsync(new Uri($"/api/meetings/{meetingId}/room", UriKind.Relative)));
        return "{\"type\":1,\"target\":\"Raw\",\"arguments\":[" + state.GetProperty("presenter").GetRawText() + "]}\u001e";
    }

    private static byte[] Pdf()
    {
        var builder = new PdfDocumentBuilder();
        var font = Conferencing.Server.Common.PdfFonts.AddRegular(builder);
        for (var i = 1; i <= 5; i++)
        {
            builder.AddPage(PageSize.A4).AddText($"Trang {i}", 20, new PdfPoint(60, 760), font);
        }

        return builder.Build();
    }

    private static void Ok(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: {response.StatusCode} {response.Content.ReadAsStringAsync().Result}");
        }
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        Ok(response);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static int Arg(string[] args, string name, int fallback) => BenchServer.Arg(args, name, fallback);

    /// <summary>The baseline's frame with this round's sequence number, as the hub's message carries it.</summary>
    private static byte[] WithSequence(string frame, long seq) =>
        Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(frame, "\"seq\":[0-9]+", "\"seq\":" + seq.ToString(CultureInfo.InvariantCulture)));
}

