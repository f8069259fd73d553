using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using Conferencing.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Conferencing.Benchmarks.Shared;

/// <summary>
/// The real server for a push benchmark, in the benchmark's process: a fresh SQLite store in a
/// temporary folder, no demo, SIP and the relay on ephemeral loopback ports, quiet logs, no
/// connection limit, and beside the server's own routes the baseline's bare WebSocket endpoint at
/// <c>/bench/raw</c>. Linked into each push benchmark so they measure against the same host.
/// </summary>
internal static class BenchServer
{
    public const string AdminUsername = "admin";
    public const string AdminPassword = "bench-password-1";

    /// <summary>Starts the server; returns it and its address.</summary>
    public static async Task<(WebApplication App, string Url)> StartAsync(string name, RawFanOut raw)
    {
        var folder = Directory.CreateTempSubdirectory(name).FullName;
        // Development: the bench talks plain HTTP on loopback, which production refuses (Secure
        // cookies, required public address and key file); the measured paths are the same.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", ContentRootPath = folder });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:ConnectionString"] = $"Data Source={Path.Combine(folder, "bench.db")}",
            ["Documents:StoragePath"] = Path.Combine(folder, "documents"),
            ["Security:KeyFile"] = Path.Combine(folder, "data-protection.kek"),
            ["Bootstrap:AdminUsername"] = AdminUsername,
            ["Bootstrap:AdminPassword"] = AdminPassword,
            ["Demo:Enabled"] = "false",
            ["Sip:Listen"] = "127.0.0.1:0",
            ["Relay:Sip"] = "127.0.0.1:0",
            ["Urls"] = "http://127.0.0.1:0",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        });
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxConcurrentConnections = null);
        builder.AddConferencing();
        var app = builder.Build();
        await app.Services.GetRequiredService<StartupTasks>().InitializeAsync(CancellationToken.None);
        app.UseWebSockets();
        app.Map("/bench/raw", raw.AcceptAsync).AllowAnonymous();
        app.UseConferencing();
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, url);
    }

    /// <summary>An integer option <c>--name N</c>, else the fallback.</summary>
    public static int Arg(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>A text option <c>--name value</c>, else empty.</summary>
    public static string ArgText(string[] args, string name) => Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : "";
}

/// <summary>
/// The baseline: a bare WebSocket endpoint that sends one frame to every socket at once, with no
/// SignalR, no store and no services.
/// </summary>
/// <param name="greeting">
/// Sent once after the client's first message, for a client that speaks the hub protocol (its
/// handshake and first invocation answered as a hub would, so the same client measures both); null
/// for a client that expects nothing.
/// </param>
internal sealed class RawFanOut(byte[]? greeting = null)
{
    private readonly ConcurrentDictionary<WebSocket, byte> _sockets = new();

    public async Task AcceptAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        if (greeting is not null)
        {
            await socket.ReceiveAsync(buffer, CancellationToken.None);
            await socket.SendAsync(greeting, WebSocketMessageType.Text, true, CancellationToken.None);
        }

        _sockets[socket] = 0;
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (WebSocketException)
        {
        }
        finally
        {
            _sockets.TryRemove(socket, out _);
        }
    }

    public Task BroadcastAsync(byte[] frame) =>
        Task.WhenAll(_sockets.Keys.Select(s => s.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None)));
}
