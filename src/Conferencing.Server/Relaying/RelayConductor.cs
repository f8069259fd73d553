using System.Collections.Immutable;
using System.Threading.Channels;
using Conferencing.Relay;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Meetings;
using Conferencing.Server.Reports;
using Conferencing.Server.Sites;
using Conferencing.Server.Hosting.Supervision;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Relaying;

/// <summary>
/// Drives the relays towards what the meetings in the store need, and turns what the relays report
/// into live call state, presence, history and quality.
/// <para>
/// One loop owns all of it: meeting changes (from <see cref="MeetingEvents"/>), relay events and
/// health, command results, presence changes and a periodic re-read of the store all arrive as
/// inputs on one channel, and after each batch a reconciliation pass compares every active
/// meeting's plan (<see cref="MeetingPlan"/>) with each relay's state and issues what is missing:
/// open the meeting, link a child relay to its parent, dial an endpoint, set the program, close what
/// should not be open. Nothing is remembered as a command to replay: a relay that comes back empty,
/// or a server that restarts with live meetings in the store, converges by the same pass. Commands
/// run in the background and report back as inputs, so a slow relay never stalls the loop.
/// </para>
/// </summary>
public sealed partial class RelayConductor : SupervisedService
{
    /// <summary>The conductor's loop name under the supervisor.</summary>
    public const string Loop = "conductor";

    /// <summary>The loop that sends the reconcile ticks.</summary>
    public const string TickLoop = "conductor.ticks";

    /// <summary>The loop that writes call history and quality to the store.</summary>
    public const string WriteLoop = "conductor.writes";

    private const string ParentLeg = ConductorPlanner.ParentLeg;

    private readonly Channel<Input> _inputs = Channel.CreateUnbounded<Input>(new UnboundedChannelOptions { SingleReader = true });
    private readonly MeetingEvents _events;
    private readonly MeetingService _meetingService;
    private readonly SiteStore _sites;
    private readonly EndpointStore _endpointStore;
    private readonly RegisteredRelayStore _relayStore;
    private readonly PresenceService _presence;
    private readonly RelayNode _local;
    private readonly LiveCalls _live;
    private readonly CallHistoryStore _history;
    private readonly MeetingQualityStore _quality;
    private readonly CallHoldStore _holds;
    private readonly RelayingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;

    // Everything below belongs to the loop.
    private readonly Dictionary<string, RelayConnection> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RelayView> _views = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, Meeting> _meetings = [];
    private readonly Dictionary<Guid, MeetingPlan> _plans = [];
    private readonly Dictionary<string, MeetingPlan> _plansByNumber = new(StringComparer.Ordinal);
    private readonly RelayCommandExecutor _executor;

    // Per meeting, what the passes remember (read from other threads only for holds).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, MeetingConductorState> _states = new();
    private Dictionary<Guid, System.Collections.Immutable.ImmutableHashSet<Guid>> _storedHolds = [];
    private readonly HashSet<Guid> _dirty = [];
    private readonly CallQualityAccumulator _accumulator;
    private readonly Channel<Func<CancellationToken, Task>> _writes = Channel.CreateUnbounded<Func<CancellationToken, Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<Guid, SipEndpoint> _endpointRecords = [];
    private Dictionary<Guid, EndpointInfo> _endpoints = [];
    private Dictionary<string, EndpointInfo> _endpointsByUser = new(StringComparer.Ordinal);
    private RelayTopology? _topology;
    private IReadOnlyList<RegisteredRelay> _registered = [];
    private bool _worldLoaded;
    private int _generation;
    private DateTimeOffset _lastQualityFlush;
    private CancellationToken _stopping;
    private Task? _writer;

