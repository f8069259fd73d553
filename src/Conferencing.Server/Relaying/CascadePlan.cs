using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;

namespace Conferencing.Server.Relaying;

/// <summary>A relay as the planner sees it: where it sits and how its children reach it.</summary>
/// <param name="Key">"local" for the in-process relay, else the registered relay's id.</param>
/// <param name="Name">Its name for screens and logs.</param>
/// <param name="SiteCode">The site it serves (with the subtree under it, down to the next relay).</param>
/// <param name="SipAddress">host:port its SIP listens on, where child relays dial it.</param>
/// <param name="SipUser">The digest user it dials its parent with.</param>
/// <param name="SipPassword">That user's password, for the parent's dial-in list.</param>
public sealed record RelayNodeInfo(string Key, string Name, string SiteCode, string SipAddress, string SipUser, string? SipPassword);

/// <summary>An endpoint as the planner sees it, with its digest secret in clear (memory only).</summary>
public sealed record EndpointInfo(Guid Id, string SiteCode, string SipUri, string? DigestUser, string? DigestPassword)
{
    /// <summary>The leg id the relay gives this endpoint's call: its site code and the start of its id, so relay logs read well.</summary>
    public string LegId { get; } = (SiteCode.Length > 54 ? SiteCode[..54] : SiteCode) + "." + Id.ToString("N")[..8];
}

/// <summary>
/// Which relay serves which site. A site is served by the nearest registered relay at or above it;
/// the in-process relay serves what no registered relay covers (the province root by default), so
/// a province with no relay hosts of its own still runs every meeting from the server.
/// </summary>
public sealed class RelayTopology
{
    /// <summary>The key of the in-process relay.</summary>
    public const string LocalKey = "local";

    private readonly SiteTree _tree;
    private readonly Dictionary<string, RelayNodeInfo> _bySite;
    private readonly Dictionary<string, RelayNodeInfo> _byKey;

    public RelayTopology(SiteTree tree, RelayNodeInfo local, IEnumerable<RelayNodeInfo> registered)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(local);
        _tree = tree;
        _bySite = new Dictionary<string, RelayNodeInfo>(StringComparer.Ordinal);
        _byKey = new Dictionary<string, RelayNodeInfo>(StringComparer.Ordinal) { [local.Key] = local };
        foreach (var relay in registered ?? [])
        {
            if (tree.TryGet(relay.SiteCode, out _))
            {
                _bySite[relay.SiteCode] = relay;
                _byKey[relay.Key] = relay;
            }
        }

        Local = local;
    }

    public RelayNodeInfo Local { get; }

    public SiteTree Tree => _tree;

    public IReadOnlyCollection<RelayNodeInfo> Relays => _byKey.Values;

    public RelayNodeInfo Get(string key) => _byKey[key];

    public bool TryGet(string key, out RelayNodeInfo relay) => _byKey.TryGetValue(key, out relay!);

    /// <summary>The relay serving a site: the nearest registered one at or above it, else the in-process one.</summary>
    public RelayNodeInfo ServingRelay(string siteCode)
    {
        if (!_tree.TryGet(siteCode, out _))
        {
            return Local;
        }

        var path = _tree.PathTo(siteCode);
        for (var i = path.Count - 1; i >= 0; i--)
        {
            if (_bySite.TryGetValue(path[i].Code, out var relay))
            {
                return relay;
            }
        }

        return Local;
    }

    /// <summary>The relay above another: the one serving its site's parent; null at the top.</summary>
    public RelayNodeInfo? ParentOf(RelayNodeInfo relay)
    {
        ArgumentNullException.ThrowIfNull(relay);
        if (relay.Key == LocalKey || !_tree.TryGet(relay.SiteCode, out var site) || site.ParentCode is not { } parent)
        {
            return null;
        }

        var above = ServingRelay(parent);

        // The in-process relay sits above a registered one only when no registered relay serves the root.
        return above.Key == relay.Key ? null : above;
    }

    /// <summary>The relay serving the root of a site's tree: where central's feed enters.</summary>
    public RelayNodeInfo RootRelay(string siteCode) =>
        _tree.TryGet(siteCode, out _) ? ServingRelay(_tree.PathTo(siteCode)[0].Code) : Local;
}

/// <summary>One relay's part in a meeting.</summary>
public sealed class PlannedRelay(RelayNodeInfo node)
{
    public RelayNodeInfo Node { get; } = node;

    public string Key => Node.Key;

    /// <summary>The relay above in this meeting's cascade; null for the top.</summary>
    public string? ParentKey { get; set; }

    public List<string> ChildKeys { get; } = [];

    /// <summary>Endpoints this relay dials.</summary>
    public List<EndpointInfo> Endpoints { get; } = [];

