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

    /// <inheritdoc />
    protected sealed override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Supervisor.RunAsync(LoopName, RunAsync, stoppingToken);
}
