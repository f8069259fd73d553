using Orleans.Runtime;

namespace Conferencing.Server.Hosting.Cluster;

/// <summary>
/// Calls from the web front into grains, and what a caller sees while the cluster is changing
/// hands: a node that died takes the meetings it hosted with it until membership declares it dead
/// and another node activates them. Such a call fails with <see cref="ClusterUnavailableException"/>
/// (503 with Retry-After), never a hang.
/// </summary>
public static class ClusterCalls
{
    /// <summary>How long a grain call may take before the caller gives up (the silos' response timeout).</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Seconds a client is told to wait before retrying a command the cluster could not place.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>Runs a grain call, turning "no node can take this now" into <see cref="ClusterUnavailableException"/>.</summary>
    public static async Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call().WaitAsync(ResponseTimeout + TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw new ClusterUnavailableException(e);
        }
    }

    public static bool IsUnavailable(Exception exception) => exception is SiloUnavailableException or OrleansMessageRejectionException
        or TimeoutException or OrleansException { InnerException: SiloUnavailableException or System.Net.Sockets.SocketException };
}

/// <summary>The cluster has no node for this work right now; the caller should retry shortly.</summary>
public sealed class ClusterUnavailableException(Exception inner)
    : Exception("The control plane is moving this meeting to another node; retry in a few seconds.", inner);
