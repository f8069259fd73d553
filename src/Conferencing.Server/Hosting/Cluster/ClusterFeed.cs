using System.Collections.Concurrent;
using Conferencing.Server.Hosting.Supervision;
using Orleans.Concurrency;

namespace Conferencing.Server.Hosting.Cluster;

/// <summary>A change that one node committed and the others must show: a topic and a small JSON body.</summary>
[GenerateSerializer, Immutable]
public sealed record ClusterChange([property: Id(0)] string Topic, [property: Id(1)] string Origin, [property: Id(2)] string Body);

/// <summary>A node's receiver of the other nodes' changes, and of requests only it can answer.</summary>
public interface IClusterFeedObserver : IGrainObserver
{
    [OneWay]
    Task OnChangeAsync(ClusterChange change);

    /// <summary>Runs a request on this node (an action of a role it holds) and gives its answer.</summary>
    Task<string> AskAsync(ClusterChange request);

    /// <summary>As <see cref="AskAsync"/>, for work that takes longer than a grain call (a test call measures for seconds).</summary>
    [ResponseTimeout("00:01:30")]
    Task<string> AskLongAsync(ClusterChange request);
}

/// <summary>A node as the directory knows it: its name and where its receiver is.</summary>
[GenerateSerializer, Immutable]
public sealed record ClusterPeer([property: Id(0)] string Node, [property: Id(1)] IClusterFeedObserver Receiver);

/// <summary>
/// Who is listening: every node says it is alive every few seconds and learns the others. Only
/// discovery passes through here; changes go from node to node directly, so this grain moving to
/// another node after a failure delays a newcomer by one refresh, never a change.
/// </summary>
public interface IClusterPeersGrain : IGrainWithIntegerKey
{
    Task<IReadOnlyList<ClusterPeer>> JoinAsync(ClusterPeer self);

    Task LeaveAsync(string node);
}

/// <inheritdoc cref="IClusterPeersGrain"/>
public sealed class ClusterPeersGrain(TimeProvider time) : Grain, IClusterPeersGrain
{
    /// <summary>A node that has not said it is alive for this long is dropped from the list.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(15);

    private readonly Dictionary<string, (ClusterPeer Peer, DateTimeOffset Seen)> _peers = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<ClusterPeer>> JoinAsync(ClusterPeer self)
    {
        ArgumentNullException.ThrowIfNull(self);
        var now = time.GetUtcNow();
        _peers[self.Node] = (self, now);
        foreach (var stale in _peers.Where(p => now - p.Value.Seen > Expiry).Select(p => p.Key).ToList())
        {
            _peers.Remove(stale);
        }

        return Task.FromResult<IReadOnlyList<ClusterPeer>>([.. _peers.Values.Select(p => p.Peer)]);
    }

