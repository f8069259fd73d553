using System.Collections.Concurrent;
using Conferencing.Server.Demo;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Hosting.Supervision;
using Conferencing.Server.Sites;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Simulator;

/// <summary>
/// In the demo, every endpoint with digest credentials gets a simulated room that registers with the
/// server's registrar, so the province comes alive on the technicians' screens without hardware.
/// Rooms can be stopped and started to show an endpoint dropping out.
/// </summary>
public sealed partial class RoomSimulatorService(
    EndpointStore endpoints, PresenceService presence, IOptions<DemoOptions> demo, ILoggerFactory loggers, LoopSupervisor supervisor, ILogger<RoomSimulatorService> logger,
    SiteStore sites, SimulatedVideoLibrary video)
    : SupervisedService(supervisor, Loop)
{
    /// <summary>The simulator's loop name under the supervisor.</summary>
    public const string Loop = "simulator";

    /// <summary>How long the simulated rooms register for: 120 s, so a stopped room lapses quickly in the demo.</summary>
    public static readonly TimeSpan RegistrationInterval = TimeSpan.FromSeconds(120);

    private readonly ConcurrentDictionary<Guid, SimulatedRoom> _rooms = new();

    /// <summary>The simulated rooms by endpoint id.</summary>
    public IReadOnlyDictionary<Guid, SimulatedRoom> Rooms => _rooms;

    /// <summary>Starts (again) the simulated room of an endpoint.</summary>
    public async Task<bool> StartRoomAsync(Guid endpointId, CancellationToken cancellationToken)
    {
        if (_rooms.ContainsKey(endpointId) || presence.UdpEndPoint is not { } registrar
            || await endpoints.GetAsync(endpointId, cancellationToken).ConfigureAwait(false) is not { DigestUsername: { } user } endpoint
            || endpoints.RevealPassword(endpoint) is not { } password)
        {
            return false;
        }

        // The site's name for the camera's picture; the clip itself is made when the room first sends video.
        var name = (await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false)).TryGet(endpoint.SiteCode, out var site) ? site.Name : endpoint.DisplayName;
        var camera = new SimulatedMediaOptions { Clip = () => video.ClipAsync(endpoint.SiteCode, name) };
        var room = new SimulatedRoom(user, password, registrar, RegistrationInterval, loggers.CreateLogger<SimulatedRoom>(), media: camera);
        if (!_rooms.TryAdd(endpointId, room))
        {
            await room.DisposeAsync().ConfigureAwait(false);
            return false;
        }

        try
        {
            room.Start();
        }
        catch (System.Net.Sockets.SocketException e)
        {
            _rooms.TryRemove(endpointId, out _);
            await room.DisposeAsync().ConfigureAwait(false);
            Log.CannotStart(logger, e, user);
            return false;
        }

        return true;
    }

    /// <summary>Stops a simulated room abruptly: no unregister, no BYE.</summary>
    public async Task<bool> StopRoomAsync(Guid endpointId)
    {
        if (!_rooms.TryRemove(endpointId, out var room))
        {
            return false;
        }

        await room.DisposeAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>The simulated rooms register with the registrar, so they run where it does.</summary>
    protected override string? Role => Hosting.Cluster.ClusterRoles.Registrar;

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        if (!demo.Value.Enabled || !demo.Value.SimulateRooms)
        {
            return;
        }

        // Wait for the registrar to be listening.
        while (presence.UdpEndPoint is null && !stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(100, stoppingToken).ConfigureAwait(false);
        }

        var started = 0;
        foreach (var endpoint in await endpoints.ListAsync(null, stoppingToken).ConfigureAwait(false))
        {
            if (await StartRoomAsync(endpoint.Id, stoppingToken).ConfigureAwait(false))
            {
                started++;
            }
        }

        Log.Started(logger, started);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var id in _rooms.Keys.ToList())
        {
            await StopRoomAsync(id).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Simulated room {User} could not open its sockets")]
        public static partial void CannotStart(ILogger logger, Exception exception, string user);

        [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "{Count} simulated room systems started")]
        public static partial void Started(ILogger logger, int count);
    }
}
