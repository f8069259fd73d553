using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Conferencing.Server.Hosting.Supervision;

/// <summary>Registration of the loop supervisor.</summary>
public static class SupervisionSetup
{
    /// <summary>
    /// Adds <see cref="LoopSupervisor"/>, a <c>loops</c> entry in <c>/health</c>, and tells the host to
    /// keep running when a background service fails anyway: the supervisor restarts its own loops, and a
    /// service outside it must not take every live meeting down with the host either.
    /// </summary>
    public static IServiceCollection AddLoopSupervision(this IServiceCollection services)
    {
        services.AddSingleton<LoopSupervisor>();
        services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore);
        services.AddHealthChecks().AddCheck<LoopsHealthCheck>("loops");
        return services;
    }
}

/// <summary>
/// Degraded while a loop waits to be started again after a failure; the description names the loops
/// and their restart counts (never an exception's text, which can carry data).
/// </summary>
public sealed class LoopsHealthCheck(LoopSupervisor supervisor) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var statuses = supervisor.Statuses;
        var restarting = statuses.Where(s => !s.Running && s.Restarts > 0).Select(s => s.Name).ToList();
        var restarted = string.Join(", ", statuses.Where(s => s.Restarts > 0).Select(s => $"{s.Name} restarted {s.Restarts}x"));
        var description = $"{statuses.Count} loops" + (restarted.Length > 0 ? $"; {restarted}" : "");
        return Task.FromResult(restarting.Count > 0
            ? HealthCheckResult.Degraded($"{description}; waiting to restart: {string.Join(", ", restarting)}")
            : HealthCheckResult.Healthy(description));
    }
}
