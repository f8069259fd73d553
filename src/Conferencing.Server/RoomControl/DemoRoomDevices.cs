using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Conferencing.Devices.Agent;
using Conferencing.Devices.Control;
using Conferencing.Devices.Simulation;
using Conferencing.Devices.Visca;
using Conferencing.RoomAgent;
using Conferencing.Server.Demo;
using Conferencing.Server.Endpoints;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.RoomControl;

/// <summary>One demo room's devices and its agent.</summary>
public sealed class DemoRoom(string siteCode, ViscaIpCameraSimulator camera, PjLinkProjectorSimulator projector) : IAsyncDisposable
{
    public string SiteCode { get; } = siteCode;

    public ViscaIpCameraSimulator Camera { get; } = camera;

    public PjLinkProjectorSimulator Projector { get; } = projector;

    internal RoomAgentConnection? Agent { get; set; }

    public async ValueTask DisposeAsync()
    {
        if (Agent is not null)
        {
            await Agent.DisposeAsync().ConfigureAwait(false);
        }

        await Camera.DisposeAsync().ConfigureAwait(false);
        await Projector.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>
/// The demo's room hardware, so that device panels work on the first <c>dotnet run</c>: for every
/// simulated room system (every demo endpoint with credentials, one room per site) a VISCA-over-IP
/// camera and a PJLink projector simulator on loopback sockets, and the real agent's connection class
/// run in-process against this server's own agent hub over loopback (no process per room; the hub,
/// its authentication and the commands' path are the ones a real room uses). Cheap for 149 rooms: one
/// UDP socket, one listener and one WebSocket per room, and one poll loop for all of them.
/// </summary>
public sealed class DemoRoomDevices(
    IOptions<RoomControlOptions> options, IOptions<DemoOptions> demo, EndpointStore endpoints, RoomAgentStore store, IServer server,
    IHostApplicationLifetime lifetime, ILoggerFactory loggers, ILogger<DemoRoomDevices> logger) : BackgroundService
{
    /// <summary>The agent name of every demo room's agent, which tells it apart from real ones.</summary>
    public const string AgentName = "Demo room agent (simulated devices)";

    /// <summary>The demo projectors' PJLink password (authentication on, as in a real room).</summary>
    public const string ProjectorPassword = "JBMIAProjectorLink";

    /// <summary>How many agents connect at once at start, so 149 handshakes do not queue behind each other's database work.</summary>
    private const int ConnectParallelism = 16;

    private readonly ConcurrentDictionary<string, DemoRoom> _rooms = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<int> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The demo rooms by site code.</summary>
    public IReadOnlyDictionary<string, DemoRoom> Rooms => _rooms;

    /// <summary>Completes with the number of rooms once every agent has connected (0 when the demo devices are off).</summary>
    public Task<int> Started => _started.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            _started.TrySetResult(0);
            foreach (var room in _rooms.Values)
            {
                await room.DisposeAsync().ConfigureAwait(false);
            }

            _rooms.Clear();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        if (!demo.Value.Enabled || !options.Value.SimulateDevices)
        {
            return;
        }

        // The agents connect to this server's own address, known once Kestrel listens.
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => up.TrySetResult()))
        using (stoppingToken.Register(() => up.TrySetCanceled(stoppingToken)))
        {
            await up.Task.ConfigureAwait(false);
        }

        if (ServerUrl() is not { } url)
        {
            RoomDevicesLog.NoServerAddress(logger);
            return;
        }

        var sites = (await endpoints.ListAsync(null, stoppingToken).ConfigureAwait(false))
            .Where(e => e.DigestUsername is not null).Select(e => e.SiteCode).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (!StartSimulators(sites))
        {
            return;
        }

