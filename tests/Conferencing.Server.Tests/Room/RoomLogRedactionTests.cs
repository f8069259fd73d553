using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Conferencing.Server.Hosting;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Conferencing.Server.Tests.Room;

/// <summary>
/// Every line the server writes, at every level (the framework's own request and routing logs at
/// Verbose included), captured by a file sink the test host configures, must not carry a secret the
/// room flow used: display link, room code, ticket, invitation code, PIN, dial-in PIN.
/// </summary>
public sealed class RoomLogRedactionTests : RoomTestBase
{
    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> SelfLog = StartSelfLog();

    private static readonly StringWriter ConsoleCapture = new();

    public RoomLogRedactionTests()
    {
        // Touch the queue now: a sink Serilog cannot build is reported only through its self-log.
        Assert.NotNull(SelfLog);
        // The shipped console sink writes the rendered lines: capture them as well.
        Console.SetOut(TextWriter.Synchronized(ConsoleCapture));
    }

    private readonly string _logFile = Path.Combine(Path.GetTempPath(), "conferencing-tests", "logs", "redaction-" + Guid.NewGuid().ToString("N") + ".json");

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Serilog:MinimumLevel:Default"] = "Verbose",
        ["Serilog:MinimumLevel:Override:Microsoft"] = "Verbose",
        ["Serilog:MinimumLevel:Override:System"] = "Verbose",
        ["Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime"] = "Verbose",
        // A sink of its own (index 2, after the shipped two: the indices must run on): every event, every property, as JSON.
        ["Serilog:Using:2"] = "Serilog.Sinks.File",
        ["Serilog:WriteTo:2:Name"] = "File",
        ["Serilog:WriteTo:2:Args:path"] = _logFile,
        ["Serilog:WriteTo:2:Args:rollingInterval"] = "Infinite",
        ["Serilog:WriteTo:2:Args:formatter"] = "Serilog.Formatting.Compact.CompactJsonFormatter, Serilog.Formatting.Compact",
    };

    [Fact]
    public async Task TheWholeRoomFlowLeavesNoTokenPinOrSecretInAnyLogLine()
    {
        List<string> secrets = [];
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/prepare", new { }, Json).DefaultTimeout()).StatusCode);
        var meeting = await Admin.GetFromJsonAsync<JsonElement>($"/api/meetings/{MeetingId}", Json).DefaultTimeout();
        if (meeting.TryGetProperty("dialIn", out var dialIn) && dialIn.ValueKind == JsonValueKind.Object)
        {
            secrets.Add(dialIn.GetProperty("pin").GetString()!);
        }

        var document = await UploadAsync(SamplePdf.Create(1, "Phương án bảo vệ"), "mat.pdf", ("confidential", "true"));

        // The room TV: display link, state, the QR image of the room code.
        var link = await ReadJson(await Admin.PostAsJsonAsync("/api/sites/PT-X-HC/display-links", new { label = "TV phòng họp xã" }, Json).DefaultTimeout());
        var linkPath = new Uri(link.GetProperty("url").GetString()!).AbsolutePath;
        secrets.Add(linkPath["/display/link/".Length..]);
        using var tv = Phone();
        Assert.Equal(HttpStatusCode.SeeOther, (await tv.GetAsync(new Uri(linkPath, UriKind.Relative)).DefaultTimeout()).StatusCode);
        var state = await tv.GetFromJsonAsync<JsonElement>("/display/api/state", Json).DefaultTimeout();
        var roomCode = new Uri(state.GetProperty("qrUrl").GetString()!).AbsolutePath["/j/".Length..];
        secrets.Add(roomCode);
        Assert.Equal(HttpStatusCode.OK, (await tv.GetAsync(new Uri(state.GetProperty("qrImage").GetString()!, UriKind.Relative)).DefaultTimeout()).StatusCode);

        // A phone scans it, gets a ticket, gets a PIN wrong once, then right.
        using var phone = Phone();
        var fields = await OpenAsync(phone, "/j/" + roomCode);
        secrets.Add(fields["t"]);
        var (_, pin) = await InvitationAsync(0);
        secrets.Add(pin);
        var wrongPin = pin == "000000" ? "111111" : "000000";
        Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(phone, fields, DelegateId(0), wrongPin).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(phone, fields, DelegateId(0), pin).DefaultTimeout()).StatusCode);

        // Another delegate by a personal invitation; an unknown code on the QR route too.
        var (invitationUrl, _) = await InvitationAsync(1);
        var invitationPath = new Uri(invitationUrl).AbsolutePath;
        secrets.Add(invitationPath["/j/".Length..]);
        using var binh = Phone();
        var invitationFields = await OpenAsync(binh, invitationPath);
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(binh, invitationFields, null, null).DefaultTimeout()).StatusCode);
        var forged = roomCode[..^4] + (roomCode[^4..] == "AAAA" ? "BBBB" : "AAAA");
        secrets.Add(forged);
        Assert.Equal(HttpStatusCode.NotFound, (await tv.GetAsync(new Uri("/display/qr/" + forged + ".png", UriKind.Relative)).DefaultTimeout()).StatusCode);

        // Open the confidential document, read its stamped copy.
        var opened = await ReadJson(await phone.PostAsync(new Uri($"/d/api/documents/{document.GetProperty("id")}/open", UriKind.Relative), null).DefaultTimeout());
        using var fetch = new HttpRequestMessage(HttpMethod.Get, new Uri(opened.GetProperty("url").GetString()!, UriKind.Relative));
        fetch.Headers.Add("Sec-Fetch-Mode", "cors");
        Assert.Equal(HttpStatusCode.OK, (await phone.SendAsync(fetch).DefaultTimeout()).StatusCode);

        // A secret vote.
        var poll = await ReadJson(await Admin.PostAsJsonAsync($"/api/meetings/{MeetingId}/votes", new { question = "Bầu trưởng ban", secret = true }, Json).DefaultTimeout());
        var pollId = poll.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await Admin.PostAsync(new Uri($"/api/votes/{pollId}/open", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await phone.PostAsJsonAsync($"/d/api/polls/{pollId}/ballot", new { choice = "Disagree" }, Json).DefaultTimeout()).StatusCode);

        var lines = await ReadLogAsync(IsBallotRequestLine);

        // The log saw the flow (so an empty log cannot pass), with the routes named instead.
        Assert.Contains(lines, l => l.Contains("/j/{code}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("/display/link/{token}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("/display/qr/{code}.png", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            var pattern = new Regex("(?<![0-9A-Za-z_-])" + Regex.Escape(secret) + "(?![0-9A-Za-z_-])");
            var leak = lines.FirstOrDefault(pattern.IsMatch);
            Assert.True(leak is null, $"secret {secret} is in the log: {leak}");
        }

        // The ballot's request line names nobody: next to the live counts it would say who voted what.
        var ballot = lines.Single(IsBallotRequestLine);
        Assert.DoesNotContain(DelegateId(0).ToString(), ballot, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Nguy", ballot, StringComparison.Ordinal);
        Assert.All(lines, l => Assert.DoesNotContain("Nguyễn Văn An", l, StringComparison.Ordinal));
    }

    [Fact]
    public void EveryRouteValueThatIsNotAnIdIsEitherSecretOrDeclaredHarmless()
    {
        // Route values that name public things (a site code, a culture, a static file); anything else
        // not constrained to a number or a GUID must be in LogRedaction.SecretRoutes.
        string[] harmless =
        [
            "/api/sites/{code}", "/api/sites/{code}/display-links", "/api/sites/{code}/calendar", "/api/sites/{code}/calendar.ics",
            "/openapi/{documentName}.json", "/culture/{name}", "/api/users/{username}", "/api/meetings/{id:guid}/roll-call/{siteCode}",
            "/api/endpoints/{id:guid}/actions/{action}", "/api/users/{username}/revoke-sessions",
            "/api/room-devices/{siteCode}/{deviceId}/commands",
            "/api/meetings/{id:guid}/sites/{code}/actions/{action}", "/api/meetings/{id:guid}/sites/actions/{action}",
        ];
        var routes = Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern)
            .Where(p => p.Parameters.Any(q => q.ParameterPolicies.Count == 0 && !q.IsCatchAll))
            .Select(p => "/" + p.RawText!.TrimStart('/'))
            .Distinct()
            .ToList();
        var undecided = routes.Where(r => !LogRedaction.SecretRoutes.Contains(r) && !harmless.Contains(r) && !r.StartsWith("/_", StringComparison.Ordinal)).ToList();
        Assert.True(undecided.Count == 0, "Routes with a free-form value, neither secret nor declared harmless: " + string.Join(", ", undecided));
        Assert.All(LogRedaction.SecretRoutes, r => Assert.Contains(r, routes));
    }

    [Theory]
    [InlineData("GET /display/link/Abc-_123xyz done", "GET /display/link/{token} done")]
    [InlineData("http://10.0.0.1:5080/j/AQIDBA?x=1", "http://10.0.0.1:5080/j/{code}?x=1")]
    [InlineData("/display/qr/AQIDBA.png", "/display/qr/{code}.png")]
    [InlineData("dialing sip:2025*73019458@127.0.0.1:5070 now", "dialing sip:2025*[pin]@127.0.0.1:5070 now")]
    [InlineData("<sip:2025**73019458@relay;transport=udp>", "<sip:2025**[pin]@relay;transport=udp>")]
    [InlineData("sip:2025%2A73019458@relay", "sip:2025%2A[pin]@relay")]
    [InlineData("sip:xa-hy-cuong@10.1.0.1 and /api/sites/PT/display-links", "sip:xa-hy-cuong@10.1.0.1 and /api/sites/PT/display-links")]
    public void RedactionKeepsTheRouteAndTheNumberAndDropsTheSecret(string text, string expected) =>
        Assert.Equal(expected, LogRedaction.Redact(text));

    private static bool IsBallotRequestLine(string line) => line.Contains("/ballot", StringComparison.Ordinal)
        && (line.Contains("\"EventId\":{\"Id\":3001", StringComparison.Ordinal) || line.Contains("RequestLoggingMiddleware", StringComparison.Ordinal));

    private static System.Collections.Concurrent.ConcurrentQueue<string> StartSelfLog()
    {
        var queue = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Serilog.Debugging.SelfLog.Enable(queue.Enqueue);
        return queue;
    }

    private async Task<List<string>> ReadLogAsync(Func<string, bool> awaited)
    {
        // The sink writes each event as it comes; wait for the last request's line to be there.
        var deadline = DateTime.UtcNow + TaskTimeouts.Default;
        while (true)
        {
            if (!File.Exists(_logFile))
            {
                string console;
                lock (ConsoleCapture)
                {
                    console = ConsoleCapture.ToString();
                }

                List<string> printed = [.. console.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
                if (printed.Any(l => l.Contains("/ballot", StringComparison.Ordinal) && l.Contains("RequestLoggingMiddleware", StringComparison.Ordinal)))
                {
                    return printed;
                }

                Assert.True(DateTime.UtcNow < deadline, "The server never wrote its log file. Serilog says: " + string.Join(" | ", SelfLog)
                    + " Providers: " + string.Join(", ", Factory.Services.GetServices<Microsoft.Extensions.Logging.ILoggerProvider>().Select(p => p.GetType().FullName))
                    + " Config: " + string.Join(", ", Factory.Services.GetRequiredService<IConfiguration>().GetSection("Serilog").AsEnumerable().Select(kv => kv.Key + "=" + kv.Value)));
                await Task.Delay(100);
                continue;
            }

            await using var stream = new FileStream(_logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            List<string> lines = [.. (await reader.ReadToEndAsync().DefaultTimeout()).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
            if (lines.Any(awaited))
            {
                return lines;
            }

            Assert.True(DateTime.UtcNow < deadline, "The ballot's request line never reached the log.");
            await Task.Delay(100);
        }
    }
}
