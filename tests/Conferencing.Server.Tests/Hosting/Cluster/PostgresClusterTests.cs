using System.Diagnostics;
using Conferencing.Server.Store;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Hosting.Cluster;

/// <summary>
/// Two in-process silos configured with <c>UsePostgresCluster</c> on a fresh migrated database: real
/// ADO.NET membership and reminders (the TestingHost's own membership is off), silos and client
/// finding each other only through the tables.
/// </summary>
public sealed class PostgresClusterTests(ITestOutputHelper output)
{
    private const int Active = (int)SiloStatus.Active;
    private const int Dead = (int)SiloStatus.Dead;

    [Fact]
    public async Task TwoSilosJoinThroughPostgreSqlAndRunGrainsAndReminders()
    {
        await using var test = await PostgresClusterStorageTests.MigratedAsync();
        var cluster = await DeployAsync(test);
        try
        {
            await EventuallyAsync(async () => (await MembersAsync(test, cluster)).Count(m => m.Status == Active) == 2, "both silos Active in the membership table");
            var members = await MembersAsync(test, cluster);
            Assert.Equal(cluster.Silos.Select(s => s.SiloAddress.ToParsableString()).Order(StringComparer.Ordinal),
                members.Where(m => m.Status == Active).Select(m => m.Silo).Order(StringComparer.Ordinal));

            var grain = cluster.Client.GetGrain<IClusterProbeGrain>("xa-doan-hung");
            var host = await grain.WhereAmIAsync().DefaultTimeout();
            Assert.Contains(host, cluster.Silos.Select(s => s.SiloAddress));

            await grain.StartTickingAsync().DefaultTimeout();
            await using (var database = test.Open())
            await using (var connection = await database.OpenAsync(CancellationToken.None))
            {
                Assert.Equal(1L, await connection.ScalarAsync(null, "SELECT COUNT(*) FROM orleans_reminders WHERE service_id = @s AND reminder_name = 'tick'",
                    CancellationToken.None, ("s", cluster.Options.ServiceId)).DefaultTimeout());
            }

            await EventuallyAsync(async () => await grain.TicksAsync().DefaultTimeout() >= 2, "two reminder ticks");

            var gateways = await PostgresClusterStorageTests.GatewaysAsync(test.ConnectionString, cluster.Options.ClusterId);
            Assert.Equal(cluster.Silos.Select(s => s.GatewayAddress.Endpoint.Port).Order(), gateways.Select(g => g.Port).Order());
        }
        finally
        {
            await cluster.DisposeAsync().DefaultTimeout();
        }
    }

    [Fact]
    public async Task WhenTheSiloHostingAGrainIsKilledTheSurvivorSeesItDeadAndTheGrainComesBackThere()
    {
        await using var test = await PostgresClusterStorageTests.MigratedAsync();
        var cluster = await DeployAsync(test);
        try
        {
            await EventuallyAsync(async () => (await MembersAsync(test, cluster)).Count(m => m.Status == Active) == 2, "both silos Active in the membership table");
            var grain = cluster.Client.GetGrain<IClusterProbeGrain>("xa-ha-hoa");
            var host = await grain.WhereAmIAsync().DefaultTimeout();
            var victim = cluster.Silos.Single(s => s.SiloAddress.Equals(host));
            var survivor = (InProcessSiloHandle)cluster.Silos.Single(s => !s.SiloAddress.Equals(host));
            var survivorView = survivor.ServiceProvider.GetRequiredService<IClusterMembershipService>();

            var clock = Stopwatch.StartNew();
            await cluster.KillSiloAsync(victim).DefaultTimeout();
            var killed = clock.Elapsed;
            await EventuallyAsync(() => Task.FromResult(survivorView.CurrentSnapshot.GetSiloStatus(victim.SiloAddress) == SiloStatus.Dead), "the survivor to see the victim Dead");
            var survivorSawDead = clock.Elapsed;
            await EventuallyAsync(async () => (await MembersAsync(test, cluster)).Single(m => m.Silo == victim.SiloAddress.ToParsableString()).Status == Dead, "the victim's row to say Dead");
            var tableSaysDead = clock.Elapsed;
            output.WriteLine($"kill returned after {killed.TotalMilliseconds:F0} ms; survivor saw Dead at {survivorSawDead.TotalMilliseconds:F0} ms; table said Dead by {tableSaysDead.TotalMilliseconds:F0} ms");
            var row = (await MembersAsync(test, cluster)).Single(m => m.Silo == victim.SiloAddress.ToParsableString());
            // An in-process kill still runs the silo's ungraceful stop, which writes its own Dead row (its
            // address is the vote here); a silo lost without a word is left to the survivor's probes.
            output.WriteLine($"victim's suspect_times: {row.SuspectTimes ?? "(none)"}");

            // The client may have used the victim as its gateway: it moves to the survivor from the table.
            SiloAddress? now = null;
            await EventuallyAsync(async () =>
            {
                try
                {
                    now = await grain.WhereAmIAsync().WaitAsync(TimeSpan.FromSeconds(5));
                    return true;
                }
                catch (Exception e) when (e is TimeoutException or OrleansException)
                {
                    return false;
                }
            }, "the grain to answer again");
            Assert.Equal(survivor.SiloAddress, now);

            var gateway = Assert.Single(await PostgresClusterStorageTests.GatewaysAsync(test.ConnectionString, cluster.Options.ClusterId));
            Assert.Equal(survivor.GatewayAddress.Endpoint.Port, gateway.Port);
        }
        finally
        {
            await cluster.DisposeAsync().DefaultTimeout();
        }
    }

    private static async Task<TestCluster> DeployAsync(TestDatabase test)
    {
        var builder = new TestClusterBuilder(2);
        builder.Options.UseTestClusterMembership = false;
        builder.Properties[PostgresSiloConfigurator.ConnectionStringKey] = test.ConnectionString;
        builder.AddSiloBuilderConfigurator<PostgresSiloConfigurator>();
        builder.AddClientBuilderConfigurator<PostgresClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync().DefaultTimeout();
        return cluster;
    }

    private sealed record Member(string Silo, int Status, string? SuspectTimes);

    private static async Task<List<Member>> MembersAsync(TestDatabase test, TestCluster cluster)
    {
        await using var database = test.Open();
        await using var connection = await database.OpenAsync(CancellationToken.None).DefaultTimeout();
        // The same "address:port@generation" form SiloAddress.ToParsableString writes.
        return await connection.QueryAsync(null,
            "SELECT address || ':' || port || '@' || generation, status, suspect_times FROM orleans_membership WHERE deployment_id = @d",
            r => new Member(r.GetString(0), r.GetInt32(1), r.IsDBNull(2) ? null : r.GetString(2)),
            CancellationToken.None, ("d", cluster.Options.ClusterId)).DefaultTimeout();
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition().DefaultTimeout())
        {
            if (deadline.Elapsed > TaskTimeouts.Default)
            {
                Assert.Fail("Timed out waiting for " + what);
            }

            await Task.Delay(50);
        }
    }
}