        var keys = await store.IssueDemoKeysAsync(sites, AgentName, "demo", stoppingToken).ConfigureAwait(false);
        var agentLogger = loggers.CreateLogger<RoomAgentConnection>();
        await Parallel.ForEachAsync(_rooms.Values, new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = stoppingToken }, async (room, ct) =>
        {
            room.Agent = new RoomAgentConnection(AgentOptions(url, keys[room.SiteCode], room), agentLogger);
            await room.Agent.ConnectAsync(ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        RoomDevicesLog.DemoDevicesStarted(logger, _rooms.Count, url);
        _started.TrySetResult(_rooms.Count);

        // One loop polls every room in turn, as each room's own agent would on its timer.
        using var timer = new PeriodicTimer(options.Value.DemoPollInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            foreach (var room in _rooms.Values)
            {
                if (room.Agent is { } agent)
                {
                    await agent.PollAsync(stoppingToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Opens every room's sockets; a taken port stops all of them, with the port and the setting named.</summary>
    private bool StartSimulators(IReadOnlyList<string> sites)
    {
        var portBase = options.Value.DemoDevicePortBase;
        for (var i = 0; i < sites.Count; i++)
        {
            var port = portBase == 0 ? 0 : portBase + i;
            ViscaIpCameraSimulator? camera = null;
            try
            {
                camera = new ViscaIpCameraSimulator(new IPEndPoint(IPAddress.Loopback, port));
                var projector = new PjLinkProjectorSimulator(ProjectorPassword, new IPEndPoint(IPAddress.Loopback, port)) { Name = "Demo " + sites[i] };
                // The three presets every room stores the same way, at positions a viewer can tell apart.
                camera.Camera.StorePreset(CameraPresets.Wide, new PtzPosition(0, 0, 0));
                camera.Camera.StorePreset(CameraPresets.Chair, new PtzPosition(-0x0300, 0x0080, 0x1800));
                camera.Camera.StorePreset(CameraPresets.Speaker, new PtzPosition(0x0400, -0x0040, 0x2800));
                _rooms[sites[i]] = new DemoRoom(sites[i], camera, projector);
            }
            catch (SocketException e)
            {
                var protocol = camera is null ? "UDP" : "TCP";
                if (camera is not null)
                {
                    _ = camera.DisposeAsync();
                }

                RoomDevicesLog.DemoPortTaken(logger, protocol, port, sites[i], sites.Count, portBase, portBase + sites.Count - 1, e);
                return false;
            }
        }

        return true;
    }

    private RoomAgentOptions AgentOptions(string url, string key, DemoRoom room) => new()
    {
        ServerUrl = url,
        AgentKey = key,
        PollInterval = options.Value.DemoPollInterval,
        Devices =
        [
            new DeviceSettings { Id = "camera", Name = "Camera PTZ (mô phỏng)", Kind = DeviceKind.Camera, Driver = DeviceDriver.ViscaIp, Address = room.Camera.EndPoint.ToString() },
            new DeviceSettings
            {
                Id = "projector", Name = "Máy chiếu (mô phỏng)", Kind = DeviceKind.Projector, Driver = DeviceDriver.PjLink, Address = room.Projector.EndPoint.ToString(),
                Password = ProjectorPassword, ConferenceInput = "31",
            },
        ],
    };

    /// <summary>An http address of this server on loopback, from what Kestrel listens on; null under a test host without sockets.</summary>
    private string? ServerUrl()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        var http = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase));
        if (http is null || !Uri.TryCreate(http.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Port <= 0)
        {
            return null;
        }

        var host = uri.Host is "localhost" or "[::]" or "0.0.0.0" or "::" ? "127.0.0.1" : uri.Host;
        return $"http://{host}:{uri.Port}";
    }
}

internal static partial class RoomDevicesLog
{
    [LoggerMessage(EventId = 19000, Level = LogLevel.Information, Message = "Demo room devices: {Rooms} rooms with a simulated camera and projector, their agents connected to {Url}")]
    public static partial void DemoDevicesStarted(ILogger logger, int rooms, string url);

    [LoggerMessage(EventId = 19001, Level = LogLevel.Error,
        Message = "Demo room devices are off: {Protocol} port {Port} on 127.0.0.1 (for site {Site}) is taken. The {Rooms} demo rooms need ports {First}-{Last} (UDP and TCP); set RoomControl:DemoDevicePortBase to a free range, or 0 for system-chosen ports")]
    public static partial void DemoPortTaken(ILogger logger, string protocol, int port, string site, int rooms, int first, int last, Exception exception);

    [LoggerMessage(EventId = 19003, Level = LogLevel.Warning, Message = "Room agent {AgentId}'s presence could not be given to the alarm rules")]
    public static partial void AlarmFeedFailed(ILogger logger, Guid agentId, Exception exception);

    [LoggerMessage(EventId = 19002, Level = LogLevel.Information, Message = "Demo room devices are off: the server has no http address its in-process agents could connect to")]
    public static partial void NoServerAddress(ILogger logger);
}
