using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Conferencing.Sip.Sdp;

namespace Conferencing.Server.Recording;

/// <summary>
/// One recording's ffmpeg: it listens for the recorder leg's RTP on ports reserved here (the SDP it
/// reads names them), copies the video as it comes (no transcoding), encodes the mix to AAC (G.711
/// does not go into MP4 and no browser plays it) and cuts MPEG-TS segments, which stay readable
/// when the process dies mid-write. If ffmpeg dies it is started again on the same ports, so the
/// relay's leg carries on and at most the segment being written is lost.
/// </summary>
internal sealed partial class RecorderProcess : IAsyncDisposable
{
    public const string SegmentPattern = "seg-*.ts";

    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly RecordingOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private Process? _process;
    private bool _stopping;
    private int _restarts;
    private string? _lastError;

    private RecorderProcess(Guid recordingId, string folder, RecordingOptions options, ILogger logger, int audioPort, int? videoPort)
    {
        RecordingId = recordingId;
        Folder = folder;
        _options = options;
        _logger = logger;
        AudioPort = audioPort;
        VideoPort = videoPort;
    }

    public Guid RecordingId { get; }

    public string Folder { get; }

    public int AudioPort { get; }

    public int? VideoPort { get; }

    /// <summary>ffmpeg's process id while it runs (tests kill it to show a crash loses at most a segment).</summary>
    public int? ProcessId
    {
        get
        {
            lock (_lock)
            {
                try
                {
                    return _process is { HasExited: false } p ? p.Id : null;
                }
                catch (InvalidOperationException)
                {
                    // Between a crash and the restart the Process object has no process behind it.
                    return null;
                }
            }
        }
    }

    /// <summary>Times ffmpeg died and was started again.</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>Raised (on a pool thread) once a restarted ffmpeg listens: the caller asks for a keyframe.</summary>
    public event Action<RecorderProcess>? Restarted;

    /// <summary>Reserves an RTP/RTCP port pair per stream on the recorder's address.</summary>
    public static RecorderProcess Reserve(Guid recordingId, string folder, RecordingOptions options, ILogger logger, bool video)
    {
        var address = IPAddress.Parse(options.Address);
        var audio = FreePortPair(address);
        int? videoPort = null;
        if (video)
        {
            int candidate;
            do
            {
                candidate = FreePortPair(address);
            }
            while (candidate == audio || candidate == audio + 1 || candidate + 1 == audio);
            videoPort = candidate;
        }

        return new RecorderProcess(recordingId, folder, options, logger, audio, videoPort);
    }

