using System.Net;
using Conferencing.Server.Hosting.Cluster;
using Conferencing.Server.Store;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.Membership;
using Orleans.Runtime.MembershipService;

namespace Conferencing.Server.Tests.Hosting.Cluster;

/// <summary>
/// The providers' own table classes against migration 13 on a fresh PostgreSQL database: the named
/// queries honour the contract (versioned membership writes, etags on reminders, ring ranges).
/// </summary>
public sealed class PostgresClusterStorageTests
{
    private static readonly DateTime Now = DateTime.UtcNow;

    [Fact]
    public async Task AMembershipWriteSucceedsOnlyWithTheVersionItRead()
    {
        await using var test = await MigratedAsync();
        var table = await ClusteringTableAsync(test, "cluster-a");

        var empty = await table.ReadAllAsync().DefaultTimeout();
        Assert.Empty(empty.Members);
        Assert.Equal(0, empty.Version.Version);

        var first = Entry(11111, SiloStatus.Joining, Now);
        Assert.True(await table.InsertRowAsync(first, empty.Version.Next()).DefaultTimeout());
        // The same version again is stale now: refused, and nothing changes.
        Assert.False(await table.InsertRowAsync(Entry(11112, SiloStatus.Joining, Now), empty.Version.Next()).DefaultTimeout());
        var one = await table.ReadAllAsync().DefaultTimeout();
        Assert.Equal(1, one.Version.Version);
        var (read, etag) = Assert.Single(one.Members);
        Assert.Equal(first.SiloAddress, read.SiloAddress);
        Assert.Equal(("silo-11111", "node-11111", 21111, SiloStatus.Joining), (read.SiloName, read.HostName, read.ProxyPort, read.Status));
        Assert.True((read.StartTime - first.StartTime).Duration() < TimeSpan.FromMilliseconds(1));
        Assert.Null(read.SuspectTimes);

        // A silo already in the table is not inserted twice, even with the current version.
        Assert.False(await table.InsertRowAsync(Entry(11111, SiloStatus.Joining, Now), one.Version.Next()).DefaultTimeout());
        Assert.Equal(1, (await table.ReadAllAsync().DefaultTimeout()).Version.Version);

        read.Status = SiloStatus.Active;
        read.AddSuspector(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11113), 7), Now);
        Assert.True(await table.UpdateRowAsync(read, etag, one.Version.Next()).DefaultTimeout());
        Assert.False(await table.UpdateRowAsync(read, etag, one.Version.Next()).DefaultTimeout());
        var two = await table.ReadRowAsync(first.SiloAddress).DefaultTimeout();
        Assert.Equal(2, two.Version.Version);
        var updated = Assert.Single(two.Members).Item1;
        Assert.Equal(SiloStatus.Active, updated.Status);
        Assert.Equal(11113, Assert.Single(updated.SuspectTimes!).Item1.Endpoint.Port);

        // The heartbeat changes the row, not the version.
        updated.IAmAliveTime = Now.AddMinutes(1);
        await table.UpdateIAmAliveAsync(updated).DefaultTimeout();
        var alive = await table.ReadRowAsync(first.SiloAddress).DefaultTimeout();
        Assert.Equal(2, alive.Version.Version);
        Assert.True((alive.Members[0].Item1.IAmAliveTime - Now.AddMinutes(1)).Duration() < TimeSpan.FromMilliseconds(1));

        // Reading a silo that is not there still gives the version.
        var missing = await table.ReadRowAsync(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 1), 1)).DefaultTimeout();
        Assert.Empty(missing.Members);
        Assert.Equal(2, missing.Version.Version);
    }

    [Fact]
    public async Task OfSilosRacingWithTheSameVersionExactlyOneWins()
    {
        await using var test = await MigratedAsync();
        var table = await ClusteringTableAsync(test, "cluster-race");
        var start = await table.ReadAllAsync().DefaultTimeout();
        Assert.True(await table.InsertRowAsync(Entry(12000, SiloStatus.Active, Now), start.Version.Next()).DefaultTimeout());
        var snapshot = await table.ReadAllAsync().DefaultTimeout();
        var (entry, etag) = snapshot.Members[0];

        // Eight nodes, each with its own connection, suspect the same silo from the same snapshot.
        var racers = new List<AdoNetClusteringTable>();
        for (var i = 0; i < 8; i++)
        {
            racers.Add(await ClusteringTableAsync(test, "cluster-race", initialize: false));
        }

        var results = await Task.WhenAll(racers.Select((racer, i) =>
        {
            var vote = Copy(entry);
            vote.AddSuspector(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 13000 + i), 1), Now);
            return racer.UpdateRowAsync(vote, etag, snapshot.Version.Next());
        })).DefaultTimeout();

        Assert.Single(results, r => r);
        var after = await table.ReadAllAsync().DefaultTimeout();
        Assert.Equal(snapshot.Version.Version + 1, after.Version.Version);
        Assert.Single(after.Members[0].Item1.SuspectTimes!);
    }

    [Fact]
    public async Task OnlyDeadSilosSilentSinceTheCutOffAreCleanedUp()
    {
        await using var test = await MigratedAsync();
        var table = await ClusteringTableAsync(test, "cluster-cleanup");
        var old = Now.AddHours(-2);
        await InsertAsync(table, Entry(14001, SiloStatus.Dead, old));
        await InsertAsync(table, Entry(14002, SiloStatus.Dead, old));
        await InsertAsync(table, Entry(14003, SiloStatus.Active, old));
        await InsertAsync(table, Entry(14004, SiloStatus.Dead, Now));
        // 14002 died long ago but a vote about it is recent: not yet.
        var data = await table.ReadRowAsync(Entry(14002, SiloStatus.Dead, old).SiloAddress).DefaultTimeout();
        var voted = data.Members[0].Item1;
        voted.AddSuspector(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 14003), 1), Now);
        Assert.True(await table.UpdateRowAsync(voted, data.Members[0].Item2, data.Version.Next()).DefaultTimeout());

        await table.CleanupDefunctSiloEntriesAsync(Now.AddHours(-1)).DefaultTimeout();
        var ports = await PortsAsync(table);
        Assert.Equal([14002, 14003, 14004], ports);

        // Without the optional per-row query the provider falls back to the bulk one, by last heartbeat.
        await using (var database = test.Open())
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync(null, "DELETE FROM orleansquery WHERE querykey = 'CleanupDefunctSiloEntryKey'", CancellationToken.None).DefaultTimeout();
        }

        var fallback = await ClusteringTableAsync(test, "cluster-cleanup");
        await fallback.CleanupDefunctSiloEntriesAsync(Now.AddHours(-1)).DefaultTimeout();
        ports = await PortsAsync(fallback);
        Assert.Equal([14003, 14004], ports);
    }

    [Fact]
    public async Task DeletingAClustersEntriesLeavesOtherClustersAlone()
    {
        await using var test = await MigratedAsync();
        var gone = await ClusteringTableAsync(test, "cluster-gone");
        var kept = await ClusteringTableAsync(test, "cluster-kept");
        await InsertAsync(gone, Entry(15001, SiloStatus.Active, Now));
        await InsertAsync(kept, Entry(15002, SiloStatus.Active, Now));

        await gone.DeleteMembershipTableEntriesAsync("cluster-gone").DefaultTimeout();

        await using var database = test.Open();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        Assert.Equal(0L, await connection.ScalarAsync(null, "SELECT COUNT(*) FROM orleans_membership_versions WHERE deployment_id = 'cluster-gone'", CancellationToken.None).DefaultTimeout());
        Assert.Equal(0L, await connection.ScalarAsync(null, "SELECT COUNT(*) FROM orleans_membership WHERE deployment_id = 'cluster-gone'", CancellationToken.None).DefaultTimeout());
        var ports = await PortsAsync(kept);
        Assert.Equal([15002], ports);
    }

    [Fact]
    public async Task TheGatewayListHoldsActiveSilosThatAcceptClients()
    {
        await using var test = await MigratedAsync();
        var table = await ClusteringTableAsync(test, "cluster-gw");
        await InsertAsync(table, Entry(16001, SiloStatus.Active, Now));
        var noGateway = Entry(16002, SiloStatus.Active, Now);
        noGateway.ProxyPort = 0;
        await InsertAsync(table, noGateway);
        await InsertAsync(table, Entry(16003, SiloStatus.Dead, Now));
        await InsertAsync(table, Entry(16004, SiloStatus.Joining, Now));

        var gateways = await GatewaysAsync(test.ConnectionString, "cluster-gw");

        var gateway = Assert.Single(gateways);
        Assert.Equal((IPAddress.Loopback.ToString(), 26001), (gateway.Host, gateway.Port));
    }

    [Fact]
    public async Task RemindersKeepAnEtagAndAreFoundByTheirRingRange()
    {
        await using var test = await MigratedAsync();
        // The provider's table class is internal: take it from the registration a silo uses.
        var services = new ServiceCollection();
        services.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("cluster-r", "conferencing"));
        services.UseAdoNetReminderService(o => o.Configure(x => (x.Invariant, x.ConnectionString) = (PostgresCluster.Invariant, test.ConnectionString)));
        await using var provider = services.BuildServiceProvider();
        var table = provider.GetRequiredService<IReminderTable>();
        await table.StartAsync(CancellationToken.None).DefaultTimeout();

        var grain = GrainId.Create("probe", "xa-pa-co");
        var entry = new ReminderEntry { GrainId = grain, ReminderName = "tick", StartAt = Now, Period = TimeSpan.FromMinutes(1) };
        Assert.Equal("0", await table.UpsertRow(entry).DefaultTimeout());
        entry.Period = TimeSpan.FromDays(40); // more milliseconds than an int holds
        Assert.Equal("1", await table.UpsertRow(entry).DefaultTimeout());
        var read = await table.ReadRow(grain, "tick").DefaultTimeout();
        Assert.NotNull(read);
        Assert.Equal((grain, "tick", TimeSpan.FromDays(40), "1"), (read.GrainId, read.ReminderName, read.Period, read.ETag));
        Assert.True((read.StartAt - Now).Duration() < TimeSpan.FromMilliseconds(1));
        Assert.Single((await table.ReadRows(grain).DefaultTimeout()).Reminders);

        Assert.False(await table.RemoveRow(grain, "tick", "0").DefaultTimeout());
        Assert.True(await table.RemoveRow(grain, "tick", "1").DefaultTimeout());
        Assert.Null(await table.ReadRow(grain, "tick").DefaultTimeout());

        var grains = Enumerable.Range(0, 60).Select(i => GrainId.Create("probe", "site-" + i)).ToList();
        foreach (var g in grains)
        {
            await table.UpsertRow(new ReminderEntry { GrainId = g, ReminderName = "tick", StartAt = Now, Period = TimeSpan.FromMinutes(1) }).DefaultTimeout();
        }

        // A range is (begin, end] on the unsigned ring; begin = end is the whole ring.
        (uint Begin, uint End)[] ranges =
        [
            (0, 0), (0x1234_5678, 0x1234_5678), (0x10, 0x9000_0000), (0x9000_0000, 0x10),
            (0x7FFF_0000, 0x8001_0000), (0x2000_0000, 0x6000_0000), (0xC000_0000, 0xFFFF_FFFF), (0xFFFF_FFFF, 0x4000_0000),
        ];
        foreach (var (begin, end) in ranges)
        {
            var expected = grains.Where(g => InRing(g.GetUniformHashCode(), begin, end)).Select(g => g.ToString()).Order(StringComparer.Ordinal);
            var actual = (await table.ReadRows(begin, end).DefaultTimeout()).Reminders.Select(r => r.GrainId.ToString()).Order(StringComparer.Ordinal);
            Assert.Equal(expected, actual);
        }

        await table.TestOnlyClearTable().DefaultTimeout();
        Assert.Empty((await table.ReadRows(0, 0).DefaultTimeout()).Reminders);
    }

    private static bool InRing(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    internal static async Task<TestDatabase> MigratedAsync()
    {
        var test = await TestDatabase.PostgresAsync();
        await (await test.OpenMigratedAsync()).DisposeAsync();
        return test;
    }

    internal static async Task<IList<Uri>> GatewaysAsync(string connectionString, string clusterId)
    {
        var provider = new AdoNetGatewayListProvider(
            NullLogger<AdoNetGatewayListProvider>.Instance,
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new AdoNetClusteringClientOptions { Invariant = PostgresCluster.Invariant, ConnectionString = connectionString }),
            Options.Create(new GatewayOptions()),
            Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "conferencing" }));
        await provider.InitializeGatewayListProviderAsync().DefaultTimeout();
        return await provider.GetGatewaysAsync().DefaultTimeout();
    }

    private static async Task<AdoNetClusteringTable> ClusteringTableAsync(TestDatabase test, string clusterId, bool initialize = true)
    {
        var table = new AdoNetClusteringTable(
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "conferencing" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = PostgresCluster.Invariant, ConnectionString = test.ConnectionString }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await table.InitializeMembershipTableAsync(initialize).DefaultTimeout();
        return table;
    }

    private static async Task InsertAsync(AdoNetClusteringTable table, MembershipEntry entry)
    {
        var data = await table.ReadAllAsync().DefaultTimeout();
        Assert.True(await table.InsertRowAsync(entry, data.Version.Next()).DefaultTimeout());
    }

    private static async Task<int[]> PortsAsync(AdoNetClusteringTable table) =>
        [.. (await table.ReadAllAsync().DefaultTimeout()).Members.Select(m => m.Item1.SiloAddress.Endpoint.Port).Order()];

    private static MembershipEntry Entry(int port, SiloStatus status, DateTime time) => new()
    {
        SiloAddress = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 1),
        SiloName = "silo-" + port,
        HostName = "node-" + port,
        Status = status,
        ProxyPort = port + 10000,
        StartTime = time,
        IAmAliveTime = time,
    };

    private static MembershipEntry Copy(MembershipEntry e) => new()
    {
        SiloAddress = e.SiloAddress,
        SiloName = e.SiloName,
        HostName = e.HostName,
        Status = e.Status,
        ProxyPort = e.ProxyPort,
        StartTime = e.StartTime,
        IAmAliveTime = e.IAmAliveTime,
        SuspectTimes = e.SuspectTimes is null ? null : [.. e.SuspectTimes],
    };
}