    public RelayConductor(
        MeetingEvents events, MeetingService meetings, SiteStore sites, EndpointStore endpoints, RegisteredRelayStore relays, PresenceService presence,
        RelayNode local, LiveCalls live, CallHistoryStore history, MeetingQualityStore quality, CallHoldStore holds, IOptions<RelayingOptions> options, TimeProvider time,
        LoopSupervisor supervisor, ILoggerFactory loggers)
        : base(supervisor, Loop)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _events = events;
        _meetingService = meetings;
        _sites = sites;
        _endpointStore = endpoints;
        _relayStore = relays;
        _presence = presence;
        _local = local;
        _live = live;
        _history = history;
        _quality = quality;
        _holds = holds;
        _options = options.Value;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<RelayConductor>();
        _accumulator = new CallQualityAccumulator(_options.HistoryBucket);
        _executor = new RelayCommandExecutor((completed, completion) =>
        {
            if (!_inputs.Writer.TryWrite(new CommandInput(completed, completion)))
            {
                completion?.TrySetException(new InvalidOperationException("The relay conductor has stopped."));
            }
        });
    }

    /// <summary>The health of every relay the server knows, by name (the in-process one included).</summary>
    public IReadOnlyDictionary<string, RelayStatus> RelayStatuses => Volatile.Read(ref _statuses);

    private IReadOnlyDictionary<string, RelayStatus> _statuses = new Dictionary<string, RelayStatus>();

    /// <summary>Raised after <see cref="RelayStatuses"/> changed on this node's loop (the cluster forwards it).</summary>
    public event Action<IReadOnlyCollection<RelayStatus>>? StatusesChanged;

    /// <summary>
    /// Takes the relays' health as the node driving them reports it: a node without the conductor
    /// role shows its dashboards and the relay API what the cluster's conductor sees.
    /// </summary>
    public void ApplyStatusesFromPeer(IReadOnlyCollection<RelayStatus> statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        Volatile.Write(ref _statuses, statuses.ToDictionary(s => s.Key, StringComparer.Ordinal));
    }

    /// <summary>The in-process relay's name.</summary>
    public string LocalName => _local.Name;

    /// <summary>The site the in-process relay serves (the root of the site tree).</summary>
    public string LocalSiteCode => Volatile.Read(ref _localInfo)?.SiteCode ?? "";

    /// <summary>host:port of the in-process relay's SIP, as endpoints dial in to it.</summary>
    public string LocalSipAddress => Volatile.Read(ref _localInfo)?.SipAddress ?? "";

    /// <summary>The digest user the in-process relay would call a parent with.</summary>
    public string LocalSipUser => _local.Options.SipUser;

    private RelayNodeInfo? _localInfo;

    /// <summary>Hangs up an endpoint's call in a live meeting, or cuts its wait short, so that it is dialled again now.</summary>
    public void Redial(Guid meetingId, Guid endpointId)
    {
        if (Elsewhere)
        {
            ForwardQuietly(new RemoteAction("redial-now", meetingId, endpointId, null, false));
            return;
        }

        _inputs.Writer.TryWrite(new RedialInput(meetingId, endpointId));
    }

    /// <summary>Wakes the loop to re-read the store now (a relay was registered or changed, a test needs it at once).</summary>
    public void Refresh() => _inputs.Writer.TryWrite(new RefreshInput());

    /// <summary>
    /// One incarnation of the loop. After a failure the supervisor starts it again: the relay
    /// connections are made anew (the relays keep their meetings and calls meanwhile; the first
    /// snapshot of each brings the views back), and the first pass reconciles from there, as after a
    /// server restart but without touching a single call. The store writer lives across incarnations,
    /// so queued history is not lost.
    /// </summary>
    /// <summary>One node of the cluster drives the relays.</summary>
    protected override string? Role => Hosting.Cluster.ClusterRoles.Conductor;

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        // Started again after this node lost the conductor role and took it back.
        if (_writer is { IsCompleted: true })
        {
            _writer = null;
        }

        _writer ??= Task.Run(() => Supervisor.RunAsync(WriteLoop, _ => WriteLoopAsync(stoppingToken), CancellationToken.None), CancellationToken.None);
        using var incarnation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var subscription = _events.Subscribe(OnMeetingChangedAsync);
        _presence.Changed += OnPresenceChanged;
        _relayStore.Changed += Refresh;
        var ticker = Task.Run(() => Supervisor.RunAsync(TickLoop, TickLoopAsync, incarnation.Token), CancellationToken.None);
        try
        {
            Connect(RelayTopology.LocalKey, _local.Name, _local, null);
            _inputs.Writer.TryWrite(new RefreshInput());
            _driving = true;
            await LoopAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _driving = false;
            _presence.Changed -= OnPresenceChanged;
            _relayStore.Changed -= Refresh;
            await incarnation.CancelAsync().ConfigureAwait(false);
            foreach (var connection in _connections.Values)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            _connections.Clear();
            _views.Clear();
            _executor.Clear();
            _worldLoaded = false;
            await ticker.ConfigureAwait(false);
            if (stoppingToken.IsCancellationRequested)
            {
                FlushQuality(final: true);
                _writes.Writer.TryComplete();
                await _writer.ConfigureAwait(false);
            }
        }
    }

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        var reader = _inputs.Reader;
        while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
        {
            Beat();
            var reconcile = false;
            while (reader.TryRead(out var input))
            {
                try
                {
                    reconcile |= await HandleAsync(input, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // One bad input must not stop the relays being driven.
                    Supervisor.Skipped(Loop, input.GetType().Name, e);
                }
            }

            if (reconcile && _worldLoaded)
            {
                Reconcile();
            }

            PublishDirty();
        }
    }

    private async Task<bool> HandleAsync(Input input, CancellationToken cancellationToken)
    {
        switch (input)
        {
            case RefreshInput:
                await RefreshWorldAsync(cancellationToken).ConfigureAwait(false);
                return true;
            case TickInput:
                OnTick();
                return true;
            case MeetingInput m:
                if (NeedsFreshWorld(m.Meeting))
                {
                    // A meeting about to be opened is planned from the store as it is now: an endpoint
                    // added a moment ago is dialled and in the relay's dial-in list from the start,
                    // not only after the next periodic refresh.
                    await RefreshWorldAsync(cancellationToken).ConfigureAwait(false);
                }

                AcceptMeeting(m.Meeting);
                return true;
            case RelayEventInput e:
                return OnRelayEvent(e);
            case HealthInput h:
                return OnHealth(h);
            case CommandInput c:
                OnCommandCompleted(c.Completed, c.Completion);
                return true;
            case SubmitInput submit:
                Submit(submit.Command, submit.Completion);
                return false;
            case PresenceInput p:
                return OnPresence(p.Presence);
            case RedialInput redial:
                // A held endpoint has no call: releasing it is enough for this pass to dial it. Done
                // here, on the loop, so no pass between the release and the redial dials it only for
                // the redial to hang that fresh call up again.
                var wasHeld = redial.Release && Release(redial.MeetingId, redial.EndpointId);
                OnRedial(redial.MeetingId, redial.EndpointId, hangUp: !wasHeld);
                return true;
            case LoopInput work:
                work.Run();
                return false;
            case SeedInput seed:
                foreach (var stored in seed.Stored)
                {
                    _accumulator.Seed(stored);
                }

                return false;
            default:
                return false;
        }
    }

    // ---- inputs from outside the loop ----------------------------------------------------------

    private Task OnMeetingChangedAsync(MeetingChanged change, CancellationToken cancellationToken)
    {
        // Under the meeting's lock: hand over and return; the loop does the work.
        _inputs.Writer.TryWrite(new MeetingInput(change.Meeting));
        return Task.CompletedTask;
    }

    private void OnPresenceChanged(EndpointPresence presence) => _inputs.Writer.TryWrite(new PresenceInput(presence));

    private async Task TickLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.ReconcileInterval, _time);
        var lastRefresh = _time.GetUtcNow();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Supervisor.Beat(TickLoop);
                _inputs.Writer.TryWrite(new TickInput());
                if (_time.GetUtcNow() - lastRefresh >= _options.RefreshInterval)
                {
                    lastRefresh = _time.GetUtcNow();
                    _inputs.Writer.TryWrite(new RefreshInput());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnTick()
    {
        var now = _time.GetUtcNow();
        foreach (var (meetingId, bucket) in _accumulator.TakeBuckets(now))
        {
            QueueHistory(meetingId, [bucket]);
        }

        if (now - _lastQualityFlush >= _options.QualityFlushInterval)
        {
            _lastQualityFlush = now;
            FlushQuality(final: false);
        }
    }

    // ---- the store ------------------------------------------------------------------------------

    /// <summary>
    /// Re-reads what plans are made of: the site tree, endpoints (with their digest secrets, for the
    /// relays' dial-in lists), registered relays, and the active meetings. A meeting the loop follows
    /// that is no longer active was ended elsewhere (another node, or while this one was down).
    /// </summary>
    private async Task RefreshWorldAsync(CancellationToken cancellationToken)
    {
        SiteTree tree;
        IReadOnlyList<SipEndpoint> endpoints;
        IReadOnlyList<RegisteredRelay> relays;
        List<Meeting> active;
        IReadOnlyList<CallHold> holds;
        try
        {
            holds = await _holds.ListAsync(cancellationToken).ConfigureAwait(false);
            tree = await _sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
            endpoints = await _endpointStore.ListAsync(null, cancellationToken).ConfigureAwait(false);
            relays = await _relayStore.ListAsync(cancellationToken).ConfigureAwait(false);
            active = [
                .. await _meetingService.ListAsync(new MeetingQuery(Status: MeetingStatus.Preparing, Limit: 5000), cancellationToken).ConfigureAwait(false),
                .. await _meetingService.ListAsync(new MeetingQuery(Status: MeetingStatus.Live, Limit: 5000), cancellationToken).ConfigureAwait(false),
            ];
            foreach (var id in _meetings.Keys.Except(active.Select(m => m.Id)).ToList())
            {
                if (await _meetingService.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } gone)
                {
                    active.Add(gone);
                }
            }
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            // The relays keep what they have; the next refresh tries again.
            Log.RefreshFailed(_logger, e);
            return;
        }

        _storedHolds = holds.GroupBy(h => h.MeetingId).ToDictionary(g => g.Key, g => g.Select(h => h.EndpointId).ToImmutableHashSet());
        foreach (var state in _states.Values)
        {
            // The store is the authority: a hold set or released by another node (or before a restart) holds here too.
            state.Held = _storedHolds.GetValueOrDefault(state.MeetingId, []);
        }

        _endpointRecords.Clear();
        var infos = new Dictionary<Guid, EndpointInfo>();
        foreach (var endpoint in endpoints)
        {
            string? password = null;
            try
            {
                password = _endpointStore.RevealPassword(endpoint);
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                Log.SecretUnreadable(_logger, e, endpoint.SipUri);
            }

            infos[endpoint.Id] = new EndpointInfo(endpoint.Id, endpoint.SiteCode, endpoint.SipUri, endpoint.DigestUsername, password);
            _endpointRecords[endpoint.Id] = endpoint;
        }

        _endpoints = infos;
        _endpointsByUser = infos.Values.Where(e => e.DigestUser is not null).GroupBy(e => e.DigestUser!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        SyncConnections(relays);
        _registered = relays;
        var local = LocalInfo(tree);
        Volatile.Write(ref _localInfo, local);
        _topology = new RelayTopology(tree, local, relays.Select(r => new RelayNodeInfo(
            r.Id.ToString("N"), r.Name, r.SiteCode, r.SipAddress, r.SipUser, TryReveal(() => _relayStore.RevealSipPassword(r), r.Name))));
        foreach (var meeting in active)
        {
            AcceptMeeting(meeting);
        }

        if (!_worldLoaded)
        {
            _worldLoaded = true;
            Log.Resuming(_logger, _meetings.Count);
        }

        RebuildPlans();
    }

    private string? TryReveal(Func<string> reveal, string what)
    {
        try
        {
            return reveal();
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            Log.SecretUnreadable(_logger, e, what);
            return null;
        }
    }

    private RelayNodeInfo LocalInfo(SiteTree tree)
    {
        var bound = _local.SipEndPoint.Address;
        var address = _options.DialInAddress ?? $"{(bound.Address.Equals(System.Net.IPAddress.Any) ? _local.MediaAddress : bound.Address)}:{bound.Port}";
        return new RelayNodeInfo(RelayTopology.LocalKey, _local.Name, tree.Roots.FirstOrDefault()?.Code ?? "", address, _local.Options.SipUser, _local.Options.SipPassword);
    }

    /// <summary>True for a meeting that starts to need the relays, or changes while they prepare it (not for a floor change in a live one).</summary>
    private bool NeedsFreshWorld(Meeting meeting) => _meetings.TryGetValue(meeting.Id, out var known)
        ? known.Version < meeting.Version && (known.Status != meeting.Status || known.Status == MeetingStatus.Preparing)
        : meeting.Status is MeetingStatus.Preparing or MeetingStatus.Live;

    /// <summary>Takes a newer version of a meeting; an ended or cancelled one is followed until its relays closed it.</summary>
    private void AcceptMeeting(Meeting meeting)
    {
        if (_meetings.TryGetValue(meeting.Id, out var known) && known.Version >= meeting.Version)
        {
            return;
        }

        if (known is null && meeting.Status is not (MeetingStatus.Preparing or MeetingStatus.Live))
        {
            // Scheduled ones need nothing from the relays yet; ended ones the loop never ran.
            return;
        }

        if (known is null)
        {
            // After a restart in the middle of a meeting, the summary goes on from what was stored.
            SeedQuality(meeting.Id);
        }

        _meetings[meeting.Id] = meeting;
        RebuildPlan(meeting);
    }

    private void RebuildPlans()
    {
        foreach (var meeting in _meetings.Values.ToList())
        {
            RebuildPlan(meeting);
        }
    }

    private void RebuildPlan(Meeting meeting)
    {
        if (_topology is null)
        {
            return;
        }

        if (_plans.Remove(meeting.Id, out var old))
        {
            _plansByNumber.Remove(old.Number);
        }

        if (MeetingPlan.Build(meeting, _topology, [.. _endpoints.Values], _options.CentralUser, _options.CentralPassword) is { } plan)
        {
            _plans[meeting.Id] = plan;
            _plansByNumber[plan.Number] = plan;
        }

        _dirty.Add(meeting.Id);
    }

    private void SeedQuality(Guid meetingId) => _writes.Writer.TryWrite(async cancellationToken =>
    {
        var stored = await _quality.ListAsync(meetingId, cancellationToken).ConfigureAwait(false);
        if (stored.Count > 0)
        {
            _inputs.Writer.TryWrite(new SeedInput(stored));
        }
    });

    // ---- connections ----------------------------------------------------------------------------

    private void SyncConnections(IReadOnlyList<RegisteredRelay> relays)
    {
        var wanted = relays.ToDictionary(r => r.Id.ToString("N"), StringComparer.Ordinal);
        foreach (var key in _connections.Keys.Where(k => k != RelayTopology.LocalKey).ToList())
        {
            var before = _registered.FirstOrDefault(r => r.Id.ToString("N") == key);
            if (!wanted.TryGetValue(key, out var now) || before is null || before.ControlUrl != now.ControlUrl
                || before.ProtectedApiKey != now.ProtectedApiKey || before.Name != now.Name)
            {
                Disconnect(key);
            }
        }

        foreach (var (key, relay) in wanted)
        {
            if (_connections.ContainsKey(key))
            {
                continue;
            }

            var apiKey = TryReveal(() => _relayStore.RevealApiKey(relay), relay.Name);
            if (apiKey is null)
            {
                continue;
            }

            var tls = _options.Tls.TryGetValue(relay.Name, out var configured) ? configured : null;
            var http = new HttpClient(RelayTls.Handler(tls), disposeHandler: true) { BaseAddress = new Uri(relay.ControlUrl), Timeout = _options.CommandTimeout };
            var control = new Conferencing.Relay.Http.RelayHttpClient(http, apiKey, _loggers.CreateLogger("Conferencing.Relay.Http"));
            Connect(key, relay.Name, control, http, RelayTls.Handler(tls));
        }
    }

    private void Connect(string key, string name, IRelayControl control, HttpClient? http, HttpMessageHandler? probeHandler = null)
    {
        var generation = ++_generation;
        var connection = new RelayConnection(key, name, control, generation, http, probeHandler, _options.ProbeInterval,
            (c, e) => _inputs.Writer.TryWrite(new RelayEventInput(c.Key, c.Generation, e)),
            (c, h, error) => _inputs.Writer.TryWrite(new HealthInput(c.Key, c.Generation, h, error)),
            _logger);
        _connections[key] = connection;
        _views[key] = new RelayView(name, generation);
        connection.Start();
        PublishStatuses();
    }

    private void Disconnect(string key)
    {
        if (_connections.Remove(key, out var connection))
        {
            _ = connection.DisposeAsync().AsTask();
        }

        _views.Remove(key);
        PublishStatuses();
    }

    private int GenerationOf(string relay) => _views.TryGetValue(relay, out var view) ? view.Generation : -1;

    private void PublishStatuses()
    {
        var statuses = new Dictionary<string, RelayStatus>(StringComparer.Ordinal);
        foreach (var (key, view) in _views)
        {
            statuses[key] = new RelayStatus(key, view.Name, view.Health, view.Error, view.HealthSinceUtc, view.Meetings.Count,
                view.Meetings.Values.Sum(m => m.Legs.Values.Count(l => l.State == LegState.Connected)));
        }

        var previous = Volatile.Read(ref _statuses);
        Volatile.Write(ref _statuses, statuses);
        if (previous.Count != statuses.Count || statuses.Any(s => !previous.TryGetValue(s.Key, out var before) || before != s.Value))
        {
            StatusesChanged?.Invoke(statuses.Values);
        }
    }

    private async Task WriteLoopAsync(CancellationToken stoppingToken)
    {
        await foreach (var write in _writes.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            Supervisor.Beat(WriteLoop);
            try
            {
                // Writes still queued at shutdown get a few seconds of their own.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await write(stoppingToken.IsCancellationRequested ? timeout.Token : stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException or OperationCanceledException or Common.DomainException)
            {
                Log.WriteFailed(_logger, e);
            }
            catch (Exception e)
            {
                Supervisor.Skipped(WriteLoop, "a history or quality write", e);
            }
        }
    }

    private abstract record Input;

    private sealed record RefreshInput : Input;

    private sealed record TickInput : Input;

    private sealed record MeetingInput(Meeting Meeting) : Input;

    private sealed record RelayEventInput(string Relay, int Generation, RelayEvent Event) : Input;

    private sealed record HealthInput(string Relay, int Generation, RelayHealth Health, string? Error) : Input;

    private sealed record PresenceInput(EndpointPresence Presence) : Input;

    private sealed record RedialInput(Guid MeetingId, Guid EndpointId, bool Release = false) : Input;

    private sealed record SeedInput(IReadOnlyList<MeetingSiteQuality> Stored) : Input;
}

/// <summary>How the server reaches one relay, for the admin API and the dashboard.</summary>
/// <param name="Key">"local" or the registered relay's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Health">Up, down, refused, or not yet heard from.</param>
/// <param name="Error">Why it is not up, else null.</param>
/// <param name="SinceUtc">When the health last changed.</param>
/// <param name="Meetings">Meetings open on it.</param>
/// <param name="ConnectedLegs">Legs connected on it.</param>
public sealed record RelayStatus(string Key, string Name, RelayHealth Health, string? Error, DateTimeOffset SinceUtc, int Meetings, int ConnectedLegs);
