using System.Data.Common;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Conferencing.Server.Store;

namespace Conferencing.Server.Room;

/// <summary>
/// Requests to speak. A delegate asks from the phone (one waiting request at a time); the chair sees
/// the queue in order and grants one, which gives the floor to that delegate's site through
/// <see cref="MeetingService.GiveFloorAsync"/> (the relay switches the program on the
/// <c>meeting.floor</c> change). Finishing returns the floor to the meeting's own feed.
/// </summary>
public sealed class SpeakingService(Database database, MeetingService meetings, SiteStore sites, AuditLog audit, RoomFeed feed, TimeProvider time)
{
    private readonly KeyedLock<Guid> _locks = new();

    public async Task<SpeakRequest> RequestAsync(Guid meetingId, Guid delegateId, CancellationToken cancellationToken)
    {
        var meeting = await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("meeting", meetingId.ToString());
        if (meeting.Status is not (MeetingStatus.Preparing or MeetingStatus.Live))
        {
            throw new DomainException(DomainErrorKind.Conflict, "speak.meeting-not-running", $"Requests to speak are taken while the meeting runs; '{meeting.Title}' is {meeting.Status}.");
        }

        var person = meeting.Delegates.FirstOrDefault(d => d.Id == delegateId) ?? throw DomainException.NotFound("delegate", delegateId.ToString());
        SpeakRequest request;
        using (await _locks.AcquireAsync(meetingId, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                request = await database.InTransactionAsync(async (connection, transaction) =>
                {
                    var open = await ListAsync(connection, transaction, meetingId, activeOnly: true, cancellationToken).ConfigureAwait(false);
                    if (open.FirstOrDefault(r => r.DelegateId == delegateId) is { } existing)
                    {
                        throw new DomainException(DomainErrorKind.Conflict, existing.Status == SpeakStatus.Granted ? "speak.already-speaking" : "speak.already-waiting",
                            existing.Status == SpeakStatus.Granted ? "You have the floor already." : "Your request to speak is already in the queue.");
                    }

                    var now = time.GetUtcNow();
                    await connection.ExecuteAsync(transaction,
                        "INSERT INTO speak_requests (id, meeting_id, delegate_id, site_code, status, requested_utc) VALUES (@id, @m, @d, @s, 'Waiting', @at)",
                        cancellationToken, ("id", Guid.NewGuid().ToString()), ("m", meetingId.ToString()), ("d", delegateId.ToString()), ("s", person.SiteCode),
                        ("at", database.ToDb(now))).ConfigureAwait(false);
                    var after = await ListAsync(connection, transaction, meetingId, activeOnly: true, cancellationToken).ConfigureAwait(false);
                    return after.First(r => r.DelegateId == delegateId);
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (System.Data.Common.DbException e) when (DbErrors.IsUniqueViolation(e))
            {
                // The same delegate asked twice at once through two nodes: the store's index kept one.
                throw new DomainException(DomainErrorKind.Conflict, "speak.already-waiting", "Your request to speak is already in the queue.");
            }
        }

        await feed.PublishAsync(new RoomChange(meetingId, RoomChangeKind.Speaking), cancellationToken).ConfigureAwait(false);
        return request;
    }

    public Task WithdrawAsync(Guid meetingId, Guid delegateId, CancellationToken cancellationToken) =>
        DecideAsync(meetingId, cancellationToken, async (connection, transaction, open) =>
        {
            var mine = open.FirstOrDefault(r => r.DelegateId == delegateId && r.Status == SpeakStatus.Waiting)
                ?? throw new DomainException(DomainErrorKind.Conflict, "speak.not-waiting", "You have no request to speak waiting.");
            await SetStatusAsync(connection, transaction, mine.Id, SpeakStatus.Withdrawn, "delegate:" + delegateId, cancellationToken).ConfigureAwait(false);
            return mine;
        });

    /// <summary>Gives the floor to the request's site; the one speaking before is done.</summary>
    public async Task<SpeakRequest> GrantAsync(Guid meetingId, Guid requestId, string actor, CancellationToken cancellationToken)
    {
        SpeakRequest request;
        using (await _locks.AcquireAsync(meetingId, cancellationToken).ConfigureAwait(false))
        {
            var open = await QueueAsync(meetingId, cancellationToken).ConfigureAwait(false);
            request = open.FirstOrDefault(r => r.Id == requestId && r.Status == SpeakStatus.Waiting)
                ?? throw new DomainException(DomainErrorKind.Conflict, "speak.not-waiting", "That request is no longer waiting (granted, withdrawn or declined).");

            // The floor first, in its own transaction (a SQLite writer would wait on ours): if the
            // meeting is not live it refuses, and the queue stays as it was.
            await meetings.GiveFloorAsync(meetingId, request.SiteCode, null, actor, cancellationToken).ConfigureAwait(false);
            await database.InTransactionAsync(async (connection, transaction) =>
            {
                foreach (var speaking in open.Where(r => r.Status == SpeakStatus.Granted))
                {
                    await SetStatusAsync(connection, transaction, speaking.Id, SpeakStatus.Done, actor, cancellationToken).ConfigureAwait(false);
                }

                await SetStatusAsync(connection, transaction, request.Id, SpeakStatus.Granted, actor, cancellationToken).ConfigureAwait(false);
                await audit.WriteAsync(connection, transaction, actor, "speak.granted", "meeting", meetingId.ToString(), $"{request.DelegateName} ({request.SiteName})", cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }

        await feed.PublishAsync(new RoomChange(meetingId, RoomChangeKind.Speaking), cancellationToken).ConfigureAwait(false);
        return request with { Status = SpeakStatus.Granted };
    }

    public Task DeclineAsync(Guid meetingId, Guid requestId, string actor, CancellationToken cancellationToken) =>
        DecideAsync(meetingId, cancellationToken, async (connection, transaction, open) =>
        {
            var request = open.FirstOrDefault(r => r.Id == requestId && r.Status == SpeakStatus.Waiting)
                ?? throw new DomainException(DomainErrorKind.Conflict, "speak.not-waiting", "That request is no longer waiting.");
            await SetStatusAsync(connection, transaction, request.Id, SpeakStatus.Declined, actor, cancellationToken).ConfigureAwait(false);
            return request;
        });

    /// <summary>Ends the current speaker's turn and returns the floor to the meeting's own feed.</summary>
    public async Task FinishAsync(Guid meetingId, string actor, CancellationToken cancellationToken)
    {
        using (await _locks.AcquireAsync(meetingId, cancellationToken).ConfigureAwait(false))
        {
            var open = await QueueAsync(meetingId, cancellationToken).ConfigureAwait(false);
            var speaking = open.FirstOrDefault(r => r.Status == SpeakStatus.Granted)
                ?? throw new DomainException(DomainErrorKind.Conflict, "speak.nobody-speaking", "Nobody has been given the floor from the queue.");
            await meetings.GiveFloorAsync(meetingId, null, null, actor, cancellationToken).ConfigureAwait(false);
            await database.InTransactionAsync((connection, transaction) => SetStatusAsync(connection, transaction, speaking.Id, SpeakStatus.Done, actor, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        await feed.PublishAsync(new RoomChange(meetingId, RoomChangeKind.Speaking), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>When the meeting ends: waiting requests are declined and the one speaking is done. Returns how many.</summary>
    public async Task<int> LapseAsync(Guid meetingId, string actor, CancellationToken cancellationToken)
    {
        var count = 0;
        using (await _locks.AcquireAsync(meetingId, cancellationToken).ConfigureAwait(false))
        {
            var open = await QueueAsync(meetingId, cancellationToken).ConfigureAwait(false);
            if (open.Count == 0)
            {
                return 0;
            }

            await database.InTransactionAsync(async (connection, transaction) =>
            {
                foreach (var request in open)
                {
                    await SetStatusAsync(connection, transaction, request.Id, request.Status == SpeakStatus.Granted ? SpeakStatus.Done : SpeakStatus.Declined, actor, cancellationToken).ConfigureAwait(false);
                    count++;
                }
            }, cancellationToken).ConfigureAwait(false);
        }

        await feed.PublishAsync(new RoomChange(meetingId, RoomChangeKind.Speaking), cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>The waiting requests in order of asking, and the one speaking.</summary>
    public async Task<IReadOnlyList<SpeakRequest>> QueueAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ListAsync(connection, null, meetingId, activeOnly: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every request of the meeting, for the record.</summary>
    public async Task<IReadOnlyList<SpeakRequest>> HistoryAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ListAsync(connection, null, meetingId, activeOnly: false, cancellationToken).ConfigureAwait(false);
    }

    public static SpeakingView View(Guid meetingId, IReadOnlyList<SpeakRequest> queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return new SpeakingView(meetingId, queue.FirstOrDefault(r => r.Status == SpeakStatus.Granted),
            [.. queue.Where(r => r.Status == SpeakStatus.Waiting).Select(r => r.DelegateId)]);
    }

    private async Task DecideAsync(Guid meetingId, CancellationToken cancellationToken, Func<DbConnection, DbTransaction, IReadOnlyList<SpeakRequest>, Task<SpeakRequest>> decide)
    {
        using (await _locks.AcquireAsync(meetingId, cancellationToken).ConfigureAwait(false))
        {
            await database.InTransactionAsync(async (connection, transaction) =>
            {
                var open = await ListAsync(connection, transaction, meetingId, activeOnly: true, cancellationToken).ConfigureAwait(false);
                await decide(connection, transaction, open).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }

        await feed.PublishAsync(new RoomChange(meetingId, RoomChangeKind.Speaking), cancellationToken).ConfigureAwait(false);
    }

    private Task SetStatusAsync(DbConnection connection, DbTransaction transaction, Guid id, SpeakStatus status, string actor, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(transaction, "UPDATE speak_requests SET status = @s, decided_utc = @t, decided_by = @by WHERE id = @id", cancellationToken,
            ("s", status.ToString()), ("t", database.ToDb(time.GetUtcNow())), ("by", actor), ("id", id.ToString()));

    private async Task<IReadOnlyList<SpeakRequest>> ListAsync(DbConnection connection, DbTransaction? transaction, Guid meetingId, bool activeOnly, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync(transaction,
            $"SELECT id, delegate_id, site_code, status, requested_utc, decided_utc, decided_by FROM speak_requests WHERE meeting_id = @m{(activeOnly ? " AND status IN ('Waiting','Granted')" : "")} ORDER BY requested_utc, id",
            r => (Id: Guid.Parse(r.GetString(0)), Delegate: Guid.Parse(r.GetString(1)), Site: r.GetString(2), Status: Enum.Parse<SpeakStatus>(r.GetString(3)),
                At: database.ReadTime(r, 4), Decided: r.IsDBNull(5) ? (DateTimeOffset?)null : database.ReadTime(r, 5), By: r.GetNullableString(6)),
            cancellationToken, ("m", meetingId.ToString())).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return [];
        }

        var meeting = await MeetingStore.GetAsync(connection, transaction, meetingId, cancellationToken).ConfigureAwait(false);
        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        var people = meeting?.Delegates.ToDictionary(d => d.Id) ?? [];
        return rows.Select(r =>
        {
            var person = people.GetValueOrDefault(r.Delegate);
            var siteName = tree.TryGet(r.Site, out var site) ? site.Name : r.Site;
            return new SpeakRequest(r.Id, meetingId, r.Delegate, person?.Name ?? "?", person?.Unit, r.Site, siteName, r.Status, r.At, r.Decided, r.By);
        }).ToList();
    }
}
