using System.Globalization;
using Conferencing.Server.Common;
using Conferencing.Server.Sites;
using Conferencing.Server.Store;

namespace Conferencing.Server.Meetings;

/// <summary>
/// Runs commands on meetings. Commands on one meeting run in that meeting's grain
/// (<see cref="IMeetingGrain"/>), so they are serialized across the whole cluster; the version check
/// at save still catches a writer that bypasses the grain, so no update is lost silently: the loser
/// gets 409. Scheduling (time or site changes) also holds the store's schedule lock, so two
/// overlapping meetings cannot both pass the conflict check. Without a grain factory (the store
/// tests wire this class by hand) commands on one meeting are serialized in this process only.
/// </summary>
public sealed class MeetingService(Database database, MeetingStore store, SiteStore sites, AuditLog audit, MeetingEvents events, TimeProvider time, IGrainFactory? grains = null, IEnumerable<IFloorGuard>? floorGuards = null)
{
    private readonly IFloorGuard[] _floorGuards = floorGuards?.ToArray() ?? [];

    // Only for services wired without a cluster (the store tests): commands on one meeting still run one at a time here.
    private readonly KeyedLock<Guid> _locks = new();

    public Task<Meeting?> GetAsync(Guid id, CancellationToken cancellationToken) => store.GetAsync(id, cancellationToken);

    public Task<IReadOnlyList<Meeting>> ListAsync(MeetingQuery query, CancellationToken cancellationToken) => store.ListAsync(query, cancellationToken);

