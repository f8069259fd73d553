using System.Collections.Concurrent;
using System.Globalization;
using Conferencing.Server.Common;
using Conferencing.Server.Documents;
using Conferencing.Server.Store;

namespace Conferencing.Server.Room;

/// <summary>
/// The chair's or secretariat's "current document and page", kept in the store (so a restarted
/// server and a reconnecting client find it) with a sequence number that only grows, and pushed to
/// the room through the <see cref="RoomFeed"/>. Page turns are not audited: they are frequent and
/// say nothing anyone needs to account for later.
/// </summary>
public sealed class PresenterService(Database database, DocumentStore documents, RoomFeed feed, TimeProvider time)
{
    private readonly KeyedLock<Guid> _locks = new();
    private readonly ConcurrentDictionary<Guid, PresenterState> _cache = new();

    /// <summary>Drops the cached state of a meeting whose presenter another node moved.</summary>
    internal void Forget(Guid meetingId) => _cache.TryRemove(meetingId, out _);

    public async Task<PresenterState> GetAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(meetingId, out var cached))
        {
            return cached;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = (await connection.QueryAsync(null, "SELECT document_id, version, page, seq, set_utc FROM room_presenter WHERE meeting_id = @m",
            r => (Document: r.GetNullableString(0), Version: r.IsDBNull(1) ? (int?)null : Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture),
                Page: r.IsDBNull(2) ? (int?)null : Convert.ToInt32(r.GetValue(2), CultureInfo.InvariantCulture), Seq: Convert.ToInt64(r.GetValue(3), CultureInfo.InvariantCulture),
                At: database.ReadTime(r, 4)),
            cancellationToken, ("m", meetingId.ToString())).ConfigureAwait(false)).FirstOrDefault();
        if (row.Document is null && row.Seq == 0)
        {
            return new PresenterState(meetingId, null, null, null, null, 0, null);
        }

        int? pages = null;
        if (row.Document is not null && await documents.GetAsync(Guid.Parse(row.Document), cancellationToken).ConfigureAwait(false) is { } d)
        {
            pages = d.Find(row.Version ?? d.CurrentVersion)?.PageCount;
        }

        var state = new PresenterState(meetingId, row.Document is null ? null : Guid.Parse(row.Document), row.Version, row.Page, pages, row.Seq, row.At);
        _cache[meetingId] = state;
        return state;
    }

    /// <summary>
    /// Shows <paramref name="page"/> of a document's current version to the room, or nothing when
    /// <paramref name="documentId"/> is null.
    /// </summary>
    public async Task<PresenterState> SetAsync(Guid meetingId, Guid? documentId, int? page, string actor, CancellationToken cancellationToken)
    {
        MeetingDocument? document = null;
        if (documentId is { } id)
        {
            document = await documents.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (document is null || document.MeetingId != meetingId)
            {
                throw DomainException.Invalid("documentId", $"Document {id} is not among this meeting's documents.");
            }

            var pages = document.Current.PageCount;
            if (page is null or < 1 || page > pages)
            {
                throw DomainException.Invalid("page", string.Create(CultureInfo.InvariantCulture, $"'{document.Title}' has pages 1 to {pages}."));
            }
        }

        PresenterState state;
        using (await _locks.AcquireAsync(meetingId, cancellationToken).ConfigureAwait(false))
        {
            var previous = await GetAsync(meetingId, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            state = new PresenterState(meetingId, document?.Id, document?.CurrentVersion, document is null ? null : page, document?.Current.PageCount, previous.Seq + 1, now);
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            // An untyped DBNull lets PostgreSQL take the integer type from the column.
            // The sequence only grows: a second node writing at the same moment loses the race here
            // rather than sending an older state with a newer number.
            var rows = await connection.ExecuteAsync(null,
                """
                INSERT INTO room_presenter (meeting_id, document_id, version, page, seq, set_by, set_utc) VALUES (@m, @d, @v, @p, @s, @by, @at)
                ON CONFLICT (meeting_id) DO UPDATE SET document_id = excluded.document_id, version = excluded.version, page = excluded.page,
                    seq = excluded.seq, set_by = excluded.set_by, set_utc = excluded.set_utc
                WHERE room_presenter.seq < excluded.seq
                """,
                cancellationToken, ("m", meetingId.ToString()), ("d", state.DocumentId?.ToString()), ("v", (object?)state.Version ?? DBNull.Value), ("p", (object?)state.Page ?? DBNull.Value), ("s", state.Seq),
                ("by", actor), ("at", database.ToDb(now))).ConfigureAwait(false);
            if (rows != 1)
            {
                _cache.TryRemove(meetingId, out _);
                throw new DomainException(DomainErrorKind.Conflict, "presenter.conflict", "Someone else moved the presenter at the same moment; try again.");
            }

            _cache[meetingId] = state;
        }

        await feed.PublishAsync(new RoomChange(meetingId, RoomChangeKind.Presenter), cancellationToken).ConfigureAwait(false);
        return state;
    }
}
