using Conferencing.Relay;
using Conferencing.Server.Meetings;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Relaying;

/// <summary>
/// Composition of relay control: the in-process relay (the <c>Relay</c> section), registered
/// standalone relays, the conductor that drives them from the meetings, and the live call state.
/// Kept apart from <see cref="Hosting.ServerSetup"/> so that file only gains two calls.
/// </summary>
public static class RelayingSetup
{
    public static IServiceCollection AddRelaying(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        // The relay runs in this process by default and serves the province root; registered relays
        // on district or province hosts take over the sites under them.
        services.AddRelayNode();
        services.AddOptions<RelayingOptions>().BindConfiguration(RelayingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RelayingOptions>, RelayingOptionsValidator>();
        services.AddSingleton<RegisteredRelayStore>();
        services.AddSingleton<CallHistoryStore>();
        services.AddSingleton<CallHoldStore>();
        services.AddSingleton<LiveCalls>();
        services.AddSingleton<RelayConductor>();
        services.AddHostedService(sp => sp.GetRequiredService<RelayConductor>());
        services.TryAddSingleton<MeetingMediaSettingsStore>();
        services.AddHostedService<AudioModeRestore>();
        services.AddSingleton(new Meetings.Pages.MeetingPanel(typeof(Pages.MeetingAudioPanel), Meetings.Pages.MeetingPanelPlace.Side, 5));
        return services;
    }

    public static WebApplication UseRelaying(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapRelaying();
        return app;
    }
}
