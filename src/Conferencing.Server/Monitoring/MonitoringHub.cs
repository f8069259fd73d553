using Conferencing.Server.Accounts;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Relaying;
using Conferencing.Server.Sites;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Conferencing.Server.Monitoring;

/// <summary>
/// Live endpoint state for technicians (and, read-only, the secretariat). A client subscribes to
/// the whole province, one subtree or one meeting's sites and gets a full snapshot back, then the
/// broadcaster's batched diffs; after a reconnect it subscribes again and so resynchronizes. The
/// hub is thin: the state comes from <see cref="PresenceService"/>, <see cref="LiveCalls"/> and
/// <see cref="AlarmService"/>; routing is <see cref="MonitoringRoutes"/>'s.
/// </summary>
[Authorize(Policy = StaffRoles.Policies.Staff)]
public sealed class MonitoringHub(
    PresenceService presence, SiteStore sites, EndpointStore endpoints, AlarmService alarms, LiveCalls live,
    MonitoredMeetings meetings, MonitoringRoutes routes, MeetingListAudience audience, TimeProvider time) : Hub<IMonitoringClient>
{
    private const string GroupKey = "monitoring.group";
    private const string ListScopeKey = "monitoring.list-scope";

    /// <summary>Joins the group that receives the monitored-meetings list cut to the caller's scope.</summary>
    public override async Task OnConnectedAsync()
    {
        var root = StaffScopes.ScopeOf(Context.User);
        Context.Items[ListScopeKey] = root;
        audience.Join(root);
        await Groups.AddToGroupAsync(Context.ConnectionId, MeetingListAudience.Group(root), Context.ConnectionAborted).ConfigureAwait(false);
        await base.OnConnectedAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Watches the province (both null), a subtree, or one meeting's sites; returns the snapshot. A
    /// scoped account asking for the province gets its own subtree; a site outside its scope, or a
    /// meeting with none of its sites, is refused (account.out-of-scope).
    /// </summary>
    public async Task<MonitoringSnapshot> Subscribe(string? siteCode, Guid? meetingId)
    {
        var ct = Context.ConnectionAborted;
        var tree = await sites.LoadTreeAsync(ct).ConfigureAwait(false);
        var scope = StaffScopes.For(Context.User, tree);
        if (meetingId is null && string.IsNullOrEmpty(siteCode) && scope.Root is { } root)
        {
            siteCode = root;
        }

        if (meetingId is { } watched && meetings.SitesOf(watched) is { } touched && !(scope.IsEverything || touched.Any(scope.Contains)))
        {
            throw OutOfScope("The meeting has no site within your scope.");
        }

        if (meetingId is null && !string.IsNullOrEmpty(siteCode) && tree.TryGet(siteCode, out _) && !scope.Contains(siteCode))
        {
            throw OutOfScope($"Site '{siteCode}' is outside your scope.");
        }

        HashSet<string> codes;
        string group;
        IReadOnlyList<string>? meetingSites = null;
        if (meetingId is { } m)
        {
            if (meetings.SitesOf(m) is not { } own)
            {
                throw new HubException("The meeting is not one the dashboard follows (preparing, live, or starting within a day).");
            }

            meetingSites = [.. own.Order(StringComparer.Ordinal)];
            codes = own.Where(c => tree.TryGet(c, out _)).SelectMany(c => tree.PathTo(c).Select(s => s.Code)).ToHashSet(StringComparer.Ordinal);
            group = MonitoringGroups.Meeting(m);
            siteCode = null;
        }
        else if (!string.IsNullOrEmpty(siteCode))
        {
            if (!tree.TryGet(siteCode, out _))
            {
                throw new HubException($"No site '{siteCode}'.");
            }

            var subtree = tree.Subtree(siteCode).ToList();
            codes = subtree.Select(s => s.Code).ToHashSet(StringComparer.Ordinal);
            group = MonitoringGroups.Site(siteCode);
            routes.Reconcile(subtree);
        }
        else
        {
            codes = tree.All.Select(s => s.Code).ToHashSet(StringComparer.Ordinal);
            group = MonitoringGroups.All;
            siteCode = null;
        }

        // Join before reading, so a change between the read and the join is not lost: it arrives
        // after the snapshot at worst, and a diff is always the newest state.
        await SwitchGroupAsync(group).ConfigureAwait(false);
        var inScope = (await endpoints.ListAsync(null, ct).ConfigureAwait(false))
            .Where(e => meetingSites is null ? codes.Contains(e.SiteCode) : meetingSites.Contains(e.SiteCode, StringComparer.Ordinal))
            .ToList();
        var ids = inScope.Select(e => e.Id).ToHashSet();
        var statuses = (await presence.SnapshotAsync(ct).ConfigureAwait(false)).Where(e => ids.Contains(e.EndpointId)).Select(PresenceFigures.From).ToList();
        var calls = MonitoringCalls.Current(live, ids, meetingId);
        var active = (await alarms.QueryAsync(new AlarmQuery(State: AlarmStateFilter.Active, Limit: AlarmQuery.MaxLimit), ct).ConfigureAwait(false))
            .Where(a => codes.Contains(a.SiteCode) && (meetingSites is null || meetingSites.Contains(a.SiteCode, StringComparer.Ordinal)))
            .ToList();
        return new MonitoringSnapshot(
            time.GetUtcNow(),
            new MonitoringScope(siteCode, meetingId, meetingSites),
            [.. tree.All.Where(s => codes.Contains(s.Code)).OrderBy(s => s.Code, StringComparer.Ordinal).Select(s => new MonitoredSite(s.Code, s.Name, s.ParentCode, s.Level))],
            [.. inScope.Select(e => new MonitoredEndpoint(e.Id, e.SiteCode, e.SipUri, e.DisplayName, e.Model))],
            statuses,
            calls,
            active,
            meetings.VisibleTo(scope, meetings.List),
            CanAct());
    }

    /// <summary>Acknowledges an alarm; technicians and administrators only (the secretariat watches), within their scope.</summary>
    public Task Acknowledge(Guid alarmId) => ActAsync(alarmId, () => alarms.AcknowledgeAsync(alarmId, Actor(), Context.ConnectionAborted));

    /// <summary>Clears an alarm by hand (the cause was dealt with outside the system, or it is a false one).</summary>
    public Task Clear(Guid alarmId) => ActAsync(alarmId, () => alarms.ClearAsync(alarmId, Actor(), Context.ConnectionAborted));

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.Items.Remove(GroupKey, out var old) && old is string group)
        {
            routes.Unwatch(group);
        }

        if (Context.Items.Remove(ListScopeKey, out var root))
        {
            audience.Leave(root as string);
        }

        return base.OnDisconnectedAsync(exception);
    }

    private async Task SwitchGroupAsync(string group)
    {
        if (Context.Items.TryGetValue(GroupKey, out var old) && old is string before)
        {
            if (before == group)
            {
                return;
            }

            await Groups.RemoveFromGroupAsync(Context.ConnectionId, before, Context.ConnectionAborted).ConfigureAwait(false);
            routes.Unwatch(before);
        }

        Context.Items[GroupKey] = group;
        routes.Watch(group);
        await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted).ConfigureAwait(false);
    }

    private static HubException OutOfScope(string detail) => new($"{StaffScopes.OutOfScopeCode}: {detail}");

    private async Task ActAsync(Guid alarmId, Func<Task> action)
    {
        if (!CanAct())
        {
            throw new HubException("Only technicians act on alarms.");
        }

        if (StaffScopes.ScopeOf(Context.User) is not null && await alarms.GetAsync(alarmId, Context.ConnectionAborted).ConfigureAwait(false) is { } alarm)
        {
            var tree = await sites.LoadTreeAsync(Context.ConnectionAborted).ConfigureAwait(false);
            if (!StaffScopes.For(Context.User, tree).Contains(alarm.SiteCode))
            {
                throw OutOfScope($"The alarm's site '{alarm.SiteCode}' is outside your scope.");
            }
        }

        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Common.DomainException e)
        {
            throw new HubException(e.Message);
        }
    }

    private string Actor() => Context.User?.Identity?.Name ?? "unknown";

    private bool CanAct() => Context.User?.IsInRole(StaffRoles.Technician) == true || Context.User?.IsInRole(StaffRoles.Admin) == true;
}
