using Conferencing.Server.Meetings;

namespace Conferencing.Server.Relaying;

/// <summary>
/// Hands the stored open-discussion switches back to the conductor when the server starts, so the
/// mode the secretariat chose survives a restart (the conductor itself keeps it only in memory).
/// </summary>
internal sealed partial class AudioModeRestore(MeetingMediaSettingsStore settings, RelayConductor conductor, ILogger<AudioModeRestore> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var open = await settings.OpenDiscussionMeetingsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var meetingId in open)
        {
            conductor.SetOpenDiscussion(meetingId, true);
        }

        if (open.Count > 0)
        {
            Log.Restored(logger, open.Count);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 17214, Level = LogLevel.Information, Message = "Open discussion of {Count} meetings restored from the store")]
        public static partial void Restored(ILogger logger, int count);
    }
}
