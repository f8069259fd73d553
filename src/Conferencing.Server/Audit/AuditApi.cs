using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conferencing.Server.Audit;

/// <summary>The audit trail over HTTP, for administrators: who created, changed, started or cancelled what.</summary>
public static class AuditApi
{
    /// <summary>A page of the trail; <see cref="Next"/> is the cursor for the page after it, null at the end.</summary>
    public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, string? Next);

    public static RouteHandlerBuilder MapAuditApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/audit", ListAsync).WithTags("Audit").RequireAuthorization(StaffRoles.Policies.Admin).ProducesValidationProblem()
            .WithSummary("Newest first. Filters: from, to (ISO 8601 instants), actor, action, entityType, entityId; limit (default 200); "
                + "paged=true answers {entries, next} and takes the next page with before=<next>.");

    private static async Task<Results<Ok<IReadOnlyList<AuditEntry>>, Ok<AuditPage>>> ListAsync(
        AuditLog audit, DateTimeOffset? from, DateTimeOffset? to, string? actor, string? action, string? entityType, string? entityId,
        string? before, int? limit, bool? paged, CancellationToken cancellationToken)
    {
        var size = Math.Clamp(limit ?? 200, 1, 2000);
        var query = new AuditQuery(from, to, actor, action, entityType, entityId, ParseCursor(before), size);
        var entries = await audit.QueryAsync(query, cancellationToken).ConfigureAwait(false);
        if (paged != true)
        {
            return TypedResults.Ok(entries);
        }

        return TypedResults.Ok(new AuditPage(entries, entries.Count == size ? Cursor(entries[^1]) : null));
    }

    /// <summary>The cursor after a line: its time and id, opaque to clients.</summary>
    public static string Cursor(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return $"{entry.AtUtc.UtcTicks}.{entry.Id:N}";
    }

    public static (DateTimeOffset, Guid)? ParseCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && long.TryParse(cursor.AsSpan(0, dot), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ticks)
            && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks && Guid.TryParseExact(cursor.AsSpan(dot + 1), "N", out var id)
            ? (new DateTimeOffset(ticks, TimeSpan.Zero), id)
            : throw DomainException.Invalid("before", "The cursor is not one this API gave out.");
    }
}
