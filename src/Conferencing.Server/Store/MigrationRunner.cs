using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Conferencing.Server.Store;

/// <summary>
/// Brings a database to the schema this build expects, one step per transaction, so that a failed
/// step leaves the database at the previous version instead of half-way. Refuses a database newer
/// than the build, which would otherwise be silently misread.
/// </summary>
public sealed partial class MigrationRunner(Database database, ILogger<MigrationRunner> logger)
{
    public async Task<int> CurrentVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await EnsureVersionTableAsync(connection, cancellationToken).ConfigureAwait(false);
        var value = await connection.ScalarAsync(null, "SELECT MAX(version) FROM schema_version", cancellationToken).ConfigureAwait(false);
        return value is null ? 0 : Convert.ToInt32(value, CultureInfo.InvariantCulture);
    }

    /// <summary>Applies every step above the current version, up to <paramref name="targetVersion"/> (default: the latest).</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken, int? targetVersion = null)
    {
        var target = targetVersion ?? Migrations.Latest;
        var current = await CurrentVersionAsync(cancellationToken).ConfigureAwait(false);
        if (current > Migrations.Latest)
        {
            throw new InvalidOperationException(
                $"The database is at schema version {current}, newer than this build knows ({Migrations.Latest}). Run a newer build or restore a backup.");
        }

        foreach (var step in Migrations.All.Where(s => s.Version > current && s.Version <= target))
        {
            await database.InTransactionAsync(async (connection, transaction) =>
            {
                // Re-read under the lock: another node may have applied this step meanwhile.
                var applied = await connection.ScalarAsync(transaction, "SELECT COUNT(*) FROM schema_version WHERE version = @v", cancellationToken, ("v", step.Version)).ConfigureAwait(false);
                if (Convert.ToInt64(applied, CultureInfo.InvariantCulture) > 0)
                {
                    return;
                }

                await step.ApplyAsync(new MigrationContext(database, connection, transaction, cancellationToken)).ConfigureAwait(false);
                await connection.ExecuteAsync(transaction, "INSERT INTO schema_version (version, name, applied_utc) VALUES (@v, @n, @t)", cancellationToken,
                    ("v", step.Version), ("n", step.Name), ("t", database.ToDb(DateTimeOffset.UtcNow))).ConfigureAwait(false);
            }, cancellationToken, scheduleLock: true).ConfigureAwait(false);
            Log.MigrationApplied(logger, step.Version, step.Name);
        }
    }

    private async Task EnsureVersionTableAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(null, $"CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_utc {database.TimestampType} NOT NULL)", cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Store schema upgraded to version {Version}: {Name}")]
        public static partial void MigrationApplied(ILogger logger, int version, string name);
    }
}
