using System.Data.Common;
using System.Globalization;
using Conferencing.Server.Common;
using Conferencing.Server.Store;

namespace Conferencing.Server.Sites;

/// <summary>Outcome of an import: how many sites were new, changed, or already the same.</summary>
public sealed record SiteImportResult(int Created, int Updated, int Unchanged);

/// <summary>
/// Sites in the store. Every write validates the whole resulting tree inside its transaction, so the
/// stored tree is always one that <see cref="SiteTree.Build"/> accepts.
/// </summary>
public sealed class SiteStore(Database database, AuditLog audit, TimeProvider time)
{
    public async Task<SiteTree> LoadTreeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return SiteTree.Build(await ReadAllAsync(connection, null, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Sites whose name contains the query, ignoring case and diacritics ("pa co" finds "Xã Pà Cò"),
    /// matched in the database on the folded name kept beside each site.
    /// </summary>
    public async Task<IReadOnlyList<Site>> SearchAsync(string query, int limit, CancellationToken cancellationToken)
    {
        var folded = VietnameseText.Fold(query).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null,
            """
            SELECT code, name, parent_code, level, kind FROM sites
            WHERE search_name LIKE @q ESCAPE '\'
            ORDER BY CASE level WHEN 'Province' THEN 0 WHEN 'Department' THEN 1 WHEN 'District' THEN 2 ELSE 3 END, code
            LIMIT @limit
            """,
            ReadSite, cancellationToken, ("q", "%" + folded + "%"), ("limit", limit)).ConfigureAwait(false);
    }

    /// <summary>Creates or replaces one site.</summary>
    public Task<bool> UpsertAsync(Site site, string actor, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var existing = await ReadAllAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var created = !existing.Any(s => s.Code == site.Code);
            var merged = existing.Where(s => s.Code != site.Code).Append(site).ToList();
            SiteTree.Build(merged);
            await WriteAsync(connection, transaction, site, cancellationToken).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, created ? "site.created" : "site.updated", "site", site.Code, site.Name, cancellationToken).ConfigureAwait(false);
            return created;
        }, cancellationToken);

    /// <summary>Merges the sites into the tree: all of them or none.</summary>
    public Task<SiteImportResult> ImportAsync(IReadOnlyList<Site> sites, string actor, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var existing = (await ReadAllAsync(connection, transaction, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.Code, StringComparer.Ordinal);
            var duplicate = sites.GroupBy(s => s.Code, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw DomainException.Invalid(duplicate.Key, $"Site code '{duplicate.Key}' appears more than once in the file.");
            }

            var merged = new Dictionary<string, Site>(existing, StringComparer.Ordinal);
            foreach (var site in sites)
            {
                merged[site.Code] = site;
            }

            var tree = SiteTree.Build(merged.Values);
            int created = 0, updated = 0, unchanged = 0;
            var incoming = sites.Select(s => s.Code).ToHashSet(StringComparer.Ordinal);

            // Parents before children keeps the foreign key satisfied at every insert.
            foreach (var root in tree.Roots)
            {
                foreach (var site in tree.Subtree(root.Code).Where(s => incoming.Contains(s.Code)))
                {
                    if (!existing.TryGetValue(site.Code, out var before))
                    {
                        created++;
                    }
                    else if (before == site)
                    {
                        unchanged++;
                        continue;
                    }
                    else
                    {
                        updated++;
                    }

                    await WriteAsync(connection, transaction, site, cancellationToken).ConfigureAwait(false);
                }
            }

            await audit.WriteAsync(connection, transaction, actor, "site.imported", "site", "*",
                string.Create(CultureInfo.InvariantCulture, $"{created} created, {updated} updated, {unchanged} unchanged"), cancellationToken).ConfigureAwait(false);
            return new SiteImportResult(created, updated, unchanged);
        }, cancellationToken);

    /// <summary>Deletes a leaf site that nothing refers to; otherwise says what still uses it.</summary>
    public Task DeleteAsync(string code, string actor, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var name = await connection.ScalarAsync(transaction, "SELECT name FROM sites WHERE code = @c", cancellationToken, ("c", code)).ConfigureAwait(false)
                ?? throw DomainException.NotFound("site", code);
            var uses = new List<string>();
            if (await CountAsync(connection, transaction, "SELECT COUNT(*) FROM sites WHERE parent_code = @c", code, cancellationToken).ConfigureAwait(false) is > 0 and var children)
            {
                uses.Add($"{children} child site(s)");
            }

            if (await CountAsync(connection, transaction, "SELECT COUNT(*) FROM endpoints WHERE site_code = @c", code, cancellationToken).ConfigureAwait(false) is > 0 and var endpoints)
            {
                uses.Add($"{endpoints} endpoint(s)");
            }

            if (await CountAsync(connection, transaction, "SELECT COUNT(*) FROM meeting_sites WHERE site_code = @c", code, cancellationToken).ConfigureAwait(false)
                + await CountAsync(connection, transaction, "SELECT COUNT(*) FROM meetings WHERE host_site_code = @c", code, cancellationToken).ConfigureAwait(false) is > 0 and var meetings)
            {
                uses.Add($"{meetings} meeting(s)");
            }

            if (uses.Count > 0)
            {
                throw new DomainException(DomainErrorKind.Conflict, "site.in-use", $"Site '{code}' is still used by {string.Join(", ", uses)}.");
            }

            await connection.ExecuteAsync(transaction, "DELETE FROM sites WHERE code = @c", cancellationToken, ("c", code)).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "site.deleted", "site", code, (string)name, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    internal static async Task<List<Site>> ReadAllAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken) =>
        await connection.QueryAsync(transaction, "SELECT code, name, parent_code, level, kind FROM sites", ReadSite, cancellationToken).ConfigureAwait(false);

    private static Site ReadSite(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetNullableString(2), Enum.Parse<SiteLevel>(r.GetString(3)), Enum.Parse<SiteKind>(r.GetString(4)));

    private async Task WriteAsync(DbConnection connection, DbTransaction transaction, Site site, CancellationToken cancellationToken)
    {
        var now = database.ToDb(time.GetUtcNow());
        await connection.ExecuteAsync(transaction,
            """
            INSERT INTO sites (code, name, search_name, parent_code, level, kind, created_utc, updated_utc)
            VALUES (@code, @name, @search, @parent, @level, @kind, @now, @now)
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, search_name = excluded.search_name, parent_code = excluded.parent_code,
                level = excluded.level, kind = excluded.kind, updated_utc = excluded.updated_utc
            """,
            cancellationToken,
            ("code", site.Code), ("name", site.Name), ("search", VietnameseText.Fold(site.Name)), ("parent", site.ParentCode),
            ("level", site.Level.ToString()), ("kind", site.Kind.ToString()), ("now", now)).ConfigureAwait(false);
    }

    private static async Task<long> CountAsync(DbConnection connection, DbTransaction transaction, string sql, string code, CancellationToken cancellationToken) =>
        Convert.ToInt64(await connection.ScalarAsync(transaction, sql, cancellationToken, ("c", code)).ConfigureAwait(false), CultureInfo.InvariantCulture);
}
