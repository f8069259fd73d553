using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Tests.Infrastructure;
using Conferencing.Sip;
using Conferencing.Sip.Stack;
using Conferencing.Sip.UserAgent;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conferencing.Server.Tests.Endpoints;

/// <summary>
/// The server's registrar against room credentials used wrongly and traffic that is not SIP at all,
/// through real UDP on loopback: it keeps running, keeps one binding per room, and follows endpoint
/// edits at once.
/// </summary>
public sealed class RegistrarHardeningTests : ApiTestBase
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Sip:MalformedLogInterval"] = "01:00:00" };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(10);
        }
    }

    private PresenceService Presence => Factory.Services.GetRequiredService<PresenceService>();

    private async Task<Guid> CreateEndpointAsync(string user, string sipUri)
    {
        var created = await Admin.PostAsJsonAsync("/api/endpoints", new
        {
            siteCode = "PT-X-PC", sipUri, displayName = "Phòng họp " + user, digestUsername = user, digestPassword = "mat-khau-" + user,
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await ReadJson(created)).GetProperty("id").GetGuid();
    }

    private async Task<Sip.Transport.SipEndPoint> RegistrarAsync()
    {
        await WaitUntilAsync(() => Presence.UdpEndPoint is not null).DefaultTimeout();
        return Presence.UdpEndPoint!.Value;
    }

    private static SipUserAgent Room(string aorUser, string digestUser, IPAddress? from = null) => new(new SipUserAgentOptions
    {
        User = aorUser,
        Credentials = new NetworkCredential(digestUser, "mat-khau-" + digestUser),
        Stack = new SipStackOptions { Bind = new IPEndPoint(from ?? IPAddress.Loopback, 0) },
    });

    private static Task<SipResponse> RegisterAsync(SipUserAgent room, Sip.Transport.SipEndPoint registrar, string? domain = null) =>
        room.RegisterAsync(domain is null ? SipUri.Create(null, registrar.Address) : SipUri.Parse("sip:" + domain), registrar, TimeSpan.FromMinutes(5)).DefaultTimeout();

    [Fact]
    public async Task TwoAddressesOfRecordFromOneRoomLeaveOneBindingAndTheRegistrarRunning()
    {
        await CreateEndpointAsync("xa-pa-co", "sip:xa-pa-co@pa-co.invalid");
        var registrar = await RegistrarAsync();
        await using var room = Room("xa-pa-co", "xa-pa-co");
        Assert.Equal(200, (await RegisterAsync(room, registrar)).StatusCode);
        Assert.Equal(200, (await RegisterAsync(room, registrar, "pa-co.invalid")).StatusCode);

        // Several keepalive rounds (300 ms apart here) run over the registrations; then the registrar still answers.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(200, (await RegisterAsync(room, registrar)).StatusCode);
        var binding = Assert.Single(Presence.Agent!.Registrations, r => r.Username == "xa-pa-co");
        Assert.Equal($"sip:xa-pa-co@{registrar.Address}", binding.AddressOfRecord);
    }

    [Fact]
    public async Task ARoomRegistersUnderItsUserNameOrItsSipUriUserButNotUnderAnotherName()
    {
        await CreateEndpointAsync("dv-pa-co", "sip:1001@pa-co.invalid");
        var registrar = await RegistrarAsync();
        await using var byNumber = Room("1001", "dv-pa-co");
        Assert.Equal(200, (await RegisterAsync(byNumber, registrar)).StatusCode);
        await using var byName = Room("dv-pa-co", "dv-pa-co");
        Assert.Equal(200, (await RegisterAsync(byName, registrar)).StatusCode);
        await using var asAnother = Room("xa-hy-cuong", "dv-pa-co");
        Assert.Equal(403, (await RegisterAsync(asAnother, registrar)).StatusCode);
        Assert.Single(Presence.Agent!.Registrations, r => r.Username == "dv-pa-co");
    }

    [Fact]
    public async Task AnEndpointAddedAMomentAgoRegistersAtTheFirstAttempt()
    {
        var registrar = await RegistrarAsync();
        await CreateEndpointAsync("xa-moi", "sip:xa-moi@moi.invalid");
        await using var room = Room("xa-moi", "xa-moi");
        Assert.Equal(200, (await RegisterAsync(room, registrar)).StatusCode);
    }

    [Fact]
    public async Task ADeletedEndpointStopsAuthenticatingAtOnce()
    {
        var id = await CreateEndpointAsync("xa-bo", "sip:xa-bo@bo.invalid");
        var registrar = await RegistrarAsync();
        await using var room = Room("xa-bo", "xa-bo");
        Assert.Equal(200, (await RegisterAsync(room, registrar)).StatusCode);

        var deleted = await Admin.DeleteAsync(new Uri($"/api/endpoints/{id}", UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.DoesNotContain(Presence.Agent!.Registrations, r => r.Username == "xa-bo");
        Assert.Equal(401, (await RegisterAsync(room, registrar)).StatusCode);
    }

    [Fact]
    public async Task AFloodOfUnknownUsersReloadsTheStoreAtMostOnceASecond()
    {
        var registrar = await RegistrarAsync();
        var before = Presence.DirectoryLoads;
        var started = Stopwatch.GetTimestamp();
        var statuses = new List<int>();
        for (var i = 0; i < 40; i++)
        {
            await using var ghost = Room($"khong-co-{i}", $"khong-co-{i}", IPAddress.Parse("127.0.0.3"));
            statuses.Add((await RegisterAsync(ghost, registrar)).StatusCode);
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Assert.All(statuses, s => Assert.True(s is 401 or 403, $"status {s}"));
        Assert.Contains(403, statuses);
        Assert.InRange(Presence.DirectoryLoads - before, 0, (long)Math.Ceiling(seconds) + 1);

        // The address that guessed is refused; rooms elsewhere are not.
        await CreateEndpointAsync("xa-that", "sip:xa-that@that.invalid");
        await using var room = Room("xa-that", "xa-that");
        Assert.Equal(200, (await RegisterAsync(room, registrar)).StatusCode);
    }

    [Fact]
    public async Task GarbageFromOneAddressIsLoggedOncePerInterval()
    {
        var capture = new CapturingLoggerProvider();
        await using var factory = Factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(capture)));
        var presence = factory.Services.GetRequiredService<PresenceService>();
        await WaitUntilAsync(() => presence.UdpEndPoint is not null).DefaultTimeout();
        using var garbage = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)garbage.Client.LocalEndPoint!).Port;
        for (var i = 0; i < 50; i++)
        {
            await garbage.SendAsync(Encoding.ASCII.GetBytes($"\u0016\u0003\u0001 not SIP {i}\r\n\r\n"), presence.UdpEndPoint!.Value.Address).AsTask().DefaultTimeout();
        }

        await WaitUntilAsync(() => presence.MalformedReportsSuppressed >= 49).DefaultTimeout();
        Assert.Single(capture.Lines, l => l.EventId == 5003 && l.Text.Contains($"127.0.0.1:{port}", StringComparison.Ordinal));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly List<(int EventId, string Text)> _lines = [];

        public IReadOnlyList<(int EventId, string Text)> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Capture(this);

        public void Dispose()
        {
        }

        private sealed class Capture(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._lines)
                {
                    owner._lines.Add((eventId.Id, formatter(state, exception)));
                }
            }
        }
    }
}
