using System.Collections.Concurrent;
using Conferencing.Relay;
using Conferencing.Server.Hosting.Supervision;
using Conferencing.Server.Meetings;
using Conferencing.Server.Monitoring;
using Conferencing.Server.Relaying;
using Conferencing.Sip.UserAgent;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Recording;

/// <summary>A recording in progress: its row, its folder, its ffmpeg and the relay's call to it.</summary>
internal sealed class ActiveRecording(MeetingRecording row, string folder)
{
    public MeetingRecording Row { get; } = row;

    public string Folder { get; } = folder;

    public RecorderProcess? Process { get; set; }

    public SipCall? Call { get; set; }

    public DateTimeOffset LastDialUtc { get; set; }
}

/// <summary>
/// Records live meetings. Runs in the server, not in the relay: the server owns the store, the
/// secretariat's switch, the files it serves, their retention and the disk guard, and a relay on
/// a district host stays free of disks and ffmpeg. The media still comes from the meeting's top
/// relay, which dials the recorder as a leg (<see cref="LegRole.Recorder"/>) and sends it what
/// every listener gets; ffmpeg receives it on loopback when that relay is the in-process one.
/// Each second the loop compares what should be recorded (live meetings with recording on, while
/// the disk has room) with what is, and starts, redials or stops.
/// </summary>
public sealed partial class RecordingService : SupervisedService
{
    public const string Loop = "recording";

    /// <summary>The recorder's leg id at the top relay.</summary>
    public const string LegId = "recorder";

    private static readonly TimeSpan RedialAfter = TimeSpan.FromSeconds(3);

    private readonly RecordingStore _store;
    private readonly MeetingMediaSettingsStore _mediaSettings;
    private readonly MeetingService _meetings;
    private readonly LiveCalls _live;
    private readonly RelayConductor _conductor;
    private readonly AlarmService _alarms;
    private readonly IOptionsMonitor<RecordingOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RecordingService> _logger;
    private readonly ConcurrentDictionary<Guid, ActiveRecording> _active = new();
    private readonly ConcurrentDictionary<Guid, ActiveRecording> _byRecording = new();
    private readonly ConcurrentDictionary<Guid, (MeetingKind Kind, MeetingMediaSettings Settings)> _settings = new();
    private readonly ConcurrentDictionary<Guid, Task> _finishing = new();
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;
    private bool _diskLow;
    private RecorderAgent? _agent;

    public RecordingService(LoopSupervisor supervisor, RecordingStore store, MeetingMediaSettingsStore mediaSettings, MeetingService meetings, LiveCalls live, RelayConductor conductor, AlarmService alarms,
        IOptionsMonitor<RecordingOptions> options, TimeProvider time, ILogger<RecordingService> logger)
        : base(supervisor, Loop)
    {
        _store = store;
        _mediaSettings = mediaSettings;
        _meetings = meetings;
        _live = live;
        _conductor = conductor;
        _alarms = alarms;
        _options = options;
        _time = time;
        _logger = logger;
    }

    private RecordingOptions Options => _options.CurrentValue;

    /// <summary>True while the disk guard holds recording off.</summary>
    public bool DiskLow => Volatile.Read(ref _diskLow);

    /// <summary>The ffmpeg process of a meeting's running recording, else null.</summary>
    public int? RecorderProcessId(Guid meetingId) => _active.TryGetValue(meetingId, out var active) ? active.Process?.ProcessId : null;

    /// <summary>The running recording of a meeting, else null.</summary>
    public Guid? ActiveRecordingId(Guid meetingId) => _active.TryGetValue(meetingId, out var active) ? active.Row.Id : null;

    /// <summary>Forgets what was read of a meeting's settings: the next round reads them again.</summary>
    public void SettingsChanged(Guid meetingId) => _settings.TryRemove(meetingId, out _);

    /// <summary>Waits for recordings being joined into MP4s (tests, and a clean stop).</summary>
    public Task FinishingAsync() => Task.WhenAll(_finishing.Values);

    /// <summary>The file of a complete recording, or null when it is not there.</summary>
    public string? FileOf(MeetingRecording recording)
    {
        ArgumentNullException.ThrowIfNull(recording);
        if (recording.Status != RecordingStatus.Complete || recording.FileName is null)
        {
            return null;
        }

        var path = Path.Combine(RecordingFiles.FolderOf(Options, recording.MeetingId, recording.Id), recording.FileName);
        return File.Exists(path) ? path : null;
    }

