using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Conferencing.Server.Tests.Infrastructure;

/// <summary>
/// The real server in memory over a real store. The first administrator comes from configuration,
/// as in production; other roles are created through the API.
/// </summary>
public sealed class ConferencingFactory(TestDatabase database, bool demo = false, bool simulateRooms = false, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    public const string AdminPassword = "admin-test-password-1";
    public const string StaffPassword = "staff-test-password-1";

    public static readonly JsonSerializerOptions Json = CreateJson();

    public TestDatabase Database { get; } = database;

    /// <summary>This server's document storage, a fresh temporary folder.</summary>
    public string DocumentsPath { get; } = Path.Combine(Path.GetTempPath(), "conferencing-tests", "documents", Guid.NewGuid().ToString("N"));

    /// <summary>This server's recordings, a fresh temporary folder.</summary>
    public string RecordingsPath { get; } = Path.Combine(Path.GetTempPath(), "conferencing-tests", "recordings", Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Development is what `dotnet run` uses, and what makes the framework serve blazor.web.js from a build (not publish) output.
        builder.UseEnvironment("Development");
        builder.UseSetting("Store:ConnectionString", Database.ConnectionString);
        builder.UseSetting("Bootstrap:AdminUsername", "admin");
        builder.UseSetting("Bootstrap:AdminPassword", AdminPassword);
        builder.UseSetting("Demo:Enabled", demo ? "true" : "false");
        builder.UseSetting("Demo:SimulateRooms", simulateRooms ? "true" : "false");
        // The demo's simulated room devices take fixed ports; tests that want them turn them on with ports of their own.
        builder.UseSetting("RoomControl:SimulateDevices", "false");
        builder.UseSetting("Serilog:MinimumLevel:Default", Environment.GetEnvironmentVariable("CONFERENCING_TEST_LOG") ?? "Warning");
        builder.UseSetting("Sip:Listen", "127.0.0.1:0");
        builder.UseSetting("Cluster:SiloPort", "0");
        builder.UseSetting("Sip:KeepaliveInterval", "00:00:00.300");
        builder.UseSetting("Sip:OfflineAfter", "00:00:01.500");
        builder.UseSetting("Sip:ProbeTimeout", "00:00:00.500");
        builder.UseSetting("Alarms:OfflineAfter", "00:00:01");
        builder.UseSetting("Documents:StoragePath", DocumentsPath);

        // Recording starts by itself in meetings relayed from central; tests about recording turn it on.
        builder.UseSetting("Recording:Enabled", "false");
        builder.UseSetting("Recording:Directory", RecordingsPath);
        builder.UseSetting("Serilog:WriteTo:1:Args:path", Path.Combine(Path.GetTempPath(), "conferencing-tests", "logs", "server-.json"));

        // The in-process relay on loopback, on ports the system picks: test servers run side by side.
        builder.UseSetting("Relay:Name", "tinh-phu-tho");
        builder.UseSetting("Relay:Sip", "127.0.0.1:0");
        builder.UseSetting("Relay:MediaAddress", "127.0.0.1");
        builder.UseSetting("Relay:MediaPorts", "0");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>A client signed in as the bootstrap administrator.</summary>
    public async Task<HttpClient> AdminAsync() => await SignedInAsync("admin", AdminPassword);

    /// <summary>A client signed in with a new account of the given role.</summary>
    public async Task<HttpClient> StaffAsync(string role)
    {
        using var admin = await AdminAsync();
        var username = role.ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..8];
        var created = await admin.PostAsJsonAsync("/api/users", new { username, displayName = role + " user", role, password = StaffPassword }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return await SignedInAsync(username, StaffPassword);
    }

    public async Task<HttpClient> SignedInAsync(string username, string password)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return client;
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ServerSetup.ConfigureJson(options);
        return options;
    }
}
