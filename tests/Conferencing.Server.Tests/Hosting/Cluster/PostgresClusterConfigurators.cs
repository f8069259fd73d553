using Conferencing.Server.Hosting.Cluster;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Conferencing.Server.Tests.Hosting.Cluster;

/// <summary>
/// Applies <see cref="PostgresCluster.UsePostgresCluster"/> to every test silo, with membership timings
/// short enough for a test to watch a silo die (see the README's "Cluster storage" for what each trades).
/// The TestingHost creates configurators itself, so the database comes through configuration.
/// </summary>
public sealed class PostgresSiloConfigurator : ISiloConfigurator
{
    public const string ConnectionStringKey = "Test:PostgresCluster:ConnectionString";

    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);
    public const int NumMissedProbesLimit = 2;
    public static readonly TimeSpan IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan TableRefreshTimeout = TimeSpan.FromSeconds(1);

    public void Configure(ISiloBuilder siloBuilder)
    {
        ArgumentNullException.ThrowIfNull(siloBuilder);
        ClusterSetup.AddGrainSerialization(siloBuilder.Services);
        siloBuilder.UsePostgresCluster(siloBuilder.Configuration[ConnectionStringKey]
            ?? throw new InvalidOperationException(ConnectionStringKey + " is not set"));
        siloBuilder.Services.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = ProbeTimeout;
            o.NumMissedProbesLimit = NumMissedProbesLimit;
            // Two silos: the survivor is the only one left to vote.
            o.NumVotesForDeathDeclaration = 1;
            o.IAmAliveTablePublishTimeout = IAmAliveTablePublishTimeout;
            o.TableRefreshTimeout = TableRefreshTimeout;
            o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(20);
        });
        siloBuilder.Services.Configure<ReminderOptions>(o =>
        {
            o.MinimumReminderPeriod = TimeSpan.FromSeconds(1);
            o.RefreshReminderListPeriod = TimeSpan.FromSeconds(1);
        });
    }
}

/// <summary>The test client finds the silos through the same table: the gateway list query.</summary>
public sealed class PostgresClientConfigurator : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(clientBuilder);
        ClusterSetup.AddGrainSerialization(clientBuilder.Services);
        clientBuilder.UseAdoNetClustering(o =>
        {
            o.Invariant = PostgresCluster.Invariant;
            o.ConnectionString = configuration[PostgresSiloConfigurator.ConnectionStringKey];
        });
        clientBuilder.Services.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
    }
}
