using Conferencing.Server.Meetings;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.LiveMeetings;

/// <summary>Composition of the live meeting's one truth per site, its operations and its API.</summary>
public static class LiveMeetingsSetup
{
    public static IServiceCollection AddLiveMeetings(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SiteStateOptions>().BindConfiguration(SiteStateOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SiteStateOptions>, SiteStateOptionsValidator>();
        services.AddSingleton<SiteHolds>();
        services.AddHostedService(sp => sp.GetRequiredService<SiteHolds>());
        services.AddSingleton<LiveSiteStates>();
        services.AddSingleton<SiteOperations>();
        services.AddSingleton<IFloorGuard, LiveFloorGuard>();
        services.AddSingleton(new Meetings.Pages.MeetingPanel(typeof(Pages.SiteOperationsPanel), Meetings.Pages.MeetingPanelPlace.Main, 5));
        services.AddOptions<Preview.ProgramPreviewOptions>().BindConfiguration(Preview.ProgramPreviewOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Preview.ProgramPreviewOptions>, Preview.ProgramPreviewOptionsValidator>();
        services.AddSingleton<Preview.ProgramPreviewService>();
        services.AddHostedService(sp => sp.GetRequiredService<Preview.ProgramPreviewService>());
        services.AddSingleton(new Meetings.Pages.MeetingPanel(typeof(Preview.ProgramPreviewPanel), Meetings.Pages.MeetingPanelPlace.Side, 1));
        return services;
    }
}