    /// <summary>Digest users allowed to dial in: its endpoints, its child relays, and central at the top.</summary>
    public Dictionary<string, string> DialIn { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// What a meeting needs from the relays: which relays take part, how they are linked (each child
/// dials its parent), which endpoints each one dials, and where the program comes from. Built from
/// the stored meeting, the site tree, the registered relays and the endpoints, and rebuilt whenever
/// any of them changes; the conductor drives the relays towards it.
/// </summary>
public sealed class MeetingPlan
{
    private readonly Dictionary<string, string> _siteRelay = new(StringComparer.Ordinal);

    private MeetingPlan(Meeting meeting, MeetingDialIn dialIn)
    {
        Meeting = meeting;
        DialIn = dialIn;
    }

    public Meeting Meeting { get; }

    public Guid MeetingId => Meeting.Id;

    public MeetingDialIn DialIn { get; }

    public string Number => DialIn.Number;

    /// <summary>The relay at the top of this meeting's cascade: the lowest one every site can be reached from.</summary>
    public string TopKey { get; private set; } = RelayTopology.LocalKey;

    public Dictionary<string, PlannedRelay> Relays { get; } = new(StringComparer.Ordinal);

    /// <summary>Central's feed comes into the top relay (relayed meetings); otherwise the host site is the meeting's own feed.</summary>
    public bool CentralFeed => Meeting.Kind == MeetingKind.RelayedFromCentral;

    /// <summary>Every planned endpoint, by leg id.</summary>
    public Dictionary<string, (EndpointInfo Endpoint, string RelayKey)> EndpointsByLeg { get; } = new(StringComparer.Ordinal);

    /// <summary>The relay whose endpoints include a site's, or null for a site with none.</summary>
    public string? RelayOfSite(string siteCode) => _siteRelay.GetValueOrDefault(siteCode);

    /// <summary>Builds the plan; null for a meeting without a dial-in number yet.</summary>
    public static MeetingPlan? Build(Meeting meeting, RelayTopology topology, IReadOnlyList<EndpointInfo> endpoints, string? centralUser, string? centralPassword)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(endpoints);
        if (meeting.DialIn is not { } dialIn)
        {
            return null;
        }

        var plan = new MeetingPlan(meeting, dialIn);
        var sites = meeting.SiteCodes.ToHashSet(StringComparer.Ordinal);
        var needed = new Dictionary<string, PlannedRelay>(StringComparer.Ordinal);
        PlannedRelay Need(RelayNodeInfo node) => needed.TryGetValue(node.Key, out var planned) ? planned : needed[node.Key] = new PlannedRelay(node);

        foreach (var endpoint in endpoints.Where(e => sites.Contains(e.SiteCode)).OrderBy(e => e.SiteCode, StringComparer.Ordinal).ThenBy(e => e.Id))
        {
            var relay = Need(topology.ServingRelay(endpoint.SiteCode));
            relay.Endpoints.Add(endpoint);
            plan._siteRelay.TryAdd(endpoint.SiteCode, relay.Key);
        }

        // The host's relay (its own feed) and, for a relayed meeting, the relay central's feed enters.
        Need(topology.ServingRelay(meeting.HostSiteCode));
        if (plan.CentralFeed)
        {
            Need(topology.RootRelay(meeting.HostSiteCode));
        }

        // Every relay's chain up to the top, so the cascade is one tree.
        foreach (var relay in needed.Values.ToList())
        {
            for (var node = relay.Node; topology.ParentOf(node) is { } parent; node = parent)
            {
                Need(parent);
            }
        }

        foreach (var relay in needed.Values)
        {
            relay.ParentKey = topology.ParentOf(relay.Node)?.Key;
        }

        foreach (var relay in needed.Values.Where(r => r.ParentKey is not null))
        {
            needed[relay.ParentKey!].ChildKeys.Add(relay.Key);
        }

        // Trim from the top: a relay that only passes one child's traffic through adds a hop and no
        // value (a district's own meeting stays on its district relay), unless central comes in there.
        var top = needed.Values.Single(r => r.ParentKey is null);
        while (top.Endpoints.Count == 0 && top.ChildKeys.Count == 1 && !plan.CentralFeed)
        {
            needed.Remove(top.Key);
            top = needed[top.ChildKeys[0]];
            top.ParentKey = null;
        }

        plan.TopKey = top.Key;
        foreach (var relay in needed.Values)
        {
            relay.ChildKeys.Sort(StringComparer.Ordinal);
            foreach (var endpoint in relay.Endpoints)
            {
                if (endpoint is { DigestUser: { } user, DigestPassword: { } password })
                {
                    relay.DialIn[user] = password;
                }

                plan.EndpointsByLeg[endpoint.LegId] = (endpoint, relay.Key);
            }

            foreach (var child in relay.ChildKeys)
            {
                var node = needed[child].Node;
                if (node.SipPassword is { } password)
                {
                    relay.DialIn[node.SipUser] = password;
                }
            }

            plan.Relays[relay.Key] = relay;
        }

        if (plan.CentralFeed && meeting.FeedUri is null && centralPassword is not null && centralUser is not null)
        {
            top.DialIn[centralUser] = centralPassword;
        }

        return plan;
    }

    /// <summary>The child of <paramref name="relayKey"/> on the way down to <paramref name="targetKey"/>, or null when the target is not below it.</summary>
    public string? ChildToward(string relayKey, string targetKey)
    {
        for (string? key = targetKey; key is not null; key = Relays.TryGetValue(key, out var r) ? r.ParentKey : null)
        {
            if (Relays.TryGetValue(key, out var relay) && relay.ParentKey == relayKey)
            {
                return key;
            }
        }

        return null;
    }
}
