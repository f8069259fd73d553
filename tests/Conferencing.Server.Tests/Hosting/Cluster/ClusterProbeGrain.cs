using Orleans.Runtime;

namespace Conferencing.Server.Tests.Hosting.Cluster;

/// <summary>A grain that says which silo it lives on and counts the reminder ticks it receives.</summary>
public interface IClusterProbeGrain : IGrainWithStringKey
{
    Task<SiloAddress> WhereAmIAsync();

    Task StartTickingAsync();

    Task<int> TicksAsync();
}

public sealed class ClusterProbeGrain(ILocalSiloDetails silo) : Grain, IClusterProbeGrain, IRemindable
{
    public const string ReminderName = "tick";

    private int _ticks;

    public Task<SiloAddress> WhereAmIAsync() => Task.FromResult(silo.SiloAddress);

    // The shortest period the test silos allow (ReminderOptions.MinimumReminderPeriod is lowered for them).
    public Task StartTickingAsync() => this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    public Task<int> TicksAsync() => Task.FromResult(_ticks);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _ticks++;
        return Task.CompletedTask;
    }
}
