using System.Data.Common;

namespace Conferencing.Server.Store;

/// <summary>One line of the audit trail: who did what to which record.</summary>
public sealed record AuditEntry(Guid Id, DateTimeOffset AtUtc, string Actor, string Action, string EntityType, string EntityId, string Summary);

/// <summary>
/// Filters for reading the audit trail, newest first; every part is optional. <see cref="Before"/>
/// continues a listing after its last line (that line's time and id), so pages never overlap or skip
/// lines written in the same instant.
/// </summary>
public sealed record AuditQuery(
    DateTimeOffset? FromUtc = null,
    DateTimeOffset? ToUtc = null,
    string? Actor = null,
    string? Action = null,
    string? EntityType = null,
    string? EntityId = null,
    (DateTimeOffset AtUtc, Guid Id)? Before = null,
    int Limit = 100);

/// <summary>
/// The audit trail, written in the same transaction as the change it records so the two cannot
/// disagree.
/// </summary>
public sealed class AuditLog(Database database, TimeProvider time)
{
    public Task WriteAsync(DbConnection connection, DbTransaction transaction, string actor, string action, string entityType, string entityId, string summary, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(transaction,
            "INSERT INTO audit_log (id, at_utc, actor, action, entity_type, entity_id, summary) VALUES (@id, @at, @actor, @action, @type, @entity, @summary)",
            cancellationToken,
            ("id", Guid.NewGuid().ToString()), ("at", database.ToDb(time.GetUtcNow())), ("actor", actor), ("action", action),
            ("type", entityType), ("entity", entityId), ("summary", summary));

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);

        // Only the filters given become SQL, each with a typed parameter.
        var conditions = new List<string>();
        var parameters = new List<(string, object?)>();
        void Add(string condition, string name, object value)
        {
            conditions.Add(condition);
            parameters.Add((name, value));
        }

        if (query.FromUtc is { } from)
        {
            Add("at_utc >= @from", "from", database.ToDb(from));
        }

        if (query.ToUtc is { } to)
        {
            Add("at_utc < @to", "to", database.ToDb(to));
        }

        if (!string.IsNullOrEmpty(query.Actor))
        {
            Add("actor = @actor", "actor", query.Actor);
        }

        if (!string.IsNullOrEmpty(query.Action))
        {
            Add("action = @action", "action", query.Action);
        }

        if (!string.IsNullOrEmpty(query.EntityType))
        {
            Add("entity_type = @type", "type", query.EntityType);
        }

        if (!string.IsNullOrEmpty(query.EntityId))
        {
            Add("entity_id = @entity", "entity", query.EntityId);
        }

        if (query.Before is { } before)
        {
            Add("(at_utc < @before OR (at_utc = @before AND id < @beforeId))", "before", database.ToDb(before.AtUtc));
            parameters.Add(("beforeId", before.Id.ToString()));
        }

        parameters.Add(("limit", Math.Clamp(query.Limit, 1, 2000)));
        var where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null,
            $"SELECT id, at_utc, actor, action, entity_type, entity_id, summary FROM audit_log {where} ORDER BY at_utc DESC, id DESC LIMIT @limit",
            r => new AuditEntry(Guid.Parse(r.GetString(0)), database.ReadTime(r, 1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6)),
            cancellationToken, [.. parameters]).ConfigureAwait(false);
    }

    /// <summary>The people who appear in the trail, for the page's filter.</summary>
    public async Task<IReadOnlyList<string>> ActorsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null, "SELECT DISTINCT actor FROM audit_log ORDER BY actor", r => r.GetString(0), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AuditEntry>> ListAsync(string? entityType, string? entityId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null,
            """
            SELECT id, at_utc, actor, action, entity_type, entity_id, summary FROM audit_log
            WHERE (@type IS NULL OR entity_type = @type) AND (@entity IS NULL OR entity_id = @entity)
            ORDER BY at_utc DESC LIMIT @limit
            """,
            r => new AuditEntry(Guid.Parse(r.GetString(0)), database.ReadTime(r, 1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6)),
            cancellationToken, ("type", entityType), ("entity", entityId), ("limit", limit)).ConfigureAwait(false);
    }
}
