namespace Conferencing.Server.Hosting.Cluster;

/// <summary>Cluster membership and reminders in the PostgreSQL store (tables from the store's migrations).</summary>
public static class PostgresCluster
{
    public const string Invariant = "Npgsql";

    public static ISiloBuilder UsePostgresCluster(this ISiloBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            })
            .UseAdoNetReminderService(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
    }
}
