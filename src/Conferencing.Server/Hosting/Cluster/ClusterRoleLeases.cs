using System.Collections.Concurrent;
using Conferencing.Server.Store;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Hosting.Cluster;

/// <summary>
/// Which node does each one-per-cluster job (<see cref="ClusterRoles"/>): a lease per role in the
/// store, renewed every third of <see cref="ClusterNodeOptions.RoleLease"/> by its holder and taken
/// by another eligible node once it runs out. The store is the arbiter (one row per role, one
/// conditional update), so the lease does not depend on which node hosts a grain, and a killed
/// holder is replaced one lease after its last renewal.
/// <para>
/// The holder stops acting a sixth of a lease before its lease could run out in the store if its
/// renewals fail, so two nodes never act at once while their clocks agree within that margin
/// (NTP-synchronised hosts do by far). One node alone holds every role from its first claim.
/// </para>
/// </summary>
public sealed partial class ClusterRoleLeases(Database database, ClusterNode node, IOptions<ClusterNodeOptions> options, TimeProvider time, ILogger<ClusterRoleLeases> logger)
    : BackgroundService, Supervision.IRoleGate
{
    private readonly ConcurrentDictionary<string, Held> _held = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);

    private TimeSpan Lease => options.Value.RoleLease;

    /// <summary>Whether this node may take <paramref name="role"/> at all.</summary>
    public bool Eligible(string role) => options.Value.EligibleRoles.Contains(role, StringComparer.Ordinal);

    /// <summary>Whether this node holds <paramref name="role"/> now.</summary>
    public bool Holds(string role) => _held.TryGetValue(role, out var held) && time.GetUtcNow() < held.ActUntil;

    /// <summary>Completes when this node holds <paramref name="role"/>; the token it returns is cancelled when the node loses it.</summary>
    public async Task<CancellationToken> AcquireAsync(string role, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_held.TryGetValue(role, out var held) && !held.Lost.IsCancellationRequested)
            {
                return held.Lost.Token;
            }

            var waiter = _waiting.GetOrAdd(role, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Who holds each role according to the store, for /health and the operators.</summary>
    public async Task<IReadOnlyDictionary<string, string>> HoldersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow().UtcTicks;
        var rows = await connection.QueryAsync(null, "SELECT role, holder, until_ticks FROM cluster_roles",
            r => (Role: r.GetString(0), Holder: r.GetString(1), Until: r.GetInt64(2)), cancellationToken).ConfigureAwait(false);
        return rows.Where(r => r.Until > now).ToDictionary(r => r.Role, r => r.Holder, StringComparer.Ordinal);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var roles = ClusterRoles.All.ToList();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var role in roles)
                {
                    await RenewAsync(role, stoppingToken).ConfigureAwait(false);
                }

                await Task.Delay(Lease / 3, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await ReleaseAllAsync().ConfigureAwait(false);
        }
    }

    private async Task RenewAsync(string role, CancellationToken cancellationToken)
    {
        var asked = time.GetUtcNow();
        bool granted;
        try
        {
            granted = await ClaimAsync(role, asked, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            Log.ClaimFailed(logger, e, role);
            granted = false;
            if (_held.TryGetValue(role, out var still) && time.GetUtcNow() < still.ActUntil)
            {
                // The store is slow or away; the lease we hold is still ours until its margin runs out.
                return;
            }
        }

        if (granted)
        {
            var actUntil = asked + Lease - (Lease / 6);
            if (_held.TryGetValue(role, out var held) && !held.Lost.IsCancellationRequested)
            {
                _held[role] = held with { ActUntil = actUntil };
                return;
            }

            _held[role] = new Held(actUntil, new CancellationTokenSource());
            Log.Acquired(logger, role, node.Name);
            if (_waiting.TryRemove(role, out var waiter))
            {
                waiter.TrySetResult();
            }

            return;
        }

        if (_held.TryRemove(role, out var lost))
        {
            Log.Lost(logger, role, node.Name);
            await lost.Lost.CancelAsync().ConfigureAwait(false);
            lost.Lost.Dispose();
        }
    }

    private async Task<bool> ClaimAsync(string role, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!Eligible(role))
        {
            return false;
        }

        if (!options.Value.IsCluster)
        {
            // One node: there is nobody to share with, and a restart must not wait out its own old lease.
            return true;
        }

        var until = (now + Lease).UtcTicks;
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(transaction,
                "INSERT INTO cluster_roles (role, holder, epoch, until_ticks, acquired_utc) VALUES (@role, @node, 0, 0, @now) ON CONFLICT (role) DO NOTHING",
                cancellationToken, ("role", role), ("node", node.Name), ("now", database.ToDb(now))).ConfigureAwait(false);
            var changed = await connection.ExecuteAsync(transaction, """
                UPDATE cluster_roles
                   SET epoch = CASE WHEN holder = @node AND until_ticks > 0 THEN epoch ELSE epoch + 1 END,
                       acquired_utc = CASE WHEN holder = @node AND until_ticks > 0 THEN acquired_utc ELSE @now END,
                       holder = @node,
                       until_ticks = @until
                 WHERE role = @role AND (holder = @node OR until_ticks < @nowTicks)
                """, cancellationToken, ("role", role), ("node", node.Name), ("until", until), ("now", database.ToDb(now)), ("nowTicks", now.UtcTicks)).ConfigureAwait(false);
            return changed == 1;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReleaseAllAsync()
    {
        foreach (var (role, held) in _held.ToArray())
        {
            await held.Lost.CancelAsync().ConfigureAwait(false);
            try
            {
                // A clean stop hands the role over at once instead of one lease later.
                await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
                await connection.ExecuteAsync(null, "UPDATE cluster_roles SET until_ticks = 0 WHERE role = @role AND holder = @node",
                    CancellationToken.None, ("role", role), ("node", node.Name)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or ObjectDisposedException)
            {
                Log.ClaimFailed(logger, e, role);
            }
        }

        _held.Clear();
    }

    private sealed record Held(DateTimeOffset ActUntil, CancellationTokenSource Lost);

    private static partial class Log
    {
        [LoggerMessage(EventId = 18110, Level = LogLevel.Information, Message = "This node ({Node}) now holds the {Role} role")]
        public static partial void Acquired(ILogger logger, string role, string node);

        [LoggerMessage(EventId = 18111, Level = LogLevel.Warning, Message = "This node ({Node}) lost the {Role} role; its work stops here")]
        public static partial void Lost(ILogger logger, string role, string node);

        [LoggerMessage(EventId = 18112, Level = LogLevel.Warning, Message = "Claiming the {Role} role in the store failed")]
        public static partial void ClaimFailed(ILogger logger, Exception exception, string role);
    }
}