    public async Task<Meeting> ScheduleAsync(MeetingDetails details, string actor, CancellationToken cancellationToken)
    {
        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        var meeting = Meeting.Schedule(Guid.NewGuid(), details, tree, actor, time.GetUtcNow());
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await ThrowOnConflictsAsync(connection, transaction, meeting, cancellationToken).ConfigureAwait(false);
            meeting.AssignDialIn(await MeetingStore.NewDialInAsync(connection, transaction, cancellationToken).ConfigureAwait(false));
            await store.InsertAsync(connection, transaction, meeting, cancellationToken).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "meeting.scheduled", "meeting", meeting.Id.ToString(),
                string.Create(CultureInfo.InvariantCulture, $"{meeting.Title} ({meeting.Kind}, {meeting.SiteCodes.Count} sites, {VietnamTime.FormatLocal(meeting.StartUtc)})"),
                cancellationToken).ConfigureAwait(false);
        }, cancellationToken, scheduleLock: true).ConfigureAwait(false);
        await events.PublishAsync(new MeetingChanged(meeting, "meeting.scheduled", actor), cancellationToken).ConfigureAwait(false);
        return meeting;
    }

    public Task<Meeting> UpdateAsync(Guid id, int? expectedVersion, MeetingDetails details, string actor, CancellationToken cancellationToken) =>
        DispatchAsync(id, new MeetingCommand(MeetingCommandKind.Update, expectedVersion, actor) { Details = details }, cancellationToken);

    /// <summary>
    /// The meetings that saving <paramref name="details"/> would collide with, as a new meeting or as
    /// a change to meeting <paramref name="id"/>: the same rules and the same query as the save, with
    /// nothing written. The form asks this as the secretariat picks time and sites; the save still
    /// checks again under the schedule lock, so a dry run that raced another booking cannot let it in.
    /// </summary>
    public async Task<IReadOnlyList<MeetingConflict>> CheckConflictsAsync(Guid? id, MeetingDetails details, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(details);
        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        Meeting meeting;
        if (id is { } existing)
        {
            meeting = await MeetingStore.GetAsync(connection, null, existing, cancellationToken).ConfigureAwait(false)
                ?? throw DomainException.NotFound("meeting", existing.ToString());
            meeting.Update(details, tree, time.GetUtcNow());
        }
        else
        {
            meeting = Meeting.Schedule(Guid.NewGuid(), details, tree, actor, time.GetUtcNow());
        }

        return await store.FindConflictsAsync(connection, null, meeting, cancellationToken).ConfigureAwait(false);
    }

    public Task<Meeting> PrepareAsync(Guid id, int? expectedVersion, string actor, CancellationToken cancellationToken) =>
        DispatchAsync(id, new MeetingCommand(MeetingCommandKind.Prepare, expectedVersion, actor), cancellationToken);

    public Task<Meeting> StartAsync(Guid id, int? expectedVersion, string actor, CancellationToken cancellationToken) =>
        DispatchAsync(id, new MeetingCommand(MeetingCommandKind.Start, expectedVersion, actor), cancellationToken);

    public Task<Meeting> EndAsync(Guid id, int? expectedVersion, string actor, CancellationToken cancellationToken) =>
        DispatchAsync(id, new MeetingCommand(MeetingCommandKind.End, expectedVersion, actor), cancellationToken);

    public Task<Meeting> CancelAsync(Guid id, int? expectedVersion, string? reason, string actor, CancellationToken cancellationToken) =>
        DispatchAsync(id, new MeetingCommand(MeetingCommandKind.Cancel, expectedVersion, actor) { Reason = reason }, cancellationToken);

    public Task<Meeting> RecordAttendanceAsync(Guid id, string siteCode, AttendanceStatus status, string? reason, DateTimeOffset? arrivedUtc, int? expectedVersion, string actor, CancellationToken cancellationToken) =>
        DispatchAsync(id, new MeetingCommand(MeetingCommandKind.RollCall, expectedVersion, actor) { Attendance = new AttendanceInput(siteCode, status, reason, arrivedUtc) }, cancellationToken);

    /// <summary>
    /// Records several sites' attendance as one change (one version, one audit line), e.g. every
    /// connected site present at once: all of them or, if one breaks a rule, none.
    /// </summary>
    public Task<Meeting> RecordAttendanceManyAsync(Guid id, IReadOnlyList<AttendanceInput> entries, int? expectedVersion, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            throw DomainException.Invalid("entries", "Roll call needs at least one site.");
        }

        return DispatchAsync(id, new MeetingCommand(MeetingCommandKind.RollCallMany, expectedVersion, actor) { Entries = entries }, cancellationToken);
    }

    /// <summary>Gives the floor to a site of a live meeting, or back to the meeting's own feed (null or the host).</summary>
    public async Task<Meeting> GiveFloorAsync(Guid id, string? siteCode, int? expectedVersion, string actor, CancellationToken cancellationToken)
    {
        // The floor back to the host is always allowed; a site must be in the call to be heard.
        if (siteCode is not null)
        {
            foreach (var guard in _floorGuards)
            {
                await guard.EnsureCanTakeFloorAsync(id, siteCode, cancellationToken).ConfigureAwait(false);
            }
        }

        return await DispatchAsync(id, new MeetingCommand(MeetingCommandKind.Floor, expectedVersion, actor) { SiteCode = siteCode }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="command"/> to the meeting's grain and returns the meeting as saved (or newer).</summary>
    private async Task<Meeting> DispatchAsync(Guid id, MeetingCommand command, CancellationToken cancellationToken)
    {
        if (grains is null)
        {
            using var held = await _locks.AcquireAsync(id, cancellationToken).ConfigureAwait(false);
            return await ExecuteAsync(id, command, cancellationToken).ConfigureAwait(false);
        }

        var outcome = await Hosting.Cluster.ClusterCalls.CallAsync(() => grains.GetGrain<IMeetingGrain>(id).RunAsync(command), cancellationToken).ConfigureAwait(false);
        if (outcome.Problem is { } problem)
        {
            throw problem.ToException();
        }

        return await store.GetAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw DomainException.NotFound("meeting", id.ToString());
    }

    /// <summary>Runs <paramref name="command"/> here and now: called by the meeting's grain, which serializes them.</summary>
    internal async Task<Meeting> ExecuteAsync(Guid id, MeetingCommand command, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        switch (command.Kind)
        {
            case MeetingCommandKind.Update:
                var details = command.Details ?? throw DomainException.Invalid("details", "The meeting's details are missing.");
                var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
                return await RunAsync(id, command.ExpectedVersion, command.Actor, "meeting.updated", scheduling: true, cancellationToken, meeting =>
                {
                    var before = MeetingChanges.Capture(meeting);
                    meeting.Update(details, tree, now);
                    return MeetingChanges.Describe(before, meeting);
                }).ConfigureAwait(false);
            case MeetingCommandKind.Prepare:
                return await RunAsync(id, command.ExpectedVersion, command.Actor, "meeting.preparing", scheduling: false, cancellationToken, m =>
                {
                    m.Prepare(now);
                    return m.Title;
                }).ConfigureAwait(false);
            case MeetingCommandKind.Start:
                return await RunAsync(id, command.ExpectedVersion, command.Actor, "meeting.started", scheduling: false, cancellationToken, m =>
                {
                    m.Start(now);
                    return m.Title;
                }).ConfigureAwait(false);
            case MeetingCommandKind.End:
                return await RunAsync(id, command.ExpectedVersion, command.Actor, "meeting.ended", scheduling: false, cancellationToken, m =>
                {
                    m.End(now);
                    return m.Title;
                }).ConfigureAwait(false);
            case MeetingCommandKind.Cancel:
                return await RunAsync(id, command.ExpectedVersion, command.Actor, "meeting.cancelled", scheduling: false, cancellationToken, m =>
                {
                    m.Cancel(command.Reason, now);
                    return $"{m.Title}: {m.CancelReason}";
                }).ConfigureAwait(false);
            case MeetingCommandKind.RollCall:
                var one = command.Attendance ?? throw DomainException.Invalid("status", "Attendance must be Present, Absent or Late.");
                return await RunAsync(id, command.ExpectedVersion, command.Actor, "meeting.roll-call", scheduling: false, cancellationToken, m =>
                {
                    var entry = m.RecordAttendance(one.SiteCode ?? "", one.Status ?? throw DomainException.Invalid("status", "Attendance must be Present, Absent or Late."), one.Reason, one.ArrivedUtc, command.Actor, now);
                    return $"{entry.SiteCode}: {entry.Status}{(entry.Reason is null ? "" : " (" + entry.Reason + ")")}";
                }).ConfigureAwait(false);
            case MeetingCommandKind.RollCallMany:
                var entries = command.Entries ?? [];
                return await RunAsync(id, command.ExpectedVersion, command.Actor, "meeting.roll-call", scheduling: false, cancellationToken, m =>
                {
                    for (var i = 0; i < entries.Count; i++)
                    {
                        var e = entries[i] ?? throw DomainException.Invalid($"entries[{i}]", "Roll call entry is empty.");
                        var status = e.Status ?? throw DomainException.Invalid($"entries[{i}].status", "Attendance must be Present, Absent or Late.");
                        try
                        {
                            m.RecordAttendance(e.SiteCode ?? "", status, e.Reason, e.ArrivedUtc, command.Actor, now);
                        }
                        catch (DomainException problem) when (problem.Kind == DomainErrorKind.Invalid && problem.Field is { } field)
                        {
                            throw DomainException.Invalid($"entries[{i}].{field}", problem.Message);
                        }
                    }

                    return string.Join(", ", entries.GroupBy(e => e.Status).Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {g.Key}")))
                        + ": " + string.Join(" ", entries.Take(10).Select(e => e.SiteCode)) + (entries.Count > 10 ? " …" : "");
                }).ConfigureAwait(false);
            case MeetingCommandKind.Floor:
                return await RunAsync(id, command.ExpectedVersion, command.Actor, "meeting.floor", scheduling: false, cancellationToken, m =>
                {
                    m.GiveFloor(command.SiteCode, now);
                    return m.FloorSiteCode ?? $"{m.HostSiteCode} (host)";
                }).ConfigureAwait(false);
            default:
                throw DomainException.Invalid("kind", $"Unknown meeting command '{command.Kind}'.");
        }
    }

    private async Task<Meeting> RunAsync(Guid id, int? expectedVersion, string actor, string action, bool scheduling, CancellationToken cancellationToken, Func<Meeting, string> command)
    {
        var saved = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var meeting = await MeetingStore.GetAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false)
                ?? throw DomainException.NotFound("meeting", id.ToString());
            if (expectedVersion is { } expected && expected != meeting.Version)
            {
                throw MeetingStore.VersionConflict(id, expected);
            }

            var loaded = meeting.Version;
            var sitesBefore = meeting.SiteCodes;
            var summary = command(meeting);
            var sitesChanged = !sitesBefore.SequenceEqual(meeting.SiteCodes, StringComparer.Ordinal);
            if (scheduling)
            {
                await ThrowOnConflictsAsync(connection, transaction, meeting, cancellationToken).ConfigureAwait(false);
            }

            if (meeting.HoldsEndpoints && meeting.DialIn is null)
            {
                // Stored before meetings had numbers: the relay needs one before it can open the meeting.
                meeting.AssignDialIn(await MeetingStore.NewDialInAsync(connection, transaction, cancellationToken).ConfigureAwait(false));
            }

            await store.UpdateAsync(connection, transaction, meeting, loaded, sitesChanged, cancellationToken).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, action, "meeting", id.ToString(), summary, cancellationToken).ConfigureAwait(false);
            return meeting;
        }, cancellationToken, scheduleLock: scheduling).ConfigureAwait(false);

        // Still in the meeting's grain turn, so listeners see this meeting's changes in commit order.
        await events.PublishAsync(new MeetingChanged(saved, action, actor), cancellationToken).ConfigureAwait(false);
        return saved;
    }

    private async Task ThrowOnConflictsAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, Meeting meeting, CancellationToken cancellationToken)
    {
        var conflicts = await store.FindConflictsAsync(connection, transaction, meeting, cancellationToken).ConfigureAwait(false);
        if (conflicts.Count == 0)
        {
            return;
        }

        var first = conflicts[0];
        var names = string.Join(", ", first.Sites.Take(5).Select(s => s.Name)) + (first.Sites.Count > 5 ? $" and {first.Sites.Count - 5} more" : "");
        throw new DomainException(DomainErrorKind.Conflict, "meeting.endpoint-conflict",
            string.Create(CultureInfo.InvariantCulture,
                $"The endpoints of {first.Sites.Count} site(s) are already booked by meeting '{first.Title}' ({first.MeetingId}, {VietnamTime.FormatLocal(first.StartUtc)} to {VietnamTime.FormatLocal(first.EndUtc)}): {names}."),
            details: new Dictionary<string, object?> { ["conflicts"] = conflicts });
    }
}
