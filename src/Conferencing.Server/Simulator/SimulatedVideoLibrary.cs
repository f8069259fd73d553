using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Simulator;

/// <summary>
/// Each simulated site's camera clip: a few seconds of real H.264 showing the site's code and name,
/// encoded once by ffmpeg when the site first sends video and kept on disk (keyed by site code and
/// <see cref="FormatVersion"/>), so the demo's 149 rooms cost no encodes at start and one each ever.
/// Without ffmpeg (or its font) the clip is null, and the cameras keep sending H.264-shaped frames.
/// </summary>
public sealed partial class SimulatedVideoLibrary(IOptions<SimulatedVideoOptions> options, ILogger<SimulatedVideoLibrary> logger) : IDisposable
{
    /// <summary>Bumped when the clip's look or encoding changes, so old cached clips are not reused.</summary>
    public const int FormatVersion = 1;

    public const int Width = 320;
    public const int Height = 180;
    public const int FramesPerSecond = 15;

    private const int ClipSeconds = 4;

    private readonly ConcurrentDictionary<string, Lazy<Task<SimulatedVideoClip?>>> _clips = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _encodes = new(options.Value.MaxConcurrentEncodes);
    private int _warned;

    /// <summary>The clip of a site, encoding it first if no cached one exists; null when it cannot be made.</summary>
    public Task<SimulatedVideoClip?> ClipAsync(string siteCode, string siteName)
    {
        ArgumentException.ThrowIfNullOrEmpty(siteCode);
        var lazy = _clips.GetOrAdd(siteCode, code => new Lazy<Task<SimulatedVideoClip?>>(() => LoadAsync(code, siteName)));
        return lazy.Value;
    }

    /// <summary>Where a site's clip is cached.</summary>
    public string PathOf(string siteCode) =>
        Path.Combine(Path.GetFullPath(options.Value.CacheDirectory), $"v{FormatVersion}-{SafeName(siteCode)}.h264");

    public void Dispose() => _encodes.Dispose();

    private async Task<SimulatedVideoClip?> LoadAsync(string siteCode, string siteName)
    {
        var file = PathOf(siteCode);
        try
        {
            if (!File.Exists(file))
            {
                await _encodes.WaitAsync().ConfigureAwait(false);
                try
                {
                    if (!File.Exists(file) && !await EncodeAsync(siteCode, siteName, file).ConfigureAwait(false))
                    {
                        return null;
                    }
                }
                finally
                {
                    _encodes.Release();
                }
            }

            var clip = SimulatedVideoClip.Parse(await File.ReadAllBytesAsync(file).ConfigureAwait(false), FramesPerSecond);
            if (clip is null)
            {
                File.Delete(file);
                Warn($"the clip {file} has no keyframe to start at");
            }

            return clip;
        }
        catch (IOException e)
        {
            Warn(e.Message);
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            Warn(e.Message);
            return null;
        }
    }

    private async Task<bool> EncodeAsync(string siteCode, string siteName, string file)
    {
        // The paths go into an ffmpeg filter unescaped: the validator keeps its special characters out of them.
        var folder = Path.GetDirectoryName(file)!;
        Directory.CreateDirectory(folder);
        var stem = Path.Combine(folder, $".{Path.GetFileNameWithoutExtension(file)}-{Guid.NewGuid():N}");
        var codeFile = stem + ".code.txt";
        var nameFile = stem + ".name.txt";
        var output = stem + ".h264";
        await File.WriteAllTextAsync(codeFile, siteCode, Encoding.UTF8).ConfigureAwait(false);
        await File.WriteAllTextAsync(nameFile, siteName, Encoding.UTF8).ConfigureAwait(false);
        try
        {
            var font = options.Value.FontFile;
            var filter = string.Join(',',
                $"drawtext=fontfile={font}:textfile={codeFile}:fontsize=40:fontcolor=white:x=(w-tw)/2:y=36",
                $"drawtext=fontfile={font}:textfile={nameFile}:fontsize=20:fontcolor=white:x=(w-tw)/2:y=96",
                // Something moves, so the picture is seen to be live and P-frames carry more than nothing.
                $"drawtext=fontfile={font}:text=■:fontsize=18:fontcolor=yellow:x=mod(t*80\\,w):y=150");
            var start = new ProcessStartInfo(options.Value.Ffmpeg)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var argument in (string[])[
                "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                "-f", "lavfi", "-i", $"color=c=0x{ColourOf(siteCode)}:size={Width}x{Height}:rate={FramesPerSecond}:duration={ClipSeconds}",
                "-vf", filter,
                "-c:v", "libx264", "-profile:v", "baseline", "-level", "3.0", "-pix_fmt", "yuv420p", "-bf", "0",
                "-b:v", "120k", "-maxrate", "160k", "-bufsize", "160k",
                // An IDR with SPS and PPS in front every second: a receiver joining or switching waits at most that.
                "-x264-params", $"keyint={FramesPerSecond}:min-keyint={FramesPerSecond}:scenecut=0:repeat-headers=1",
                "-f", "h264", output])
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                Warn($"ffmpeg exited {process.ExitCode}: {(await errors.ConfigureAwait(false)).Trim()}");
                return false;
            }

            File.Move(output, file, overwrite: true);
            Log.Encoded(logger, siteCode, file);
            return true;
        }
        catch (Win32Exception e)
        {
            Warn($"{options.Value.Ffmpeg}: {e.Message}");
            return false;
        }
        catch (OperationCanceledException)
        {
            Warn("ffmpeg took more than a minute");
            return false;
        }
        finally
        {
            foreach (var temporary in (string[])[codeFile, nameFile, output])
            {
                File.Delete(temporary);
            }
        }
    }

    private void Warn(string reason)
    {
        // One warning, not 149: every room falls back the same way for the same reason.
        if (Interlocked.Exchange(ref _warned, 1) == 0)
        {
            Log.NoClip(logger, reason);
        }
    }

    /// <summary>A dark colour of its own per site, so two sites' pictures differ at a glance.</summary>
    private static string ColourOf(string siteCode)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(siteCode));
        return string.Concat(hash.Take(3).Select(b => (b % 120 + 20).ToString("x2", CultureInfo.InvariantCulture)));
    }

    private static string SafeName(string siteCode) =>
        string.Concat(siteCode.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));

    private static partial class Log
    {
        [LoggerMessage(EventId = 20600, Level = LogLevel.Warning, Message = "Simulated cameras send H.264-shaped frames that nothing can decode: no clip could be made ({Reason})")]
        public static partial void NoClip(ILogger logger, string reason);

        [LoggerMessage(EventId = 20601, Level = LogLevel.Debug, Message = "Simulated camera clip of {Site} encoded to {File}")]
        public static partial void Encoded(ILogger logger, string site, string file);
    }
}