    /// <summary>Writes the SDP ffmpeg reads, from what was agreed with the relay, and starts ffmpeg; returns once it listens.</summary>
    public async Task StartAsync(NegotiatedCodec audio, NegotiatedCodec? video, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder);
        await File.WriteAllTextAsync(Path.Combine(Folder, "session.sdp"), Sdp(audio, video), cancellationToken).ConfigureAwait(false);
        await LaunchAsync(cancellationToken).ConfigureAwait(false);
    }

    private string Sdp(NegotiatedCodec audio, NegotiatedCodec? video)
    {
        var sdp = new StringBuilder();
        sdp.Append(CultureInfo.InvariantCulture, $"v=0\r\no=- 0 0 IN IP4 {_options.Address}\r\ns=Conferencing recorder\r\nc=IN IP4 {_options.Address}\r\nt=0 0\r\n");
        AppendMedia(sdp, "audio", AudioPort, audio);
        if (video is not null && VideoPort is { } port)
        {
            AppendMedia(sdp, "video", port, video);
        }

        return sdp.ToString();
    }

    private static void AppendMedia(StringBuilder sdp, string kind, int port, NegotiatedCodec codec)
    {
        // RTP we receive carries our own payload type numbers (the relay maps to what each leg negotiated).
        var pt = codec.ReceivePayloadType;
        sdp.Append(CultureInfo.InvariantCulture, $"m={kind} {port} RTP/AVP {pt}\r\na=rtpmap:{pt} {codec.LocalFormat.ToRtpMapEncoding()}\r\n");
        if (codec.LocalFormat.FormatParameters is { Length: > 0 } fmtp)
        {
            sdp.Append(CultureInfo.InvariantCulture, $"a=fmtp:{pt} {fmtp}\r\n");
        }

        sdp.Append("a=recvonly\r\n");
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var start = NextSegmentNumber(Folder);
        var info = new ProcessStartInfo(_options.Ffmpeg)
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[
            "-hide_banner", "-loglevel", "error",
            "-protocol_whitelist", "file,udp,rtp",
            "-analyzeduration", "5000000", "-probesize", "5000000",
            "-reorder_queue_size", "64",
            "-i", "session.sdp",
            "-map", "0:v?", "-map", "0:a?",
            "-c:v", "copy",
            "-c:a", "aac", "-ar", "48000", "-b:a", "64k",
            "-f", "segment",
            "-segment_time", _options.SegmentDuration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture),
            "-segment_format", "mpegts",
            "-segment_start_number", start.ToString(CultureInfo.InvariantCulture),
            "-reset_timestamps", "0",
            "seg-%05d.ts"])
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                Volatile.Write(ref _lastError, e.Data);
                RecordingLog.FfmpegSaid(_logger, RecordingId, e.Data);
            }
        };
        process.Exited += (_, _) => OnExited(process);
        lock (_lock)
        {
            if (_stopping)
            {
                process.Dispose();
                return;
            }

            process.Start();
            _process = process;
        }

        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        RecordingLog.FfmpegStarted(_logger, RecordingId, process.Id, AudioPort, VideoPort, start);
        await WaitListeningAsync(process, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>ffmpeg binds its ports a moment after it starts; the relay's first packets must not meet a closed port.</summary>
    private async Task WaitListeningAsync(Process process, CancellationToken cancellationToken)
    {
        var address = IPAddress.Parse(_options.Address);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            if (!CanBind(address, AudioPort) && (VideoPort is not { } video || !CanBind(address, video)))
            {
                return;
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private void OnExited(Process process)
    {
        int code;
        try
        {
            code = process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            code = -1;
        }

        lock (_lock)
        {
            if (_process != process)
            {
                return;
            }

            _process = null;
            if (_stopping)
            {
                return;
            }
        }

        process.Dispose();
        Interlocked.Increment(ref _restarts);
        RecordingLog.FfmpegDied(_logger, RecordingId, code, Volatile.Read(ref _lastError) ?? "");
        _ = Task.Run(async () =>
        {
            await Task.Delay(RestartDelay).ConfigureAwait(false);
            try
            {
                await LaunchAsync(CancellationToken.None).ConfigureAwait(false);
                Restarted?.Invoke(this);
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
            {
                RecordingLog.FfmpegStartFailed(_logger, e, RecordingId);
            }
        });
    }

    /// <summary>Stops ffmpeg the way Ctrl-C does (it closes the segment it writes), killing it if it will not.</summary>
    public async Task StopAsync()
    {
        Process? process;
        lock (_lock)
        {
            _stopping = true;
            process = _process;
            _process = null;
        }

        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                Interrupt(process.Id);
                using var timeout = new CancellationTokenSource(StopTimeout);
                try
                {
                    await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the checks.
        }
        finally
        {
            process.Dispose();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private static void Interrupt(int pid)
    {
        // SIGINT: ffmpeg's own interrupt check ends even a read that waits for packets that no longer come.
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit(2000);
    }

    /// <summary>The segments written so far, in order, without empty ones.</summary>
    public static IReadOnlyList<string> Segments(string folder) =>
        Directory.Exists(folder)
            ? [.. Directory.GetFiles(folder, SegmentPattern).Where(f => new FileInfo(f).Length > 0).Order(StringComparer.Ordinal)]
            : [];

    private static int NextSegmentNumber(string folder)
    {
        var last = Directory.Exists(folder)
            ? Directory.GetFiles(folder, SegmentPattern)
                .Select(f => int.TryParse(Path.GetFileNameWithoutExtension(f).AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
                .DefaultIfEmpty(-1).Max()
            : -1;
        return last + 1;
    }

    private static int FreePortPair(IPAddress address)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var rtp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            rtp.Bind(new IPEndPoint(address, 0));
            var port = ((IPEndPoint)rtp.LocalEndPoint!).Port;
            if (port % 2 == 0 && port < 65534 && CanBind(address, port + 1))
            {
                return port;
            }
        }

        throw new InvalidOperationException("No free RTP port pair on " + address + ".");
    }

    private static bool CanBind(IPAddress address, int port)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
