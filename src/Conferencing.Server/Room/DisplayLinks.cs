using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Conferencing.Server.Store;

namespace Conferencing.Server.Room;

/// <summary>A room display's way in: a secret link for one site's television, revocable.</summary>
public sealed record DisplayLink(Guid Id, string SiteCode, string? Label, string CreatedBy, DateTimeOffset CreatedUtc, DateTimeOffset? RevokedUtc);

/// <summary>
/// Links for room displays. The secretariat makes one per room television and opens it on the TV
/// once; the TV keeps a display cookie and never needs a staff login. Only the link's SHA-256 is
/// stored, so a copy of the database does not give the links away; revoking one signs its TV out
/// within 30 seconds.
/// </summary>
public sealed class DisplayLinks(Database database, SiteStore sites, MeetingService meetings, AuditLog audit, TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, (bool Active, DateTimeOffset CheckedUtc)> _cache = new();

    /// <summary>Makes a link; the secret part is returned once, never stored.</summary>
    public async Task<(DisplayLink Link, string Token)> CreateAsync(string siteCode, string? label, string actor, CancellationToken cancellationToken)
    {
        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        if (!tree.TryGet(siteCode ?? "", out var site))
        {
            throw DomainException.Invalid("siteCode", $"No site '{siteCode}' exists.");
        }

        var clean = string.IsNullOrWhiteSpace(label) ? null : label.Trim();
        if (clean is { Length: > 200 })
        {
            throw DomainException.Invalid("label", "A label is at most 200 characters.");
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var link = new DisplayLink(Guid.NewGuid(), site.Code, clean, actor, time.GetUtcNow(), null);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(transaction,
                "INSERT INTO display_links (id, site_code, token_hash, label, created_by, created_utc) VALUES (@id, @s, @h, @l, @by, @at)",
                cancellationToken, ("id", link.Id.ToString()), ("s", link.SiteCode), ("h", Hash(token)), ("l", link.Label), ("by", actor),
                ("at", database.ToDb(link.CreatedUtc))).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "display-link.created", "site", site.Code, clean ?? site.Name, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (link, token);
    }

    public async Task<IReadOnlyList<DisplayLink>> ListAsync(string? siteCode, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        const string select = "SELECT id, site_code, label, created_by, created_utc, revoked_utc FROM display_links";
        return siteCode is null
            ? await connection.QueryAsync(null, select + " ORDER BY site_code, created_utc", Read, cancellationToken).ConfigureAwait(false)
            : await connection.QueryAsync(null, select + " WHERE site_code = @s ORDER BY created_utc", Read, cancellationToken, ("s", siteCode)).ConfigureAwait(false);
    }

    public async Task RevokeAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var rows = await connection.ExecuteAsync(transaction, "UPDATE display_links SET revoked_utc = @t WHERE id = @id AND revoked_utc IS NULL", cancellationToken,
                ("t", database.ToDb(time.GetUtcNow())), ("id", id.ToString())).ConfigureAwait(false);
            if (rows != 1)
            {
                throw DomainException.NotFound("display-link", id.ToString());
            }

            await audit.WriteAsync(connection, transaction, actor, "display-link.revoked", "display-link", id.ToString(), "revoked", cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        _cache[id] = (false, time.GetUtcNow());
    }

    /// <summary>The link a secret opens, if it is still good.</summary>
    public async Task<DisplayLink?> FindAsync(string? token, CancellationToken cancellationToken)
    {
        if (token is not { Length: 43 } || !token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return null;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync(null, "SELECT id, site_code, label, created_by, created_utc, revoked_utc FROM display_links WHERE token_hash = @h AND revoked_utc IS NULL",
            Read, cancellationToken, ("h", Hash(token))).ConfigureAwait(false)).FirstOrDefault();
    }

    /// <summary>A link by its id, revoked or not.</summary>
    public async Task<DisplayLink?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync(null, "SELECT id, site_code, label, created_by, created_utc, revoked_utc FROM display_links WHERE id = @id",
            Read, cancellationToken, ("id", id.ToString())).ConfigureAwait(false)).FirstOrDefault();
    }

    public async Task<bool> IsActiveAsync(Guid id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(id, out var cached) && now - cached.CheckedUtc < TimeSpan.FromSeconds(30))
        {
            return cached.Active;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var active = await connection.ScalarAsync(null, "SELECT 1 FROM display_links WHERE id = @id AND revoked_utc IS NULL", cancellationToken, ("id", id.ToString())).ConfigureAwait(false) is not null;
        _cache[id] = (active, now);
        return active;
    }

    public static ClaimsPrincipal Principal(DisplayLink link, string siteName)
    {
        ArgumentNullException.ThrowIfNull(link);
        return new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, siteName), new Claim(RoomAuth.SiteClaim, link.SiteCode), new Claim(RoomAuth.LinkClaim, link.Id.ToString())],
            RoomAuth.DisplayScheme));
    }

    /// <summary>
    /// The meeting a site's display shows now: a live one, else one preparing, else the next one
    /// starting within 36 hours (delegates may read ahead), else the one that ended within the hour.
    /// </summary>
    public async Task<Meeting?> CurrentMeetingAsync(string siteCode, CancellationToken cancellationToken)
    {
        // A live or preparing meeting holds the room whatever its planned hours say.
        foreach (var status in new[] { MeetingStatus.Live, MeetingStatus.Preparing })
        {
            var running = await meetings.ListAsync(new MeetingQuery(Status: status, SiteCode: siteCode, Limit: 20), cancellationToken).ConfigureAwait(false);
            if (running.Count > 0)
            {
                return running.OrderByDescending(m => m.StartedUtc ?? m.StartUtc).First();
            }
        }

        var now = time.GetUtcNow();
        var list = await meetings.ListAsync(new MeetingQuery(FromUtc: now.AddHours(-2), ToUtc: now.AddHours(36), SiteCode: siteCode, Limit: 200), cancellationToken).ConfigureAwait(false);
        return list.Where(m => m.Status == MeetingStatus.Scheduled && m.EndUtc > now).OrderBy(m => m.StartUtc).FirstOrDefault()
            ?? list.Where(m => m.Status == MeetingStatus.Ended && m.EndedUtc > now.AddHours(-1)).OrderByDescending(m => m.EndedUtc).FirstOrDefault();
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token)));

    private DisplayLink Read(System.Data.Common.DbDataReader r) => new(
        Guid.Parse(r.GetString(0)), r.GetString(1), r.GetNullableString(2), r.GetString(3), database.ReadTime(r, 4), r.IsDBNull(5) ? null : database.ReadTime(r, 5));
}
