namespace Conferencing.Server.Hosting.Supervision;

/// <summary>
/// A hosted loop run under <see cref="LoopSupervisor"/>: a failure of <see cref="RunAsync"/> is
/// logged and the body started again with backoff, so no loop can stop the host (which would end
/// every live meeting's control with it). Subclasses write their loop in <see cref="RunAsync"/>, set
/// up and tear down what they subscribe to inside it, and call <see cref="Beat"/> once a round.
/// </summary>
public abstract class SupervisedService(LoopSupervisor supervisor, string loopName) : BackgroundService
{
    /// <summary>The loop's name in logs and <c>/health</c>.</summary>
    public string LoopName { get; } = loopName;

    /// <summary>The supervisor, for loops the service runs beside its main one.</summary>
    protected LoopSupervisor Supervisor { get; } = supervisor;

    /// <summary>The loop. Returning ends it for good; throwing restarts it.</summary>
    protected abstract Task RunAsync(CancellationToken stoppingToken);

    /// <summary>Marks a round of the loop.</summary>
    protected void Beat() => Supervisor.Beat(LoopName);

    /// <summary>
    /// The one-per-cluster job this loop belongs to (see <c>ClusterRoles</c>), or null for a loop every
    /// node runs. A loop with a role runs only while this node holds it, and stops when the node loses it.
    /// </summary>
    protected virtual string? Role => null;

    /// <inheritdoc />
    protected sealed override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Role is { } role && Supervisor.Gate is { } gate
            ? RunWhileHoldingAsync(role, gate, stoppingToken)
            : Supervisor.RunAsync(LoopName, RunAsync, stoppingToken);

    private async Task RunWhileHoldingAsync(string role, IRoleGate gate, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            CancellationToken lost;
            try
            {
                lost = await gate.AcquireAsync(role, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            using var both = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lost);
            await Supervisor.RunAsync(LoopName, RunAsync, both.Token).ConfigureAwait(false);
            if (!lost.IsCancellationRequested)
            {
                return;
            }
        }
    }
}

/// <summary>Hands out one-per-cluster roles to the loops that need one.</summary>
public interface IRoleGate
{
    /// <summary>Completes when this node holds <paramref name="role"/>; the token returned is cancelled when it loses it.</summary>
    Task<CancellationToken> AcquireAsync(string role, CancellationToken cancellationToken);
}
