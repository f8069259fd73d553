using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Conferencing.Testing;

/// <summary>
/// A real baresip (Debian baresip-core with baresip-ffmpeg for H.264) as a room system on loopback:
/// answers calls by itself, sends a sine tone and a generated picture (fakevideo) encoded with
/// libx264, decodes what it receives, and prints RTCP statistics when a call ends.
/// </summary>
public sealed class Baresip : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Baresip(string user, int port)
    {
        User = user;
        Port = port;
        Directory = System.IO.Directory.CreateTempSubdirectory("baresip").FullName;
        File.WriteAllText(Path.Combine(Directory, "config"), string.Join('\n',
            "poll_method epoll",
            $"sip_listen 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            "net_interface 127.0.0.1",
            "audio_player aubridge,nil",
            "audio_source ausine,440",
            "ausrc_srate 48000",
            "ausrc_channels 2",
            "auplay_srate 48000",
            "video_source fakevideo,nil",
            "video_display fakevideo,nil",
            "video_size 352x288",
            "video_bitrate 500000",
            "video_fps 25",
            "rtp_stats yes",
            "rtcp_mux no",
            "module_path /usr/lib/baresip/modules",
            "module stdio.so",
            "module g711.so",
            "module ausine.so",
            "module aubridge.so",
            "module avcodec.so",
            "module fakevideo.so",
            "module_tmp account.so",
            "module_app menu.so",
            "module_app rtcpsummary.so",
            ""));
        File.WriteAllText(Path.Combine(Directory, "accounts"), $"<sip:{user}@127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}>;regint=0;answermode=auto\n");
        File.WriteAllText(Path.Combine(Directory, "contacts"), "");
        _process = new Process
        {
            StartInfo = new ProcessStartInfo(Tools.Baresip, ["-f", Directory])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                WorkingDirectory = Directory,
            },
        };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
    }

    public string User { get; }

    public int Port { get; }

    public string Directory { get; }

    public string Uri => $"sip:{User}@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<Baresip> StartAsync(string user)
    {
        Tools.Require(Tools.Baresip, "baresip-core");
        Tools.Require("/usr/lib/baresip/modules/avcodec.so", "baresip-ffmpeg");
        var baresip = new Baresip(user, Sipp.FreeUdpPort());
        baresip._process.Start();
        baresip._process.BeginOutputReadLine();
        baresip._process.BeginErrorReadLine();
        try
        {
            await baresip._ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("baresip did not start:\n" + baresip.Output);
        }
        return baresip;
    }

    public Task WaitForOutput(string text) => TaskTimeouts.Until(() => Output.Contains(text, StringComparison.Ordinal), $"baresip {User} to print '{text}':\n{Output}");

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await _process.StandardInput.WriteAsync("q");
                await _process.StandardInput.FlushAsync();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.Contains("baresip is ready", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }
}
