using Conferencing.Server.Accounts;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Sites;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Conferencing.Server.Monitoring;

/// <summary>A site as the dashboard draws the tree.</summary>
public sealed record MonitoredSite(string Code, string Name, string? ParentCode, SiteLevel Level);

/// <summary>Everything a dashboard needs to draw itself from nothing, sent on (re)connect.</summary>
public sealed record MonitoringSnapshot(DateTimeOffset ServerTimeUtc, IReadOnlyList<MonitoredSite> Sites, IReadOnlyList<EndpointPresence> Endpoints, IReadOnlyList<Alarm> ActiveAlarms, bool CanAct);

/// <summary>What the server calls on dashboards.</summary>
public interface IMonitoringClient
{
    /// <summary>A batch of endpoints whose state changed since the last batch (at most one per endpoint).</summary>
    Task Changes(IReadOnlyList<EndpointPresence> changes);

    /// <summary>An alarm was raised, acknowledged or cleared.</summary>
    Task AlarmChanged(Alarm alarm);
}

/// <summary>Group names, built in one place.</summary>
public static class MonitoringGroups
{
    public const string All = "monitoring:all";

    public static string Site(string code) => "monitoring:site:" + code;
}

/// <summary>
/// Live endpoint state for technicians (and, read-only, the secretariat). A client subscribes to
/// the whole province or one subtree and gets a full snapshot back, then batched diffs; after a
/// reconnect it subscribes again and so resynchronizes.
/// </summary>
[Authorize(Policy = StaffRoles.Policies.Staff)]
public sealed class MonitoringHub(PresenceService presence, SiteStore sites, AlarmService alarms) : Hub<IMonitoringClient>
{
    public async Task<MonitoringSnapshot> Subscribe(string? siteCode)
    {
        var tree = await sites.LoadTreeAsync(Context.ConnectionAborted).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(siteCode) && !tree.TryGet(siteCode, out _))
        {
            throw new HubException($"No site '{siteCode}'.");
        }

        var scope = string.IsNullOrEmpty(siteCode) ? tree.All : tree.Subtree(siteCode);
        var codes = scope.Select(s => s.Code).ToHashSet(StringComparer.Ordinal);
        await Groups.AddToGroupAsync(Context.ConnectionId, string.IsNullOrEmpty(siteCode) ? MonitoringGroups.All : MonitoringGroups.Site(siteCode), Context.ConnectionAborted).ConfigureAwait(false);
        var endpoints = (await presence.SnapshotAsync(Context.ConnectionAborted).ConfigureAwait(false)).Where(e => codes.Contains(e.SiteCode)).ToList();
        var active = (await alarms.ListAsync(activeOnly: true, 1000, Context.ConnectionAborted).ConfigureAwait(false)).Where(a => codes.Contains(a.SiteCode)).ToList();
        return new MonitoringSnapshot(
            DateTimeOffset.UtcNow,
            [.. scope.Select(s => new MonitoredSite(s.Code, s.Name, s.ParentCode, s.Level))],
            endpoints,
            active,
            CanAct());
    }

    /// <summary>Acknowledges an alarm; technicians and administrators only (the secretariat watches).</summary>
    public async Task Acknowledge(Guid alarmId)
    {
        if (!CanAct())
        {
            throw new HubException("Only technicians acknowledge alarms.");
        }

        try
        {
            await alarms.AcknowledgeAsync(alarmId, Context.User?.Identity?.Name ?? "unknown", Context.ConnectionAborted).ConfigureAwait(false);
        }
        catch (Common.DomainException e)
        {
            throw new HubException(e.Message);
        }
    }

    private bool CanAct() => Context.User?.IsInRole(StaffRoles.Technician) == true || Context.User?.IsInRole(StaffRoles.Admin) == true;
}
