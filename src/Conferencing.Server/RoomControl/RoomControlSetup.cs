using Conferencing.Devices.Agent;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.RoomControl;

/// <summary>Composition of room control: agent hub, keys, device API and the demo's simulated devices.</summary>
public static class RoomControlSetup
{
    public static IServiceCollection AddRoomControl(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<RoomControlOptions>().BindConfiguration(RoomControlOptions.Section)
            .Validate(o => o.CommandTimeout > TimeSpan.Zero && o.BulkParallelism is >= 1 and <= 1024,
                "RoomControl:CommandTimeout must be positive and RoomControl:BulkParallelism between 1 and 1024.")
            .Validate(o => o.DemoDevicePortBase == 0 || o.DemoDevicePortBase is >= 1024 and <= 60000,
                "RoomControl:DemoDevicePortBase must be 0 (system-chosen ports) or between 1024 and 60000.")
            .Validate(o => o.DemoPollInterval >= TimeSpan.FromSeconds(1), "RoomControl:DemoPollInterval must be at least 1 s.")
            .ValidateOnStart();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, RoomAgentKeyAuthentication>(RoomAgentKeyAuthentication.SchemeName, null);
        services.AddSingleton<RoomAgentStore>();
        services.AddSingleton<AgentPresence>();
        services.AddSingleton<RoomDeviceService>();
        services.AddHostedService<RoomLifecycleService>();
        services.AddSingleton<Monitoring.Readiness.ISiteReadinessCheck, DeviceReadinessCheck>();
        services.AddHostedService<RoomAlarmFeed>();
        services.AddSingleton(new Meetings.Pages.MeetingPanel(typeof(Pages.DevicePanel), Meetings.Pages.MeetingPanelPlace.Main, 30));
        services.AddSingleton<DemoRoomDevices>();
        services.AddHostedService(sp => sp.GetRequiredService<DemoRoomDevices>());
        return services;
    }

    public static WebApplication MapRoomControl(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHub<RoomAgentHub>(RoomAgentHubRoute.Path);
        app.MapRoomControlApi();
        return app;
    }
}
