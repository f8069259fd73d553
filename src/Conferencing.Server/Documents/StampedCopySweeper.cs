using Conferencing.Server.Hosting.Supervision;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Documents;

/// <summary>
/// Deletes stamped confidential copies past their lifetime (<see cref="DocumentOptions.StampedCopyLifetime"/>),
/// every <see cref="DocumentOptions.StampedCopySweepInterval"/>, whether or not anyone opens another
/// document: a copy must not outlive its purpose on disk because the room went quiet.
/// </summary>
public sealed partial class StampedCopySweeper(
    DocumentService documents, IOptions<DocumentOptions> options, TimeProvider time, LoopSupervisor supervisor, ILogger<StampedCopySweeper> logger)
    : SupervisedService(supervisor, Loop)
{
    /// <summary>The sweep loop's name under the supervisor.</summary>
    public const string Loop = "documents.sweep";

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.StampedCopySweepInterval, time);
        do
        {
            Beat();
            SweepOnce();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private void SweepOnce()
    {
        try
        {
            var deleted = documents.SweepStampedCopies();
            if (deleted > 0)
            {
                Log.Swept(logger, deleted);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The storage folder is a network mount on a cluster: try again next time.
            Log.SweepFailed(logger, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 13220, Level = LogLevel.Information, Message = "Deleted {Count} stamped confidential copies past their lifetime")]
        public static partial void Swept(ILogger logger, int count);

        [LoggerMessage(EventId = 13221, Level = LogLevel.Warning, Message = "Sweeping stamped confidential copies failed; trying again at the next interval")]
        public static partial void SweepFailed(ILogger logger, Exception exception);
    }
}
