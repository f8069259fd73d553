using Conferencing.Server.Store;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Accounts;

/// <summary>
/// Slows password guessing, per user name and per source address, in the store: every node counts
/// the same failures and a restart forgives nothing. After the limit the name (or the address) is
/// refused for <see cref="LoginThrottleOptions.LockoutDuration"/>. Rows are pruned once they are
/// older than the window and no longer locked, so the table holds at most the failures of one window.
/// </summary>
public sealed class LoginThrottle(Database database, IOptions<LoginThrottleOptions> options, TimeProvider time)
{
    private const string AccountKind = "account";
    private const string AddressKind = "address";

    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(1);

    private long _nextPruneTicks;

    /// <summary>The source address as counted: IPv4-mapped IPv6 as IPv4, "unknown" when there is none.</summary>
    public static string AddressOf(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var address = http.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    /// <summary>How long until the user name and the address may try again, or null when both may now.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(string username, string address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var until = await connection.QueryAsync(null,
            "SELECT locked_until_utc FROM login_failures WHERE ((kind = @ka AND subject = @u) OR (kind = @kd AND subject = @a)) AND locked_until_utc > @now",
            r => database.ReadTime(r, 0), cancellationToken,
            ("ka", AccountKind), ("u", username), ("kd", AddressKind), ("a", address), ("now", database.ToDb(now))).ConfigureAwait(false);
        return until.Count == 0 ? null : until.Max() - now;
    }

    public async Task FailedAsync(string username, string address, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await CountAsync(connection, transaction, AccountKind, username, o.MaxFailuresPerAccount, now, cancellationToken).ConfigureAwait(false);
            await CountAsync(connection, transaction, AddressKind, address, o.MaxFailuresPerAddress, now, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        var next = Interlocked.Read(ref _nextPruneTicks);
        if (now.UtcTicks >= next && Interlocked.CompareExchange(ref _nextPruneTicks, (now + PruneEvery).UtcTicks, next) == next)
        {
            await PruneAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A good password forgives the user name's failures; the address keeps its count (one valid account must not reset it).</summary>
    public async Task SucceededAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(null, "DELETE FROM login_failures WHERE kind = @k AND subject = @u", cancellationToken, ("k", AccountKind), ("u", username)).ConfigureAwait(false);
    }

    /// <summary>Deletes rows whose failures are older than the window and whose lock has passed.</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(null,
            "DELETE FROM login_failures WHERE last_failure_utc < @since AND (locked_until_utc IS NULL OR locked_until_utc <= @now)", cancellationToken,
            ("since", database.ToDb(now - options.Value.Window)), ("now", database.ToDb(now))).ConfigureAwait(false);
    }

    private async Task CountAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string kind, string subject, int max, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var o = options.Value;
        // One statement, so that two nodes counting the same name at once both count: the count
        // restarts when the last failure is older than the window or the lock has passed.
        await connection.ExecuteAsync(transaction, """
            INSERT INTO login_failures (kind, subject, failures, last_failure_utc, locked_until_utc) VALUES (@k, @s, 1, @now, NULL)
            ON CONFLICT (kind, subject) DO UPDATE SET
                failures = CASE WHEN login_failures.last_failure_utc < @since OR login_failures.locked_until_utc <= @now THEN 1 ELSE login_failures.failures + 1 END,
                locked_until_utc = CASE WHEN login_failures.locked_until_utc <= @now THEN NULL ELSE login_failures.locked_until_utc END,
                last_failure_utc = @now
            """, cancellationToken, ("k", kind), ("s", subject), ("now", database.ToDb(now)), ("since", database.ToDb(now - o.Window))).ConfigureAwait(false);
        await connection.ExecuteAsync(transaction,
            "UPDATE login_failures SET locked_until_utc = @until WHERE kind = @k AND subject = @s AND failures >= @max AND locked_until_utc IS NULL", cancellationToken,
            ("until", database.ToDb(now + o.LockoutDuration)), ("k", kind), ("s", subject), ("max", max)).ConfigureAwait(false);
    }
}
