using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conferencing.Server.Store;

/// <summary>
/// The store's connections and the few places where SQLite and PostgreSQL differ: how a write
/// transaction takes the schedule lock, and how a timestamp travels. Everything else is plain SQL
/// both engines accept.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _sqliteConnectionString;

    public Database(IOptions<StoreOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        Provider = value.ResolveProvider();
        if (Provider == StoreProvider.PostgreSql)
        {
            _postgres = NpgsqlDataSource.Create(value.ConnectionString);
        }
        else
        {
            var builder = new SqliteConnectionStringBuilder(value.ConnectionString)
            {
                ForeignKeys = true,
                Pooling = true,
                DefaultTimeout = 30,
            };
            if (builder.Mode != SqliteOpenMode.Memory && !string.IsNullOrEmpty(builder.DataSource))
            {
                Hosting.OwnerOnly.CreateFile(Path.GetFullPath(builder.DataSource));
            }

            _sqliteConnectionString = builder.ToString();
        }
    }

    public StoreProvider Provider { get; }

    /// <summary>The column type used for instants: text in ISO 8601 UTC on SQLite, timestamptz on PostgreSQL.</summary>
    public string TimestampType => Provider == StoreProvider.PostgreSql ? "timestamptz" : "TEXT";

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }

        var connection = new SqliteConnection(_sqliteConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>Synchronous open, for the few framework callbacks that cannot await (data-protection keys).</summary>
    public DbConnection Open()
    {
        if (_postgres is not null)
        {
            return _postgres.OpenConnection();
        }

        var connection = new SqliteConnection(_sqliteConnectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout=30000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and commits it, or rolls everything back if it
    /// throws. With <paramref name="scheduleLock"/> the transaction also holds the store-wide schedule
    /// lock, so that checking for overlapping meetings and writing one cannot interleave with another
    /// node doing the same. SQLite write transactions (BEGIN IMMEDIATE) are already exclusive.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken, bool scheduleLock = false)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        if (scheduleLock && Provider == StoreProvider.PostgreSql)
        {
            await using var lockCommand = connection.Command(transaction, "SELECT pg_advisory_xact_lock(7735001)");
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var result = await work(connection, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public Task InTransactionAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken cancellationToken, bool scheduleLock = false)
    {
        ArgumentNullException.ThrowIfNull(work);
        return InTransactionAsync<bool>(async (c, t) =>
        {
            await work(c, t).ConfigureAwait(false);
            return true;
        }, cancellationToken, scheduleLock);
    }

    /// <summary>Converts an instant into the parameter value the engine stores.</summary>
    public object ToDb(DateTimeOffset value) => Provider == StoreProvider.PostgreSql
        ? value.UtcDateTime
        : value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Reads an instant written by <see cref="ToDb"/>.</summary>
    public DateTimeOffset ReadTime(DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (Provider == StoreProvider.PostgreSql)
        {
            var value = reader.GetFieldValue<DateTime>(ordinal);
            return new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc));
        }

        return DateTimeOffset.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync().ConfigureAwait(false);
        }
    }
}
