using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conferencing.Relay;

/// <summary>Registers a relay node in a host.</summary>
public static class RelayServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="RelayNode"/> (as itself and as <see cref="IRelayControl"/>) that starts
    /// and stops with the host, with <see cref="RelayOptions"/> bound from the <c>Relay</c> section
    /// and validated at start-up. <paramref name="requireApiKey"/> is for the standalone host, whose
    /// HTTP API needs the key.
    /// </summary>
    public static IServiceCollection AddRelayNode(this IServiceCollection services, bool requireApiKey = false)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<RelayOptions>().BindConfiguration(RelayOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RelayOptions>>(new RelayOptionsValidator { RequireApiKey = requireApiKey });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new RelayNode(
            sp.GetRequiredService<IOptions<RelayOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IRelayControl>(sp => sp.GetRequiredService<RelayNode>());
        services.AddHostedService<RelayNodeService>();
        return services;
    }

    private sealed class RelayNodeService(RelayNode node) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => node.StartAsync(cancellationToken);

        public async Task StopAsync(CancellationToken cancellationToken) => await node.DisposeAsync().ConfigureAwait(false);
    }
}
