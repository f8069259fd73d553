using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Conferencing.Sip;
using Conferencing.Sip.Auth;
using Conferencing.Sip.Stack;
using Conferencing.Sip.Transport;
using Conferencing.Sip.UserAgent;
using Conferencing.Server.Hosting.Supervision;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Endpoints.Presence;

/// <summary>
/// The server's registrar and keepalive: endpoints REGISTER here with their digest credentials, and
/// every registered endpoint (or one whose SIP URI is an IP address) is probed with OPTIONS, so that
/// technicians know which rooms are up before a meeting starts. Presence lives in memory; the
/// bindings are kept in the store (<see cref="RegistrationStore"/>), so the registrar that starts after
/// a restart, or on the node that takes the registrar role over, probes every room at once instead of
/// waiting for its next REGISTER.
/// </summary>
public sealed partial class PresenceService(
    EndpointStore endpoints, RegistrationStore bindings, IOptions<SipServerOptions> options, TimeProvider time, LoopSupervisor supervisor, ILogger<PresenceService> logger)
    : SupervisedService(supervisor, Loop)
{
    /// <summary>The keepalive loop's name under the supervisor.</summary>
    public const string Loop = "presence";

    private readonly ConcurrentDictionary<Guid, EndpointPresence> _presence = new();
    private readonly DigestDirectory _directory = new(endpoints, time, e => Log.DirectoryLoadFailed(logger, e));
    private MalformedLogLimiter? _malformedLog;
    private DateTimeOffset _directoryLoadedUtc = DateTimeOffset.MinValue;
    private SipUserAgent? _agent;

    /// <summary>Raised after an endpoint's state changed.</summary>
    public event Action<EndpointPresence>? Changed;

    /// <summary>The SIP endpoint the registrar listens on, once started.</summary>
    public SipEndPoint? UdpEndPoint => _agent?.Stack.UdpEndPoint;

    /// <summary>Every endpoint's presence (endpoints never heard from are Unknown).</summary>
    public async Task<IReadOnlyList<EndpointPresence>> SnapshotAsync(CancellationToken cancellationToken)
    {
        var all = await endpoints.ListAsync(null, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        return all.Select(e => _presence.TryGetValue(e.Id, out var p) ? p : new EndpointPresence(e.Id, e.SiteCode, e.SipUri, EndpointState.Unknown, null, null, null, null, now, null)).ToList();
    }

    /// <summary>Full reloads of the digest credentials from the store so far (for tests and figures).</summary>
    public long DirectoryLoads => _directory.Loads;

    /// <summary>The registrar's user agent once started (for its figures), else null.</summary>
    public SipUserAgent? Agent => _agent;

    /// <summary>Malformed-message reports left out of the log so far.</summary>
    public long MalformedReportsSuppressed => _malformedLog?.Suppressed ?? 0;

    /// <summary>Presence of one endpoint.</summary>
    public EndpointPresence? Get(Guid endpointId) => _presence.GetValueOrDefault(endpointId);

    /// <summary>Every endpoint heard from so far, as this node knows it.</summary>
    internal IReadOnlyCollection<EndpointPresence> Known => [.. _presence.Values];

    /// <summary>
    /// Takes a change that the registrar on another node of the cluster announced: this node shows
    /// presence to its own dashboards but does not own it.
    /// </summary>
    internal void ApplyFromPeer(EndpointPresence presence)
    {
        ArgumentNullException.ThrowIfNull(presence);
        _presence[presence.EndpointId] = presence;
        RaiseChanged(presence);
    }

    /// <summary>The registrar listens on one node of the cluster at a time.</summary>
    protected override string? Role => Hosting.Cluster.ClusterRoles.Registrar;

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        if (settings.Problems() is [_, ..] problems)
        {
            // The web side stays up: a technician must be able to see why SIP is down.
            Log.SettingsInvalid(logger, string.Join(" ", problems));
            return;
        }

        try
        {
            await RefreshDirectoryAsync(settings, stoppingToken).ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException e)
        {
            Log.RoundFailed(logger, e);
        }

        _malformedLog = new MalformedLogLimiter(settings.MalformedLogInterval);
        _directory.Removed += OnCredentialsRemoved;
        try
        {
            _agent = CreateAgent(settings);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // The web side stays up: a technician must be able to see why SIP is down.
            Log.CannotListen(logger, e, settings.Listen);
            return;
        }

        await RestoreBindingsAsync(stoppingToken).ConfigureAwait(false);
        _agent.Stack.MalformedReceived += OnMalformed;
        _agent.RegistrationChanged += (registration, added) => _ = OnRegistrationSafeAsync(registration, added);
        Log.Listening(logger, _agent.Stack.UdpEndPoint.ToString());
        try
        {
            using var timer = new PeriodicTimer(settings.KeepaliveInterval, time);
            do
            {
                Beat();
                try
                {
                    await RefreshDirectoryAsync(settings, stoppingToken).ConfigureAwait(false);
                    await ProbeAllAsync(settings, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
                {
                    // A store hiccup skips one round; the registrar keeps answering.
                    Log.RoundFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await _agent.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes back the bindings the registrar held before (on this node or the one it took over from).
    /// UDP bindings only: a room on TCP was connected to the registrar that died and opens a new
    /// connection with its next REGISTER anyway. The first keepalive round probes each room.
    /// </summary>
    private async Task RestoreBindingsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<SipRegistration> stored;
        try
        {
            stored = await bindings.LoadAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException e)
        {
            Log.RoundFailed(logger, e);
            return;
        }

        var restored = 0;
        foreach (var binding in stored)
        {
            if (binding.Source.Protocol != Sip.Transport.SipProtocol.Udp || binding.Username is not { } user || _directory.Find(user)?.Endpoint is not { } endpoint
                || !_agent!.RestoreRegistration(binding))
            {
                continue;
            }

            restored++;
            Update(endpoint, previous => previous with
            {
                State = previous.State is EndpointState.Unknown or EndpointState.Offline ? EndpointState.Registered : previous.State,
                Contact = binding.Contact.ToString(),
                RegisteredUntilUtc = binding.ExpiresUtc,
            });
        }

        if (stored.Count > 0)
        {
            Log.BindingsRestored(logger, restored, stored.Count);
        }
    }

    private SipUserAgent CreateAgent(SipServerOptions settings)
    {
        var md5Users = settings.Md5DigestUsers.ToHashSet(StringComparer.Ordinal);
        return new(new SipUserAgentOptions
        {
            User = "registrar",
            Stack = new SipStackOptions
            {
                Bind = settings.ListenEndPoint(), Time = time, Product = "Conferencing registrar",
                MaxTcpConnections = settings.MaxTcpConnections, MaxTcpConnectionsPerAddress = settings.MaxTcpConnectionsPerAddress,
                TcpIdleTimeout = settings.TcpIdleTimeout, MaxMessageBytes = settings.MaxMessageBytes, MaxServerTransactions = settings.MaxServerTransactions,
            },
            Authenticator = new DigestServer(settings.Realm, RandomNumberGenerator.GetBytes(32), time, algorithm: DigestAlgorithm.Sha256),
            PasswordOf = _directory.PasswordOf,
            MayRegister = MayRegister,
            AllowsMd5 = md5Users.Contains,
            Throttle = new AuthThrottle(new AuthThrottleOptions
            {
                FreeFailures = settings.AuthFreeFailures, BlockUserAfter = settings.AuthBlockUserAfter,
                BlockSourceAfter = settings.AuthBlockSourceAfter, BlockFor = settings.AuthBlockFor,
            }, time),
        });
    }

    /// <summary>
    /// The address-of-record rule: a room registers under its digest user name or under the user part
    /// of its configured SIP URI. The host is not compared: rooms put the registrar's address, its DNS
    /// name or the province's SIP domain there, and all of them name this registrar.
    /// </summary>
    private bool MayRegister(string user, Sip.SipUri addressOfRecord)
    {
        var aorUser = addressOfRecord.UnescapedUser;
        if (aorUser is null || _directory.Find(user) is not { } account)
        {
            return false;
        }

        return string.Equals(aorUser, user, StringComparison.Ordinal)
            || (Sip.SipUri.TryParse(account.Endpoint.SipUri, out var configured, out _) && string.Equals(aorUser, configured.UnescapedUser, StringComparison.Ordinal));
    }

    private async Task RefreshDirectoryAsync(SipServerOptions settings, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - _directoryLoadedUtc < settings.DirectoryRefreshInterval)
        {
            return;
        }

        await _directory.LoadAsync(cancellationToken).ConfigureAwait(false);
        _directoryLoadedUtc = now;
    }

    /// <summary>An endpoint lost its credentials: its registration goes too, and a deleted one its presence.</summary>
    private void OnCredentialsRemoved(SipEndpoint endpoint, bool deleted)
    {
        if (endpoint.DigestUsername is { } user)
        {
            _agent?.RemoveRegistration(user);
        }

        if (deleted)
        {
            _presence.TryRemove(endpoint.Id, out _);
        }
    }

    private void OnMalformed(SipEndPoint remote, string reason)
    {
        if (_malformedLog?.ShouldLog(remote.Address.Address, time.GetUtcNow(), out var leftOut) == true)
        {
            Log.Malformed(logger, remote.ToString(), reason, leftOut);
        }
    }

    private async Task OnRegistrationSafeAsync(SipRegistration registration, bool added)
    {
        try
        {
            await OnRegistrationAsync(registration, added).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            Log.RegistrationFailed(logger, e, registration.AddressOfRecord);
        }
    }

    private async Task OnRegistrationAsync(SipRegistration registration, bool added)
    {
        if (registration.Username is not { } user || _directory.Find(user)?.Endpoint is not { } endpoint)
        {
            return;
        }

        if (added)
        {
            await bindings.SaveAsync(registration, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            await bindings.RemoveAsync(user, CancellationToken.None).ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        Update(endpoint, previous => previous with
        {
            // A refresh in the middle of a call keeps the call's state: the relay integration owns it.
            State = added
                ? (previous.State is EndpointState.Reachable or EndpointState.InCall or EndpointState.Degraded ? previous.State : EndpointState.Registered)
                : EndpointState.Offline,
            Contact = added ? registration.Contact.ToString() : null,
            RegisteredUntilUtc = added ? registration.ExpiresUtc : null,
            LastSeenUtc = now,
            Reason = added ? null : "unregistered",
        });
        if (added)
        {
            await ProbeAsync(endpoint, registration.Source, options.Value, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task ProbeAllAsync(SipServerOptions settings, CancellationToken cancellationToken)
    {
        // The registrar holds one binding per digest user; grouping still keeps one bad round from
        // stopping the service should that ever not hold.
        var registrations = _agent!.Registrations.Where(r => r.Username is not null)
            .GroupBy(r => r.Username!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MaxBy(r => r.ExpiresUtc)!, StringComparer.Ordinal);
        var probes = new List<Task>();
        foreach (var endpoint in await endpoints.ListAsync(null, cancellationToken).ConfigureAwait(false))
        {
            SipEndPoint? target = endpoint.DigestUsername is { } user && registrations.TryGetValue(user, out var registration)
                ? registration.Source
                : DirectTarget(endpoint.SipUri);
            if (target is { } destination)
            {
                probes.Add(ProbeAsync(endpoint, destination, settings, cancellationToken));
            }
            else
            {
                ExpireIfSilent(endpoint, settings, "not registered");
            }
        }

        await Task.WhenAll(probes).ConfigureAwait(false);
    }

    private async Task ProbeAsync(SipEndpoint endpoint, SipEndPoint destination, SipServerOptions settings, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.ProbeTimeout);
        SipResponse? response;
        try
        {
            response = await _agent!.OptionsAsync(Sip.SipUri.Parse(endpoint.SipUri), destination, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            response = null;
        }

        if (response is null || response.StatusCode is 408 or 503)
        {
            ExpireIfSilent(endpoint, settings, "no answer to OPTIONS");
            return;
        }

        // Any answer, even 4xx, proves the room system is alive on the network.
        var rtt = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Update(endpoint, previous => previous with
        {
            State = previous.State is EndpointState.InCall or EndpointState.Degraded ? previous.State : EndpointState.Reachable,
            OptionsRoundTripMs = Math.Round(rtt, 2),
            LastSeenUtc = time.GetUtcNow(),
            Reason = null,
        });
    }

    private void ExpireIfSilent(SipEndpoint endpoint, SipServerOptions settings, string reason)
    {
        var now = time.GetUtcNow();
        var current = _presence.GetValueOrDefault(endpoint.Id);
        if (current is null || current.State is EndpointState.Unknown or EndpointState.Offline)
        {
            return;
        }

        // A live registration gives the address, not proof of life: only answers do.
        if (current.LastSeenUtc is not { } seen || now - seen > settings.OfflineAfter)
        {
            Update(endpoint, previous => previous with { State = EndpointState.Offline, Reason = reason, Contact = null });
        }
    }

    /// <summary>
    /// The relay integration's word on an endpoint's call: <see cref="EndpointState.InCall"/>,
    /// <see cref="EndpointState.Degraded"/> (in a call with sustained loss), or null once it is in no
    /// call (it answered a moment ago, so it is Reachable; keepalive takes over from there). Media
    /// flowing in a call is a sign of life too, so <paramref name="mediaFlowing"/> refreshes the
    /// last-seen time the offline check reads.
    /// </summary>
    public void ReportCall(SipEndpoint endpoint, EndpointState? call, string? reason = null, bool mediaFlowing = false)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (call is not (null or EndpointState.InCall or EndpointState.Degraded))
        {
            throw new ArgumentOutOfRangeException(nameof(call), call, "A call is InCall, Degraded or over (null).");
        }

        var now = time.GetUtcNow();
        Update(endpoint, previous => previous with
        {
            State = call ?? (previous.State is EndpointState.InCall or EndpointState.Degraded ? EndpointState.Reachable : previous.State),
            LastSeenUtc = call is not null && mediaFlowing ? now : previous.LastSeenUtc ?? (call is null ? null : now),
            Reason = call is null ? (previous.State is EndpointState.InCall or EndpointState.Degraded ? null : previous.Reason) : reason,
        });
    }

    private void Update(SipEndpoint endpoint, Func<EndpointPresence, EndpointPresence> change)
    {
        var now = time.GetUtcNow();
        EndpointPresence? before = null;
        var after = _presence.AddOrUpdate(endpoint.Id,
            _ => change(new EndpointPresence(endpoint.Id, endpoint.SiteCode, endpoint.SipUri, EndpointState.Unknown, null, null, null, null, now, null)) with { SinceUtc = now },
            (_, previous) =>
            {
                before = previous;
                var next = change(previous);
                return next.State == previous.State ? next : next with { SinceUtc = now };
            });
        if (before is null || before.State != after.State || before.OptionsRoundTripMs != after.OptionsRoundTripMs)
        {
            if (before is null || before.State == EndpointState.Unknown)
            {
                // A province's rooms all come up at start: one line each would bury the start-up log.
                Log.FirstSeen(logger, endpoint.SipUri, after.State, after.Reason);
            }
            else if (before.State != after.State)
            {
                Log.StateChanged(logger, endpoint.SipUri, before.State, after.State, after.Reason);
            }

            RaiseChanged(after);
        }
    }

    /// <summary>Every listener hears the change, even when one before it throws (that one is logged once and skipped).</summary>
    private void RaiseChanged(EndpointPresence presence)
    {
        if (Changed is not { } handlers)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<Action<EndpointPresence>>())
        {
            try
            {
                handler(presence);
            }
            catch (Exception e)
            {
                Supervisor.Skipped(Loop + ".listeners", handler.Method.DeclaringType?.Name ?? "listener", e);
            }
        }
    }

    /// <summary>An endpoint configured with an IP address can be probed without registering.</summary>
    private static SipEndPoint? DirectTarget(string sipUri) =>
        Sip.SipUri.TryParse(sipUri, out var uri, out _) && IPAddress.TryParse(uri.HostWithoutBrackets, out var address)
            ? new SipEndPoint(string.Equals(uri.Parameters["transport"], "tcp", StringComparison.OrdinalIgnoreCase) ? SipProtocol.Tcp : SipProtocol.Udp, new IPEndPoint(address, uri.Port ?? 5060))
            : null;

    private static partial class Log
    {
        [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "SIP registrar listening on {EndPoint}")]
        public static partial void Listening(ILogger logger, string endPoint);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Endpoint {SipUri}: {Before} -> {After} ({Reason})")]
        public static partial void StateChanged(ILogger logger, string sipUri, EndpointState before, EndpointState after, string? reason);

        [LoggerMessage(EventId = 5010, Level = LogLevel.Debug, Message = "Endpoint {SipUri} first seen: {After} ({Reason})")]
        public static partial void FirstSeen(ILogger logger, string sipUri, EndpointState after, string? reason);

        [LoggerMessage(EventId = 5004, Level = LogLevel.Critical, Message = "SIP registrar cannot listen on {Listen}; endpoints cannot register")]
        public static partial void CannotListen(ILogger logger, Exception exception, string listen);

        [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "Keepalive round failed")]
        public static partial void RoundFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 5006, Level = LogLevel.Error, Message = "Could not record the registration of {AddressOfRecord}")]
        public static partial void RegistrationFailed(ILogger logger, Exception exception, string addressOfRecord);

        [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Dropped malformed SIP from {Remote}: {Reason} ({LeftOut} more from this address left out of the log since its last line)")]
        public static partial void Malformed(ILogger logger, string remote, string reason, long leftOut);

        [LoggerMessage(EventId = 5100, Level = LogLevel.Error, Message = "Could not reload the endpoints' digest credentials")]
        public static partial void DirectoryLoadFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 5101, Level = LogLevel.Critical, Message = "SIP registrar not started, its settings are invalid: {Problems}")]
        public static partial void SettingsInvalid(ILogger logger, string problems);

        [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "SIP registrar took back {Restored} of {Stored} stored registrations")]
        public static partial void BindingsRestored(ILogger logger, int restored, int stored);
    }
}
