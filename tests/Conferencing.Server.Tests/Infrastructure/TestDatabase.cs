using Conferencing.Server.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conferencing.Server.Tests.Infrastructure;

/// <summary>
/// A throwaway database: a SQLite file in a fresh temporary folder, or a fresh database on the
/// PostgreSQL server that ops/test starts (CONFERENCING_TEST_POSTGRES). PostgreSQL tests fail, not
/// skip, when that server is missing.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "CONFERENCING_TEST_POSTGRES";

    private readonly string? _directory;
    private readonly string? _postgresName;

    private TestDatabase(StoreProvider provider, string connectionString, string? directory, string? postgresName)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _directory = directory;
        _postgresName = postgresName;
    }

    public StoreProvider Provider { get; }

    public string ConnectionString { get; }

    public static TestDatabase Sqlite()
    {
        var directory = Path.Combine(Path.GetTempPath(), "conferencing-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return new TestDatabase(StoreProvider.Sqlite, $"Data Source={Path.Combine(directory, "conferencing.db")}", directory, null);
    }

    public static async Task<TestDatabase> PostgresAsync()
    {
        var server = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrEmpty(server))
        {
            throw new InvalidOperationException($"{PostgresVariable} is not set. Run the tests with ops/test, which installs and starts a throwaway PostgreSQL.");
        }

        var name = "conf_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync().DefaultTimeout();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync().DefaultTimeout();
        }

        var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
        return new TestDatabase(StoreProvider.PostgreSql, builder.ConnectionString, null, name);
    }

    public static Task<TestDatabase> CreateAsync(StoreProvider provider) =>
        provider == StoreProvider.Sqlite ? Task.FromResult(Sqlite()) : PostgresAsync();

    public Database Open() => new(Options.Create(new StoreOptions { ConnectionString = ConnectionString }));

    public async Task<Database> OpenMigratedAsync(int? version = null)
    {
        var database = Open();
        await new MigrationRunner(database, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None, version).DefaultTimeout();
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgresName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable(PostgresVariable));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }

        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still open by a finishing host; the temp folder is cleaned by the OS.
            }
        }
    }
}