    /// <summary>One recorder per meeting in the cluster: it runs beside the conductor, through which it dials the recorder leg.</summary>
    protected override string? Role => Hosting.Cluster.ClusterRoles.Conductor;

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(Path.GetFullPath(Options.Directory));
        await RecoverAsync(stoppingToken).ConfigureAwait(false);
        await using var agent = new RecorderAgent(Options, id => _byRecording.GetValueOrDefault(id), _logger);
        agent.Start();
        _agent = agent;
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
            do
            {
                Beat();
                await RoundAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _agent = null;
            foreach (var meetingId in _active.Keys.ToList())
            {
                // A stopping server closes its files; the next start finds them unfinished and joins them.
                if (_active.TryRemove(meetingId, out var active) && active.Process is { } process)
                {
                    await process.StopAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private async Task RoundAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var guardTripped = CheckDisk();
        var live = _live.Meetings.Where(m => m.Status == MeetingStatus.Live).Select(m => m.MeetingId).ToHashSet();
        foreach (var (meetingId, active) in _active.ToList())
        {
            var reason = guardTripped ? "disk-low"
                : !live.Contains(meetingId) ? "meeting-ended"
                : !await WantedAsync(meetingId, cancellationToken).ConfigureAwait(false) ? "switched-off"
                : null;
            if (reason is not null)
            {
                await StopAsync(meetingId, active, reason).ConfigureAwait(false);
            }
            else
            {
                await EnsureLegAsync(meetingId, active, now, cancellationToken).ConfigureAwait(false);
            }
        }

        if (guardTripped)
        {
            return;
        }

        foreach (var meetingId in live.Where(id => !_active.ContainsKey(id)))
        {
            if (await WantedAsync(meetingId, cancellationToken).ConfigureAwait(false))
            {
                await StartAsync(meetingId, now, cancellationToken).ConfigureAwait(false);
            }
        }

        if (now - _lastSweep >= Options.SweepInterval)
        {
            _lastSweep = now;
            await SweepAsync(now, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> WantedAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        if (!_settings.TryGetValue(meetingId, out var known))
        {
            if (await _meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) is not { } meeting)
            {
                return false;
            }

            known = (meeting.Kind, await _mediaSettings.SettingsAsync(meetingId, cancellationToken).ConfigureAwait(false));
            _settings[meetingId] = known;
        }

        return Options.Enabled && known.Settings.Records(known.Kind);
    }

    private async Task StartAsync(Guid meetingId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var row = new MeetingRecording(Guid.NewGuid(), meetingId, RecordingStatus.Recording, now, null, null, null, null, 0, null);
        var active = new ActiveRecording(row, RecordingFiles.FolderOf(Options, meetingId, row.Id));
        Directory.CreateDirectory(active.Folder);
        await _store.InsertAsync(row, cancellationToken).ConfigureAwait(false);
        _byRecording[row.Id] = active;
        _active[meetingId] = active;
        RecordingLog.Started(_logger, row.Id, meetingId);
        await EnsureLegAsync(meetingId, active, now, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureLegAsync(Guid meetingId, ActiveRecording active, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_agent?.EndPoint is not { } agent || now - active.LastDialUtc < RedialAfter)
        {
            return;
        }

        TopRelayRoute? route;
        try
        {
            route = await _conductor.TopRelayAsync(meetingId, LegId).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return;
        }

        if (route is null || route.Leg is { State: not (LegState.Ended or LegState.Failed) })
        {
            return;
        }

        active.LastDialUtc = now;
        try
        {
            var uri = $"sip:{RecorderAgent.UserOf(active.Row.Id)}@{agent}";
            await route.Control.DialAsync(route.Number, new DialRequest(uri, LegId, LegRole.Recorder), cancellationToken).ConfigureAwait(false);
            RecordingLog.Dialled(_logger, active.Row.Id, route.Relay, route.Number);
        }
        catch (RelayException e)
        {
            RecordingLog.DialFailed(_logger, active.Row.Id, e.Message);
        }
    }

    private async Task StopAsync(Guid meetingId, ActiveRecording active, string reason)
    {
        RecordingLog.Stopped(_logger, active.Row.Id, reason);
        if (active.Process is { } process)
        {
            await process.StopAsync().ConfigureAwait(false);
        }

        if (active.Call is { IsActive: true } call)
        {
            await call.HangUpAsync("recording stopped: " + reason).ConfigureAwait(false);
        }

        var row = active.Row with { Status = RecordingStatus.Finishing, EndedUtc = _time.GetUtcNow(), StopReason = reason };
        await _store.UpdateAsync(row, CancellationToken.None).ConfigureAwait(false);
        Track(row.Id, () => FinishAsync(row, active.Folder));

        // Gone from the running ones only once its finishing is tracked: whoever sees it stopped can wait for its file.
        _byRecording.TryRemove(active.Row.Id, out _);
        _active.TryRemove(meetingId, out _);
    }

    private void Track(Guid recordingId, Func<Task> work)
    {
        var task = Task.Run(work);
        _finishing[recordingId] = task;
        _ = task.ContinueWith(_ => _finishing.TryRemove(recordingId, out Task? _), TaskScheduler.Default);
    }

    /// <summary>Joins the segments into the MP4 and records the outcome; the segments stay when the join fails.</summary>
    private async Task FinishAsync(MeetingRecording row, string folder)
    {
        try
        {
            var joined = await RecordingFiles.JoinAsync(Options, folder, CancellationToken.None).ConfigureAwait(false);
            if (joined is not { } file)
            {
                RecordingLog.Failed(_logger, row.Id, "no media arrived");
                await _store.UpdateAsync(row with { Status = RecordingStatus.Failed, StopReason = row.StopReason + "; no media arrived" }, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            RecordingLog.Completed(_logger, row.Id, file.Segments, file.DurationMs, file.Size);
            await _store.UpdateAsync(row with
            {
                Status = RecordingStatus.Complete,
                FileName = file.File,
                SizeBytes = file.Size,
                DurationMs = file.DurationMs,
                Segments = file.Segments,
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or System.Data.Common.DbException)
        {
            RecordingLog.Failed(_logger, row.Id, e.Message);
            try
            {
                await _store.UpdateAsync(row with { Status = RecordingStatus.Failed, StopReason = row.StopReason + "; " + e.Message }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (System.Data.Common.DbException)
            {
                // Left Finishing: the next start joins it again.
            }
        }
    }

    /// <summary>Recordings a crash or a stop left unfinished are joined from the segments they left.</summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        foreach (var row in await _store.UnfinishedAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_byRecording.ContainsKey(row.Id) || _finishing.ContainsKey(row.Id))
            {
                continue;
            }

            RecordingLog.Recovering(_logger, row.Id);
            var stopped = row with { Status = RecordingStatus.Finishing, EndedUtc = row.EndedUtc ?? _time.GetUtcNow(), StopReason = row.StopReason ?? "server-restart" };
            await _store.UpdateAsync(stopped, cancellationToken).ConfigureAwait(false);
            Track(row.Id, () => FinishAsync(stopped, RecordingFiles.FolderOf(Options, row.MeetingId, row.Id)));
        }
    }

    /// <summary>True when the disk guard holds recording off; raises the alarm when it trips.</summary>
    private bool CheckDisk()
    {
        var options = Options;
        var directory = Path.GetFullPath(options.Directory);
        long free;
        try
        {
            free = new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }

        var threshold = options.MinFreeMegabytes * 1024 * 1024;
        var low = free < threshold;
        var was = Volatile.Read(ref _diskLow);
        Volatile.Write(ref _diskLow, low);
        if (low && !was)
        {
            RecordingLog.DiskLow(_logger, directory, free / (1024 * 1024), options.MinFreeMegabytes);
            var meeting = _active.Keys.FirstOrDefault();
            _ = _alarms.RaiseSystemAsync(AlarmKinds.RecordingDiskLow, "", meeting == Guid.Empty ? null : meeting, AlarmSeverity.Critical,
                $"Recording stopped: {free / (1024 * 1024)} MiB free under {directory}, below the {options.MinFreeMegabytes} MiB threshold.", CancellationToken.None);
        }

        return low;
    }

    private async Task SweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var days = Options.RetentionDays;
        if (days == 0)
        {
            return;
        }

        foreach (var row in await _store.EndedBeforeAsync(now.AddDays(-days), cancellationToken).ConfigureAwait(false))
        {
            if (row.Status is RecordingStatus.Recording or RecordingStatus.Finishing)
            {
                continue;
            }

            var folder = RecordingFiles.FolderOf(Options, row.MeetingId, row.Id);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            await _store.DeleteAsync(row, "system", $"retention of {days} days", cancellationToken).ConfigureAwait(false);
            RecordingLog.Swept(_logger, row.Id, row.MeetingId, days);
        }
    }
}
