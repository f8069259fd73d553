using Npgsql;
using Orleans.Hosting;

namespace Conferencing.Server.Hosting.Cluster;

/// <summary>
/// A silo's cluster storage on the province's PostgreSQL: membership (who is in the cluster, who is
/// dead) and reminders, through Orleans' ADO.NET providers over the tables and named queries that
/// store migration 13 creates. Run the store migrations before the silo starts: the providers read
/// their queries once, at start.
/// </summary>
public static class PostgresCluster
{
    /// <summary>
    /// The ADO.NET invariant the providers are given. Orleans does not consult
    /// <see cref="System.Data.Common.DbProviderFactories"/>: it keeps its own table from invariant to
    /// assembly and factory type, where "Npgsql" means <c>Npgsql.NpgsqlFactory.Instance</c> in the
    /// Npgsql assembly, which this project references; nothing needs registering.
    /// </summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Uses ADO.NET clustering and the ADO.NET reminder service on the PostgreSQL database at
    /// <paramref name="connectionString"/> (an Npgsql connection string, the store's own).
    /// </summary>
    public static ISiloBuilder UsePostgresCluster(this ISiloBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        // Refuse a malformed connection string now, with Npgsql's message, rather than at silo start.
        _ = new NpgsqlConnectionStringBuilder(connectionString);

        builder.UseAdoNetClustering(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
        builder.UseAdoNetReminderService(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
        return builder;
    }
}
