using System.Collections.Concurrent;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Sites;
using Microsoft.AspNetCore.SignalR;

namespace Conferencing.Server.Monitoring;

/// <summary>
/// Collects presence changes and pushes them once per <see cref="BatchInterval"/>, keeping only the
/// latest state of each endpoint, so a flapping province costs one message a second per dashboard,
/// not one per event. Each batch goes to the all-province group and to the group of every site on
/// the path to the endpoint.
/// </summary>
public sealed class MonitoringBroadcaster(PresenceService presence, SiteStore sites, IHubContext<MonitoringHub, IMonitoringClient> hub, TimeProvider time) : BackgroundService
{
    /// <summary>How often batches go out: 1 s.</summary>
    public static readonly TimeSpan BatchInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<Guid, EndpointPresence> _pending = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        presence.Changed += OnChanged;
        try
        {
            using var timer = new PeriodicTimer(BatchInterval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            presence.Changed -= OnChanged;
        }
    }

    private void OnChanged(EndpointPresence change) => _pending[change.EndpointId] = change;

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty)
        {
            return;
        }

        var batch = new List<EndpointPresence>();
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var change))
            {
                batch.Add(change);
            }
        }

        await hub.Clients.Group(MonitoringGroups.All).Changes(batch).ConfigureAwait(false);
        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        var bySite = new Dictionary<string, List<EndpointPresence>>(StringComparer.Ordinal);
        foreach (var change in batch.Where(c => tree.TryGet(c.SiteCode, out _)))
        {
            foreach (var site in tree.PathTo(change.SiteCode))
            {
                if (!bySite.TryGetValue(site.Code, out var list))
                {
                    bySite[site.Code] = list = [];
                }

                list.Add(change);
            }
        }

        foreach (var (code, changes) in bySite)
        {
            await hub.Clients.Group(MonitoringGroups.Site(code)).Changes(changes).ConfigureAwait(false);
        }
    }
}
