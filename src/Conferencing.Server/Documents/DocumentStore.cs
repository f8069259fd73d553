using System.Data.Common;
using System.Globalization;
using Conferencing.Server.Store;

namespace Conferencing.Server.Documents;

/// <summary>Documents, their versions and the record of opens, in plain SQL both engines accept.</summary>
public sealed class DocumentStore(Database database)
{
    private const string DocumentColumns = "d.id, d.meeting_id, d.agenda_item_id, d.title, d.confidential, d.sort_order, d.current_version, d.created_by, d.created_utc, d.updated_utc";

    public async Task<IReadOnlyList<MeetingDocument>> ListAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ListAsync(connection, null, meetingId, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<IReadOnlyList<MeetingDocument>> ListAsync(DbConnection connection, DbTransaction? transaction, Guid meetingId, CancellationToken cancellationToken)
    {
        var documents = await connection.QueryAsync(transaction,
            $"SELECT {DocumentColumns} FROM documents d WHERE d.meeting_id = @m AND d.deleted_utc IS NULL ORDER BY d.sort_order, d.created_utc",
            ReadHeader, cancellationToken, ("m", meetingId.ToString())).ConfigureAwait(false);
        if (documents.Count == 0)
        {
            return [];
        }

        var versions = await connection.QueryAsync(transaction,
            """
            SELECT v.document_id, v.version, v.file_name, v.size_bytes, v.sha256, v.page_count, v.uploaded_by, v.uploaded_utc
            FROM document_versions v JOIN documents d ON d.id = v.document_id
            WHERE d.meeting_id = @m AND d.deleted_utc IS NULL ORDER BY v.document_id, v.version
            """,
            r => (Id: Guid.Parse(r.GetString(0)), Version: ReadVersion(r, 1)), cancellationToken, ("m", meetingId.ToString())).ConfigureAwait(false);
        var byDocument = versions.ToLookup(v => v.Id, v => v.Version);
        return documents.Select(d => d with { Versions = [.. byDocument[d.Id]] }).ToList();
    }

    public async Task<MeetingDocument?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync(connection, null, id, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<MeetingDocument?> GetAsync(DbConnection connection, DbTransaction? transaction, Guid id, CancellationToken cancellationToken)
    {
        var header = (await connection.QueryAsync(transaction,
            $"SELECT {DocumentColumns} FROM documents d WHERE d.id = @id AND d.deleted_utc IS NULL",
            ReadHeader, cancellationToken, ("id", id.ToString())).ConfigureAwait(false)).FirstOrDefault();
        if (header is null)
        {
            return null;
        }

        var versions = await connection.QueryAsync(transaction,
            "SELECT document_id, version, file_name, size_bytes, sha256, page_count, uploaded_by, uploaded_utc FROM document_versions WHERE document_id = @id ORDER BY version",
            r => ReadVersion(r, 1), cancellationToken, ("id", id.ToString())).ConfigureAwait(false);
        return header with { Versions = versions };
    }

    internal async Task InsertAsync(DbConnection connection, DbTransaction transaction, MeetingDocument document, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(transaction,
            """
            INSERT INTO documents (id, meeting_id, agenda_item_id, title, confidential, sort_order, current_version, created_by, created_utc, updated_utc)
            VALUES (@id, @m, @a, @t, @c, @o, @v, @by, @at, @at)
            """,
            cancellationToken, ("id", document.Id.ToString()), ("m", document.MeetingId.ToString()), ("a", document.AgendaItemId?.ToString()),
            ("t", document.Title), ("c", document.Confidential ? 1 : 0), ("o", document.Order), ("v", document.CurrentVersion),
            ("by", document.CreatedBy), ("at", database.ToDb(document.CreatedUtc))).ConfigureAwait(false);
        foreach (var version in document.Versions)
        {
            await InsertVersionAsync(connection, transaction, document.Id, version, cancellationToken).ConfigureAwait(false);
        }
    }

    internal Task InsertVersionAsync(DbConnection connection, DbTransaction transaction, Guid documentId, DocumentVersion v, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(transaction,
            """
            INSERT INTO document_versions (document_id, version, file_name, size_bytes, sha256, page_count, uploaded_by, uploaded_utc)
            VALUES (@d, @v, @f, @s, @h, @p, @by, @at)
            """,
            cancellationToken, ("d", documentId.ToString()), ("v", v.Version), ("f", v.FileName), ("s", v.SizeBytes), ("h", v.Sha256),
            ("p", v.PageCount), ("by", v.UploadedBy), ("at", database.ToDb(v.UploadedUtc)));

    internal Task UpdateHeaderAsync(DbConnection connection, DbTransaction transaction, MeetingDocument d, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(transaction,
            "UPDATE documents SET agenda_item_id = @a, title = @t, confidential = @c, sort_order = @o, current_version = @v, updated_utc = @u WHERE id = @id",
            cancellationToken, ("id", d.Id.ToString()), ("a", d.AgendaItemId?.ToString()), ("t", d.Title), ("c", d.Confidential ? 1 : 0),
            ("o", d.Order), ("v", d.CurrentVersion), ("u", database.ToDb(d.UpdatedUtc)));

    internal Task SoftDeleteAsync(DbConnection connection, DbTransaction transaction, Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(transaction, "UPDATE documents SET deleted_utc = @u, updated_utc = @u WHERE id = @id", cancellationToken,
            ("id", id.ToString()), ("u", database.ToDb(now)));

    internal async Task<int> NextOrderAsync(DbConnection connection, DbTransaction transaction, Guid meetingId, CancellationToken cancellationToken)
    {
        var max = await connection.ScalarAsync(transaction, "SELECT MAX(sort_order) FROM documents WHERE meeting_id = @m AND deleted_utc IS NULL",
            cancellationToken, ("m", meetingId.ToString())).ConfigureAwait(false);
        return max is null ? 1 : Convert.ToInt32(max, CultureInfo.InvariantCulture) + 1;
    }

    public async Task RecordOpenAsync(DocumentOpen open, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(open);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(null,
            """
            INSERT INTO document_opens (id, meeting_id, document_id, version, reader_kind, reader_id, reader_name, session_id, device, address, stamped, opened_utc)
            VALUES (@id, @m, @d, @v, @k, @r, @n, @s, @dev, @addr, @st, @at)
            """,
            cancellationToken, ("id", open.Id.ToString()), ("m", open.MeetingId.ToString()), ("d", open.DocumentId.ToString()), ("v", open.Version),
            ("k", open.ReaderKind), ("r", open.ReaderId), ("n", open.ReaderName), ("s", open.SessionId?.ToString()), ("dev", open.Device),
            ("addr", open.Address), ("st", open.Stamped ? 1 : 0), ("at", database.ToDb(open.OpenedUtc))).ConfigureAwait(false);
    }

    public async Task<DocumentOpen?> GetOpenAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync(null, OpenSelect + " WHERE id = @id", ReadOpen, cancellationToken, ("id", id.ToString())).ConfigureAwait(false)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<DocumentOpen>> ListOpensAsync(Guid meetingId, Guid? documentId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return documentId is { } d
            ? await connection.QueryAsync(null, OpenSelect + " WHERE meeting_id = @m AND document_id = @d ORDER BY opened_utc DESC LIMIT @l", ReadOpen, cancellationToken,
                ("m", meetingId.ToString()), ("d", d.ToString()), ("l", limit)).ConfigureAwait(false)
            : await connection.QueryAsync(null, OpenSelect + " WHERE meeting_id = @m ORDER BY opened_utc DESC LIMIT @l", ReadOpen, cancellationToken,
                ("m", meetingId.ToString()), ("l", limit)).ConfigureAwait(false);
    }

    private const string OpenSelect = "SELECT id, meeting_id, document_id, version, reader_kind, reader_id, reader_name, session_id, device, address, stamped, opened_utc FROM document_opens";

    private DocumentOpen ReadOpen(DbDataReader r) => new(
        Guid.Parse(r.GetString(0)), Guid.Parse(r.GetString(1)), Guid.Parse(r.GetString(2)), Convert.ToInt32(r.GetValue(3), CultureInfo.InvariantCulture),
        r.GetString(4), r.GetString(5), r.GetString(6), r.GetNullableString(7) is { } s ? Guid.Parse(s) : null, r.GetString(8), r.GetNullableString(9),
        Convert.ToInt32(r.GetValue(10), CultureInfo.InvariantCulture) != 0, database.ReadTime(r, 11));

    private MeetingDocument ReadHeader(DbDataReader r) => new(
        Guid.Parse(r.GetString(0)), Guid.Parse(r.GetString(1)), r.GetNullableString(2) is { } a ? Guid.Parse(a) : null, r.GetString(3),
        Convert.ToInt32(r.GetValue(4), CultureInfo.InvariantCulture) != 0, Convert.ToInt32(r.GetValue(5), CultureInfo.InvariantCulture),
        Convert.ToInt32(r.GetValue(6), CultureInfo.InvariantCulture), [], r.GetString(7), database.ReadTime(r, 8), database.ReadTime(r, 9));

    private DocumentVersion ReadVersion(DbDataReader r, int o) => new(
        Convert.ToInt32(r.GetValue(o), CultureInfo.InvariantCulture), r.GetString(o + 1), Convert.ToInt64(r.GetValue(o + 2), CultureInfo.InvariantCulture),
        r.GetString(o + 3), Convert.ToInt32(r.GetValue(o + 4), CultureInfo.InvariantCulture), r.GetString(o + 5), database.ReadTime(r, o + 6));
}
