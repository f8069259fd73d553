using Microsoft.Extensions.Options;

namespace Conferencing.Server.Monitoring;

/// <summary>
/// Composition of the technician dashboard: the hub's feeds, alarms, actions and readiness. Kept
/// apart from <see cref="Hosting.ServerSetup"/> so that file only gains two calls.
/// </summary>
public static class MonitoringSetup
{
    public static IServiceCollection AddMonitoring(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<MonitoredMeetings>();
        services.AddHostedService(sp => sp.GetRequiredService<MonitoredMeetings>());
        services.AddSingleton<MonitoringRoutes>();
        services.AddSingleton<MeetingListAudience>();
        services.AddSingleton<MonitoringBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<MonitoringBroadcaster>());
        services.AddOptions<AlarmOptions>().BindConfiguration(AlarmOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlarmOptions>, AlarmOptionsValidator>();
        services.AddSingleton<AlarmService>();
        services.AddHostedService(sp => sp.GetRequiredService<AlarmService>());
        services.AddOptions<Readiness.ReadinessOptions>().BindConfiguration(Readiness.ReadinessOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Readiness.ReadinessOptions>, Readiness.ReadinessOptionsValidator>();
        services.AddSingleton<Readiness.TestCallResultStore>();
        services.AddSingleton<Readiness.TestCallService>();
        services.AddSingleton<Readiness.ReadinessService>();
        services.AddSingleton(new Meetings.Pages.MeetingPanel(typeof(Pages.MeetingMonitoringPanel), Meetings.Pages.MeetingPanelPlace.Side, 20));
        return services;
    }

    public static WebApplication MapMonitoring(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHub<MonitoringHub>("/hubs/monitoring");
        app.MapAlarmApi();
        app.MapEndpointActions();
        return app;
    }
}
