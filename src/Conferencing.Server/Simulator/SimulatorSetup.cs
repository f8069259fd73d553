using Microsoft.Extensions.Options;

namespace Conferencing.Server.Simulator;

/// <summary>Composition of the demo's simulated rooms and their cameras.</summary>
public static class SimulatorSetup
{
    public static IServiceCollection AddRoomSimulator(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SimulatedVideoOptions>().BindConfiguration(SimulatedVideoOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SimulatedVideoOptions>, SimulatedVideoOptionsValidator>();
        services.AddSingleton<SimulatedVideoLibrary>();
        services.AddSingleton<RoomSimulatorService>();
        services.AddHostedService(sp => sp.GetRequiredService<RoomSimulatorService>());
        return services;
    }
}
