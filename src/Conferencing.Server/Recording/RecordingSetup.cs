using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Recording;

/// <summary>Composition of meeting recording; ServerSetup gains one call for services and one for routes.</summary>
public static class RecordingSetup
{
    public static IServiceCollection AddRecording(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<RecordingOptions>().BindConfiguration(RecordingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RecordingOptions>, RecordingOptionsValidator>();
        services.AddSingleton<RecordingStore>();
        services.TryAddSingleton<Meetings.MeetingMediaSettingsStore>();
        services.AddSingleton<RecordingService>();
        services.AddHostedService(sp => sp.GetRequiredService<RecordingService>());
        services.AddSingleton(new Meetings.Pages.MeetingPanel(typeof(Pages.MeetingRecordingPanel), Meetings.Pages.MeetingPanelPlace.Side, 30));
        return services;
    }

    public static WebApplication MapRecording(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapRecordingApi();
        return app;
    }
}
