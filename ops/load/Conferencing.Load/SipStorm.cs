using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Conferencing.Sip;
using Conferencing.Sip.Auth;

namespace Conferencing.Load;

/// <summary>
/// Hostile SIP traffic against the server's registrar, all on loopback and bounded in count and time:
/// REGISTERs from made-up users (each answered challenge is a wrong guess) sent from many loopback
/// source addresses, and TCP connections opened and left idle. Meanwhile <c>/health</c> is timed, and
/// the same is timed with no storm first, as the baseline.
/// </summary>
internal static class SipStorm
{
    /// <summary>Concurrent senders of REGISTERs; each waits for its answer before the next.</summary>
    private const int Senders = 32;

    /// <summary>Loopback addresses the REGISTERs come from (127.0.1.1 onwards).</summary>
    private const int RegisterSources = 64;

    /// <summary>Loopback addresses the idle connections come from (127.0.2.1 onwards).</summary>
    private const int TcpSources = 40;

    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(6);

    public static async Task<HealthFigures> TimeHealthAsync(HttpClient http, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var latencies = new List<double>();
        var failures = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration && !cancellationToken.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), CancellationToken.None);
                if (response.IsSuccessStatusCode)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                else
                {
                    failures++;
                }
            }
            catch (HttpRequestException)
            {
                failures++;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        latencies.Sort();
        return new HealthFigures(latencies, failures);
    }

    /// <summary>Opens up to <paramref name="count"/> TCP connections to the registrar and leaves them idle; gives them back with how many the server closed.</summary>
    public static async Task<List<Socket>> OpenIdleConnectionsAsync(IPEndPoint registrar, int count)
    {
        var sockets = new List<Socket>(count);
        for (var i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(new IPAddress([127, 0, 2, (byte)(1 + (i % TcpSources))]), 0));
                await socket.ConnectAsync(registrar).WaitAsync(TimeSpan.FromSeconds(5));
                sockets.Add(socket);
            }
            catch (Exception e) when (e is SocketException or TimeoutException)
            {
                socket.Dispose();
            }
        }

        return sockets;
    }

    /// <summary>Connections the server has closed (a read returns at once with nothing).</summary>
    public static int ClosedByServer(IEnumerable<Socket> sockets) =>
        sockets.Count(s =>
        {
            try
            {
                return s.Poll(0, SelectMode.SelectRead) && s.Available == 0;
            }
            catch (SocketException)
            {
                return true;
            }
        });

    /// <summary>Sends <paramref name="total"/> REGISTERs (first ones unauthenticated, each 401 answered with a wrong guess) and counts the answers.</summary>
    public static async Task<StormFigures> RegisterStormAsync(IPEndPoint registrar, int total, TimeSpan limit)
    {
        var sent = 0;
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var watch = Stopwatch.StartNew();
        async Task SendLoopAsync(int sender)
        {
            using var udp = new UdpClient(new IPEndPoint(new IPAddress([127, 0, 1, (byte)(1 + (sender % RegisterSources))]), 0));
            var local = (IPEndPoint)udp.Client.LocalEndPoint!;
            var n = 0;
            while (watch.Elapsed < limit)
            {
                var number = Interlocked.Increment(ref sent);
                if (number > total)
                {
                    return;
                }

                var user = $"ghost-{sender}-{n++}";
                var callId = $"storm-{sender}-{n}";
                var first = await ExchangeAsync(udp, registrar, Register(local, registrar, user, callId, 1, null));
                Count(statuses, first?.StatusCode ?? 0);
                if (first is not { StatusCode: 401 } || !DigestChallenge.TryParse(first.Headers["WWW-Authenticate"], out var challenge, out _))
                {
                    continue;
                }

                if (Interlocked.Increment(ref sent) > total)
                {
                    return;
                }

                var guess = new DigestClient(user, "123456").Answer(challenge, "REGISTER", $"sip:{registrar}");
                var second = await ExchangeAsync(udp, registrar, Register(local, registrar, user, callId, 2, guess.ToString()));
                Count(statuses, second?.StatusCode ?? 0);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Senders).Select(s => Task.Run(() => SendLoopAsync(s))));
        return new StormFigures(Math.Min(sent, total), watch.Elapsed, statuses.OrderBy(p => p.Key).ToDictionary(p => p.Key, p => p.Value));
    }

    private static void Count(System.Collections.Concurrent.ConcurrentDictionary<int, int> statuses, int status) =>
        statuses.AddOrUpdate(status, 1, (_, n) => n + 1);

    private static async Task<SipResponse?> ExchangeAsync(UdpClient udp, IPEndPoint registrar, byte[] request)
    {
        await udp.SendAsync(request, registrar);
        using var timeout = new CancellationTokenSource(AnswerTimeout);
        try
        {
            while (true)
            {
                var received = await udp.ReceiveAsync(timeout.Token);
                if (SipMessage.TryParse(received.Buffer, out var message, out _) && message is SipResponse { IsProvisional: false } response)
                {
                    return response;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static byte[] Register(IPEndPoint local, IPEndPoint registrar, string user, string callId, int cseq, string? authorization) => Encoding.ASCII.GetBytes(
        $"REGISTER sip:{registrar} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK{callId}-{cseq};rport\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:{user}@{registrar}>;tag={callId}\r\nTo: <sip:{user}@{registrar}>\r\nCall-ID: {callId}\r\nCSeq: {cseq} REGISTER\r\n" +
        $"Contact: <sip:{user}@{local}>\r\nExpires: 300\r\n" + (authorization is null ? "" : $"Authorization: {authorization}\r\n") + "Content-Length: 0\r\n\r\n");
}

internal sealed record HealthFigures(List<double> Latencies, int Failures)
{
    public override string ToString()
    {
        double At(double p) => Latencies.Count == 0 ? double.NaN : Latencies[Math.Clamp((int)Math.Ceiling(p * Latencies.Count) - 1, 0, Latencies.Count - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"{Latencies.Count} answers, {Failures} failures; p50 {At(0.5):0.0} ms p95 {At(0.95):0.0} ms max {(Latencies.Count == 0 ? double.NaN : Latencies[^1]):0.0} ms");
    }
}

internal sealed record StormFigures(int Sent, TimeSpan Took, Dictionary<int, int> Statuses)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Sent:N0} REGISTERs in {Took.TotalSeconds:0.0} s ({Sent / Math.Max(Took.TotalSeconds, 0.001):0} /s); answers: {string.Join(", ", Statuses.Select(s => (s.Key == 0 ? "none" : s.Key.ToString(CultureInfo.InvariantCulture)) + " x" + s.Value.ToString("N0", CultureInfo.InvariantCulture)))}");
}
