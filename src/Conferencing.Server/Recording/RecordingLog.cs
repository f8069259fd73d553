namespace Conferencing.Server.Recording;

/// <summary>Log lines of recording (EventIds 17200-17399).</summary>
internal static partial class RecordingLog
{
    [LoggerMessage(EventId = 17200, Level = LogLevel.Information, Message = "Recording {RecordingId} of meeting {MeetingId} started")]
    public static partial void Started(ILogger logger, Guid recordingId, Guid meetingId);

    [LoggerMessage(EventId = 17201, Level = LogLevel.Information, Message = "Recording {RecordingId} stopped: {Reason}")]
    public static partial void Stopped(ILogger logger, Guid recordingId, string reason);

    [LoggerMessage(EventId = 17202, Level = LogLevel.Information, Message = "Recording {RecordingId} complete: {Segments} segments, {DurationMs} ms, {Size} bytes")]
    public static partial void Completed(ILogger logger, Guid recordingId, int segments, long durationMs, long size);

    [LoggerMessage(EventId = 17203, Level = LogLevel.Warning, Message = "Recording {RecordingId} failed: {Reason}")]
    public static partial void Failed(ILogger logger, Guid recordingId, string reason);

    [LoggerMessage(EventId = 17204, Level = LogLevel.Information, Message = "Recording {RecordingId}: ffmpeg {Pid} listens on audio {AudioPort}, video {VideoPort}, from segment {Segment}")]
    public static partial void FfmpegStarted(ILogger logger, Guid recordingId, int pid, int audioPort, int? videoPort, int segment);

    [LoggerMessage(EventId = 17205, Level = LogLevel.Warning, Message = "Recording {RecordingId}: ffmpeg exited with {Code} ({LastError}); starting it again")]
    public static partial void FfmpegDied(ILogger logger, Guid recordingId, int code, string lastError);

    [LoggerMessage(EventId = 17206, Level = LogLevel.Error, Message = "Recording {RecordingId}: ffmpeg did not start")]
    public static partial void FfmpegStartFailed(ILogger logger, Exception exception, Guid recordingId);

    [LoggerMessage(EventId = 17207, Level = LogLevel.Debug, Message = "Recording {RecordingId}: ffmpeg: {Line}")]
    public static partial void FfmpegSaid(ILogger logger, Guid recordingId, string line);

    [LoggerMessage(EventId = 17208, Level = LogLevel.Warning, Message = "Recording {RecordingId}: the relay's call was refused ({Status}): {Reason}")]
    public static partial void CallRefused(ILogger logger, Guid recordingId, int status, string reason);

    [LoggerMessage(EventId = 17209, Level = LogLevel.Information, Message = "Recording {RecordingId}: recorder leg dialled at {Relay} ({Number})")]
    public static partial void Dialled(ILogger logger, Guid recordingId, string relay, string number);

    [LoggerMessage(EventId = 17210, Level = LogLevel.Warning, Message = "Recording {RecordingId}: dialling the recorder leg failed: {Reason}")]
    public static partial void DialFailed(ILogger logger, Guid recordingId, string reason);

    [LoggerMessage(EventId = 17211, Level = LogLevel.Error, Message = "Disk low under {Directory}: {FreeMegabytes} MiB free, threshold {ThresholdMegabytes} MiB; recording stops")]
    public static partial void DiskLow(ILogger logger, string directory, long freeMegabytes, long thresholdMegabytes);

    [LoggerMessage(EventId = 17212, Level = LogLevel.Information, Message = "Recording {RecordingId} of meeting {MeetingId} deleted after {Days} days")]
    public static partial void Swept(ILogger logger, Guid recordingId, Guid meetingId, int days);

    [LoggerMessage(EventId = 17213, Level = LogLevel.Warning, Message = "Recording {RecordingId}: recovered after a stop of the server")]
    public static partial void Recovering(ILogger logger, Guid recordingId);
}