    public Task LeaveAsync(string node)
    {
        _peers.Remove(node);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Carries committed changes between the nodes of the cluster, so that a browser connected to node
/// B sees what a secretary did on node A. Each feature forwards its own in-process feed here
/// (<see cref="Forward"/>) and turns what arrives back into its in-process feed
/// (<see cref="On"/>); each node's own broadcasters then push to their own SignalR clients. One
/// node alone has no peers, and forwarding costs nothing.
/// </summary>
public sealed partial class ClusterFeed(IGrainFactory grains, ClusterNode node, IHostApplicationLifetime lifetime, LoopSupervisor supervisor, ILogger<ClusterFeed> logger)
    : SupervisedService(supervisor, Loop), IClusterFeedObserver
{
    /// <summary>The peer-discovery loop's name under the supervisor.</summary>
    public const string Loop = "cluster.feed";

    /// <summary>How often a node refreshes its place in the directory and its list of peers.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, Func<string, CancellationToken, Task>> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<string, CancellationToken, Task<string>>> _answers = new(StringComparer.Ordinal);
    private IReadOnlyList<ClusterPeer> _peers = [];
    private IClusterFeedObserver? _self;

    /// <summary>The other nodes this one currently sends to.</summary>
    public IReadOnlyList<string> Peers => [.. Volatile.Read(ref _peers).Select(p => p.Node)];

    /// <summary>Raised with the other nodes' names when the set of peers changes.</summary>
    public event Action<IReadOnlyList<string>>? PeersChanged;

    /// <summary>Handles changes of <paramref name="topic"/> that other nodes send.</summary>
    public void On(string topic, Func<string, CancellationToken, Task> handler) => _handlers[topic] = handler;

    /// <summary>Answers requests of <paramref name="topic"/> that other nodes ask this one (<see cref="AskAsync(string, string, string, CancellationToken)"/>).</summary>
    public void Answer(string topic, Func<string, CancellationToken, Task<string>> handler) => _answers[topic] = handler;

    /// <summary>
    /// Asks one other node to run a request and waits for its answer. A node that is not among the
    /// peers, or does not answer within the grain call timeout, makes it a <see cref="ClusterUnavailableException"/>.
    /// </summary>
    public async Task<string> AskAsync(string nodeName, string topic, string body, CancellationToken cancellationToken, bool longRunning = false)
    {
        if (Volatile.Read(ref _peers).FirstOrDefault(p => p.Node == nodeName) is not { } peer)
        {
            throw new ClusterUnavailableException(new InvalidOperationException($"Node {nodeName} is not among this node's peers."));
        }

        try
        {
            var request = new ClusterChange(topic, node.Name, body);
            return longRunning
                ? await peer.Receiver.AskLongAsync(request).WaitAsync(LongAskTimeout, cancellationToken).ConfigureAwait(false)
                : await peer.Receiver.AskAsync(request).WaitAsync(ClusterCalls.ResponseTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ClusterCalls.IsUnavailable(e))
        {
            throw new ClusterUnavailableException(e);
        }
    }

    /// <summary>How long a long request may take (<see cref="IClusterFeedObserver.AskLongAsync"/>).</summary>
    public static readonly TimeSpan LongAskTimeout = TimeSpan.FromSeconds(90);

    Task<string> IClusterFeedObserver.AskLongAsync(ClusterChange request) => ((IClusterFeedObserver)this).AskAsync(request);

    async Task<string> IClusterFeedObserver.AskAsync(ClusterChange request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_answers.TryGetValue(request.Topic, out var handler))
        {
            throw new InvalidOperationException($"This node answers no {request.Topic} requests.");
        }

        return await handler(request.Body, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Sends a change to every other node; fire and forget (a node that missed it catches up from the store).</summary>
    public void Forward(string topic, string body)
    {
        var peers = Volatile.Read(ref _peers);
        if (peers.Count == 0)
        {
            return;
        }

        var change = new ClusterChange(topic, node.Name, body);
        foreach (var peer in peers)
        {
            try
            {
                _ = peer.Receiver.OnChangeAsync(change);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log.SendFailed(logger, e, topic, peer.Node);
            }
        }
    }

    public async Task OnChangeAsync(ClusterChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Origin == node.Name || !_handlers.TryGetValue(change.Topic, out var handler))
        {
            return;
        }

        try
        {
            await handler(change.Body, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.HandlerFailed(logger, e, change.Topic, change.Origin);
        }
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        // The silo takes grain calls once the host has started (the silo starts first among the hosted services).
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
        }

        _self ??= grains.CreateObjectReference<IClusterFeedObserver>(this);
        var directory = grains.GetGrain<IClusterPeersGrain>(0);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var all = await directory.JoinAsync(new ClusterPeer(node.Name, _self)).WaitAsync(ClusterCalls.ResponseTimeout, stoppingToken).ConfigureAwait(false);
                    var before = Volatile.Read(ref _peers);
                    IReadOnlyList<ClusterPeer> now = [.. all.Where(p => p.Node != node.Name)];
                    Volatile.Write(ref _peers, now);
                    if (!before.Select(p => p.Node).Order(StringComparer.Ordinal).SequenceEqual(now.Select(p => p.Node).Order(StringComparer.Ordinal), StringComparer.Ordinal))
                    {
                        PeersChanged?.Invoke([.. now.Select(p => p.Node)]);
                    }

                    Beat();
                }
                catch (Exception e) when (ClusterCalls.IsUnavailable(e))
                {
                    // The directory is moving to another node; the peers known so far still get changes.
                    Log.DirectoryUnavailable(logger, e.GetType().Name);
                }

                await Task.Delay(Refresh, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            try
            {
                await directory.LeaveAsync(node.Name).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Leaving is a courtesy: the directory forgets a silent node after its expiry anyway.
                Log.DirectoryUnavailable(logger, e.GetType().Name);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 18101, Level = LogLevel.Warning, Message = "Sending a {Topic} change to node {Node} failed")]
        public static partial void SendFailed(ILogger logger, Exception exception, string topic, string node);

        [LoggerMessage(EventId = 18102, Level = LogLevel.Error, Message = "Handling a {Topic} change from node {Node} failed")]
        public static partial void HandlerFailed(ILogger logger, Exception exception, string topic, string node);

        [LoggerMessage(EventId = 18103, Level = LogLevel.Information, Message = "The cluster's node directory did not answer ({Error}); retrying")]
        public static partial void DirectoryUnavailable(ILogger logger, string error);
    }
}
