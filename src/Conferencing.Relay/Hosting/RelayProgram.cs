using System.Net.Sockets;
using Conferencing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Conferencing.Relay.Hosting;

/// <summary>
/// <c>dotnet run --project src/Conferencing.Relay -- --sip 0.0.0.0:5070 --http 10.0.0.2:8090 --key KEY</c>
/// (or <c>--config /etc/conferencing/relay.json</c>).
/// Prints one "ready" line with the addresses it bound (useful with port 0), or a clear message and
/// exit code 2 with one line per refused setting, or 3 when a port is taken.
/// </summary>
internal static class RelayProgram
{
    public static async Task<int> Main(string[] args)
    {
        WebApplication app;
        try
        {
            app = RelayHost.Build(args);
            SettingsErrors.ValidateNow(app.Services);
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (SettingsErrors.Describe(e) is { } lines)
        {
            return await SettingsErrors.ReportAsync("relay", lines).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or FormatException)
        {
            await Console.Error.WriteLineAsync("relay: cannot start: " + e.Message).ConfigureAwait(false);
            return 3;
        }

        RelayNode node = app.Services.GetRequiredService<RelayNode>();
        Console.WriteLine($"relay {node.Name} ready sip={node.SipEndPoint.Address} http={string.Join(",", app.Urls)} media={node.MediaAddress}");
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        return 0;
    }
}
