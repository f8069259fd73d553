using System.Collections.Concurrent;
using System.Collections.Frozen;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Sites;

namespace Conferencing.Server.Monitoring;

/// <summary>
/// Which dashboard groups a change at a site goes to: the province, every site on the path from the
/// root down to the site, and every watched meeting the site takes part in; and of those, only the
/// groups someone watches (<see cref="Watch"/>), so a second's batch is built for nobody's benefit
/// never. Site paths and each endpoint's site are cached and reloaded every
/// <see cref="ReloadInterval"/> or when a code is not known yet (a site or endpoint added a moment ago).
/// </summary>
public sealed class MonitoringRoutes(SiteStore sites, EndpointStore endpoints, MonitoredMeetings meetings, TimeProvider time)
{
    /// <summary>How long the cached tree is trusted: 30 s.</summary>
    public static readonly TimeSpan ReloadInterval = TimeSpan.FromSeconds(30);

    /// <summary>A miss reloads at most this often: 2 s, so a stray code cannot make every flush query the store.</summary>
    public static readonly TimeSpan MissReloadInterval = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, int> _watchers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loading = new(1, 1);
    private Directory _directory = Directory.Empty;

    /// <summary>A dashboard joined a group.</summary>
    public void Watch(string group) => _watchers.AddOrUpdate(group, 1, (_, n) => n + 1);

    /// <summary>A dashboard left a group (or disconnected).</summary>
    public void Unwatch(string group)
    {
        if (_watchers.AddOrUpdate(group, 0, (_, n) => Math.Max(0, n - 1)) == 0)
        {
            // Removing only a zero keeps a concurrent Watch's increment.
            _watchers.TryRemove(new KeyValuePair<string, int>(group, 0));
        }
    }

    /// <summary>Whether any dashboard watches the group.</summary>
    public bool IsWatched(string group) => _watchers.TryGetValue(group, out var n) && n > 0;

    /// <summary>The watched groups a change at the site goes to, besides <see cref="MonitoringGroups.All"/>.</summary>
    public void GroupsOf(Directory directory, string siteCode, ICollection<string> into)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(into);
        if (directory.Paths.TryGetValue(siteCode, out var path))
        {
            foreach (var code in path)
            {
                var group = MonitoringGroups.Site(code);
                if (IsWatched(group))
                {
                    into.Add(group);
                }
            }
        }

        foreach (var meeting in meetings.MeetingsOf(siteCode))
        {
            var group = MonitoringGroups.Meeting(meeting);
            if (IsWatched(group))
            {
                into.Add(group);
            }
        }
    }

    /// <summary>
    /// Makes the next flush reload the cached paths when they disagree with a tree just loaded for a
    /// subscription: a commune moved under a district (the two trees mixed during the transition)
    /// would otherwise miss its new district's dashboards until the next periodic reload.
    /// </summary>
    public void Reconcile(IEnumerable<Site> subtree)
    {
        ArgumentNullException.ThrowIfNull(subtree);
        var current = Volatile.Read(ref _directory);
        foreach (var site in subtree)
        {
            if (!current.Paths.TryGetValue(site.Code, out var path) || (path.Length >= 2 ? path[^2] : null) != site.ParentCode)
            {
                // A stale directory is reloaded by the next DirectoryAsync; one being loaded now wins.
                Interlocked.CompareExchange(ref _directory, current with { LoadedUtc = DateTimeOffset.MinValue }, current);
                return;
            }
        }
    }

    /// <summary>
    /// The cached directory, reloaded when stale, or when <paramref name="mustKnowSite"/> or
    /// <paramref name="mustKnowEndpoint"/> is missing from it.
    /// </summary>
    public async Task<Directory> DirectoryAsync(CancellationToken cancellationToken, string? mustKnowSite = null, Guid? mustKnowEndpoint = null)
    {
        var current = Volatile.Read(ref _directory);
        var now = time.GetUtcNow();
        var stale = now - current.LoadedUtc > ReloadInterval;
        var missing = (mustKnowSite is not null && !current.Paths.ContainsKey(mustKnowSite)) || (mustKnowEndpoint is { } e && !current.SiteOfEndpoint.ContainsKey(e));
        if (!stale && !(missing && now - current.LoadedUtc > MissReloadInterval))
        {
            return current;
        }

        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _directory) is var latest && !ReferenceEquals(current, latest) && latest.LoadedUtc != DateTimeOffset.MinValue)
            {
                return latest;
            }

            var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
            var all = await endpoints.ListAsync(null, cancellationToken).ConfigureAwait(false);
            var loaded = new Directory(
                tree.All.ToFrozenDictionary(s => s.Code, s => tree.PathTo(s.Code).Select(p => p.Code).ToArray(), StringComparer.Ordinal),
                all.ToFrozenDictionary(e => e.Id, e => e.SiteCode),
                time.GetUtcNow());
            Volatile.Write(ref _directory, loaded);
            return loaded;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Site paths (root first, the site last) and each endpoint's site.</summary>
    public sealed record Directory(FrozenDictionary<string, string[]> Paths, FrozenDictionary<Guid, string> SiteOfEndpoint, DateTimeOffset LoadedUtc)
    {
        public static readonly Directory Empty = new(FrozenDictionary<string, string[]>.Empty, FrozenDictionary<Guid, string>.Empty, DateTimeOffset.MinValue);
    }
}
