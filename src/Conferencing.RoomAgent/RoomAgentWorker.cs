using Microsoft.Extensions.Options;

namespace Conferencing.RoomAgent;

/// <summary>Runs the connection for the life of the service and polls the devices on a timer.</summary>
public sealed class RoomAgentWorker(IOptions<RoomAgentOptions> options, ILogger<RoomAgentWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var connection = new RoomAgentConnection(options.Value, logger);
        await connection.ConnectAsync(stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(options.Value.PollInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await connection.PollAsync(stoppingToken).ConfigureAwait(false);
        }
    }
}
