using System.Data.Common;
using System.Globalization;
using Conferencing.Server.Common;
using Conferencing.Server.Store;

namespace Conferencing.Server.Meetings;

/// <summary>Filters for listing meetings; every part is optional.</summary>
public sealed record MeetingQuery(DateTimeOffset? FromUtc = null, DateTimeOffset? ToUtc = null, MeetingStatus? Status = null, MeetingKind? Kind = null, string? SiteCode = null, int Limit = 500);

/// <summary>Another meeting holding some of the same endpoints at an overlapping time.</summary>
public sealed record MeetingConflict(Guid MeetingId, string Title, DateTimeOffset StartUtc, DateTimeOffset EndUtc, IReadOnlyList<ConflictSite> Sites);

public sealed record ConflictSite(string Code, string Name, IReadOnlyList<string> Endpoints);

/// <summary>
/// Meetings in the store: the aggregate as a JSON document, with the columns that queries and the
/// conflict check need beside it. Saves are optimistic: the row is written only if its version is
/// still the one that was loaded.
/// </summary>
public sealed class MeetingStore(Database database)
{
    private const string ActiveStatuses = "('Scheduled','Preparing','Live')";

    public async Task<Meeting?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync(connection, null, id, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<Meeting?> GetAsync(DbConnection connection, DbTransaction? transaction, Guid id, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync(transaction, "SELECT body, version FROM meetings WHERE id = @id", Read, cancellationToken, ("id", id.ToString())).ConfigureAwait(false);
        return rows.FirstOrDefault();
    }

    public async Task<IReadOnlyList<Meeting>> ListAsync(MeetingQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        // Only the filters given become SQL: typed parameters, no "@p IS NULL" guessing by the engine.
        var conditions = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.FromUtc is { } from)
        {
            conditions.Add("m.end_utc > @from");
            parameters.Add(("from", database.ToDb(from)));
        }

        if (query.ToUtc is { } to)
        {
            conditions.Add("m.start_utc < @to");
            parameters.Add(("to", database.ToDb(to)));
        }

        if (query.Status is { } status)
        {
            conditions.Add("m.status = @status");
            parameters.Add(("status", status.ToString()));
        }

        if (query.Kind is { } kind)
        {
            conditions.Add("m.kind = @kind");
            parameters.Add(("kind", kind.ToString()));
        }

        if (query.SiteCode is { } site)
        {
            conditions.Add("EXISTS (SELECT 1 FROM meeting_sites s WHERE s.meeting_id = m.id AND s.site_code = @site)");
            parameters.Add(("site", site));
        }

        parameters.Add(("limit", Math.Clamp(query.Limit, 1, 5000)));
        var where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(null, $"SELECT body, version FROM meetings m {where} ORDER BY m.start_utc, m.id LIMIT @limit",
            Read, cancellationToken, [.. parameters]).ConfigureAwait(false);
    }

    /// <summary>
    /// Active meetings other than <paramref name="meeting"/> that overlap it in time and share a site
    /// that has an endpoint. Call inside the schedule lock so the answer still holds at commit; a dry
    /// run (the form asking as the secretariat types) calls it without a transaction.
    /// </summary>
    internal async Task<IReadOnlyList<MeetingConflict>> FindConflictsAsync(DbConnection connection, DbTransaction? transaction, Meeting meeting, CancellationToken cancellationToken)
    {
        if (!meeting.HoldsEndpoints)
        {
            return [];
        }

        var overlapping = await connection.QueryAsync(transaction,
            $"""
            SELECT m.id, m.title, m.start_utc, m.end_utc, ms.site_code
            FROM meetings m JOIN meeting_sites ms ON ms.meeting_id = m.id
            WHERE m.status IN {ActiveStatuses} AND m.id <> @id AND m.start_utc < @end AND m.end_utc > @start
            ORDER BY m.start_utc, m.id, ms.site_code
            """,
            r => (Id: Guid.Parse(r.GetString(0)), Title: r.GetString(1), Start: database.ReadTime(r, 2), End: database.ReadTime(r, 3), Site: r.GetString(4)),
            cancellationToken, ("id", meeting.Id.ToString()), ("start", database.ToDb(meeting.StartUtc)), ("end", database.ToDb(meeting.EndUtc))).ConfigureAwait(false);
        var ours = meeting.SiteCodes.ToHashSet(StringComparer.Ordinal);
        var shared = overlapping.Where(o => ours.Contains(o.Site)).ToList();
        if (shared.Count == 0)
        {
            return [];
        }

        var endpoints = (await connection.QueryAsync(transaction,
                "SELECT e.site_code, e.sip_uri, s.name FROM endpoints e JOIN sites s ON s.code = e.site_code ORDER BY e.sip_uri",
                r => (Site: r.GetString(0), Uri: r.GetString(1), Name: r.GetString(2)), cancellationToken).ConfigureAwait(false))
            .Where(e => ours.Contains(e.Site))
            .GroupBy(e => e.Site, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Name: g.First().Name, Uris: g.Select(e => e.Uri).ToList()), StringComparer.Ordinal);

