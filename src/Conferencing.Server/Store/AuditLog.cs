using System.Data.Common;

namespace Conferencing.Server.Store;

/// <summary>One line of the audit trail: who did what to which record.</summary>
public sealed record AuditEntry(Guid Id, DateTimeOffset AtUtc, string Actor, string Action, string EntityType, string EntityId, string Summary);

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
