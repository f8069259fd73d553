using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Hosting.Cluster;

/// <summary>This node, the roles it holds and the peers it hears, for /health (names only, no addresses).</summary>
public sealed class ClusterHealthCheck(ClusterNode node, ClusterRoleLeases roles, ClusterFeed feed, IOptions<ClusterNodeOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var held = ClusterRoles.All.Where(roles.Holds).ToList();
        var description = $"{(options.Value.IsCluster ? "cluster" : "single node")} {node.Name}; holds: {(held.Count == 0 ? "none" : string.Join(", ", held))}; peers: {feed.Peers.Count}";
        return Task.FromResult(HealthCheckResult.Healthy(description));
    }
}