        return shared
            .Where(o => endpoints.ContainsKey(o.Site))
            .GroupBy(o => o.Id)
            .Select(g => new MeetingConflict(g.Key, g.First().Title, g.First().Start, g.First().End,
                g.Select(o => new ConflictSite(o.Site, endpoints[o.Site].Name, endpoints[o.Site].Uris)).ToList()))
            .ToList();
    }

    internal async Task InsertAsync(DbConnection connection, DbTransaction transaction, Meeting meeting, CancellationToken cancellationToken)
    {
        meeting.Version = 1;
        await connection.ExecuteAsync(transaction,
            """
            INSERT INTO meetings (id, version, title, kind, status, host_site_code, start_utc, end_utc, body, created_utc, updated_utc, dial_number)
            VALUES (@id, @version, @title, @kind, @status, @host, @start, @end, @body, @created, @updated, @dial)
            """,
            cancellationToken, Columns(meeting)).ConfigureAwait(false);
        await WriteSitesAsync(connection, transaction, meeting, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the meeting if the stored version is still <paramref name="loadedVersion"/>.</summary>
    internal async Task UpdateAsync(DbConnection connection, DbTransaction transaction, Meeting meeting, int loadedVersion, bool sitesChanged, CancellationToken cancellationToken)
    {
        meeting.Version = loadedVersion + 1;
        var rows = await connection.ExecuteAsync(transaction,
            """
            UPDATE meetings SET version = @version, title = @title, kind = @kind, status = @status, host_site_code = @host,
                start_utc = @start, end_utc = @end, body = @body, updated_utc = @updated, dial_number = @dial
            WHERE id = @id AND version = @loaded
            """,
            cancellationToken, [.. Columns(meeting), ("loaded", loadedVersion)]).ConfigureAwait(false);
        if (rows != 1)
        {
            meeting.Version = loadedVersion;
            throw VersionConflict(meeting.Id, loadedVersion);
        }

        if (sitesChanged)
        {
            await connection.ExecuteAsync(transaction, "DELETE FROM meeting_sites WHERE meeting_id = @id", cancellationToken, ("id", meeting.Id.ToString())).ConfigureAwait(false);
            await WriteSitesAsync(connection, transaction, meeting, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A dial-in number no stored meeting has, with a fresh PIN. Numbers are random (a guessable
    /// sequence would tell an outsider which meetings exist); the unique index on the column is the
    /// last word if two nodes ever draw the same one at once.
    /// </summary>
    internal static async Task<MeetingDialIn> NewDialInAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var number = System.Security.Cryptography.RandomNumberGenerator.GetInt32(1_000_000, 10_000_000).ToString(CultureInfo.InvariantCulture);
            var taken = await connection.ScalarAsync(transaction, "SELECT id FROM meetings WHERE dial_number = @n", cancellationToken, ("n", number)).ConfigureAwait(false);
            if (taken is null || attempt >= 20)
            {
                var pin = System.Security.Cryptography.RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
                return new MeetingDialIn(number, pin);
            }
        }
    }

    internal static DomainException VersionConflict(Guid id, int version) =>
        new(DomainErrorKind.Conflict, "meeting.version-conflict",
            string.Create(CultureInfo.InvariantCulture, $"Meeting {id} was changed by someone else since version {version}; reload it and apply your change again."),
            "version");

    private static async Task WriteSitesAsync(DbConnection connection, DbTransaction transaction, Meeting meeting, CancellationToken cancellationToken)
    {
        foreach (var code in meeting.SiteCodes)
        {
            await connection.ExecuteAsync(transaction, "INSERT INTO meeting_sites (meeting_id, site_code) VALUES (@m, @s)", cancellationToken,
                ("m", meeting.Id.ToString()), ("s", code)).ConfigureAwait(false);
        }
    }

    private (string, object?)[] Columns(Meeting m) =>
    [
        ("id", m.Id.ToString()), ("version", m.Version), ("title", m.Title), ("kind", m.Kind.ToString()), ("status", m.Status.ToString()),
        ("host", m.HostSiteCode), ("start", database.ToDb(m.StartUtc)), ("end", database.ToDb(m.EndUtc)), ("body", m.ToJson()),
        ("created", database.ToDb(m.CreatedUtc)), ("updated", database.ToDb(m.UpdatedUtc)), ("dial", m.DialIn?.Number),
    ];

    private static Meeting Read(DbDataReader r) => Meeting.FromJson(r.GetString(0), Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture));
}
