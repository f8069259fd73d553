using System.Diagnostics;
using System.Globalization;

namespace Conferencing.Server.Recording;

/// <summary>A recording's files: its folder, the join of its segments into one MP4 for the browser, and what ffprobe reads of it.</summary>
internal static class RecordingFiles
{
    public const string FileName = "recording.mp4";

    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(10);

    public static string FolderOf(RecordingOptions options, Guid meetingId, Guid recordingId) =>
        Path.Combine(Path.GetFullPath(options.Directory), meetingId.ToString("N"), recordingId.ToString("N"));

    /// <summary>ffprobe beside the configured ffmpeg.</summary>
    public static string Ffprobe(RecordingOptions options)
    {
        var directory = Path.GetDirectoryName(options.Ffmpeg);
        return string.IsNullOrEmpty(directory) ? "ffprobe" : Path.Combine(directory, "ffprobe");
    }

    /// <summary>
    /// Joins the segments (copying, never re-encoding) into an MP4 with its index in front, so a
    /// browser plays it at once and seeks by range requests; then removes the segments. Null when
    /// there is nothing to join or ffmpeg could not.
    /// </summary>
    public static async Task<(string File, long Size, long DurationMs, int Segments)?> JoinAsync(RecordingOptions options, string folder, CancellationToken cancellationToken)
    {
        var segments = RecorderProcess.Segments(folder);
        if (segments.Count == 0)
        {
            return null;
        }

        var list = Path.Combine(folder, "segments.txt");
        await File.WriteAllLinesAsync(list, segments.Select(s => $"file '{Path.GetFileName(s)}'"), cancellationToken).ConfigureAwait(false);
        var output = Path.Combine(folder, FileName);
        var partial = output + ".part.mp4";
        var (code, errors) = await RunAsync(options.Ffmpeg, folder, cancellationToken,
            "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", "segments.txt",
            "-map", "0", "-c", "copy", "-movflags", "+faststart", partial).ConfigureAwait(false);
        if (code != 0 || !File.Exists(partial))
        {
            throw new IOException($"ffmpeg could not join {segments.Count} segments (exit {code}): {errors}");
        }

        File.Move(partial, output, overwrite: true);
        var duration = await DurationMsAsync(options, output, cancellationToken).ConfigureAwait(false);
        foreach (var segment in segments)
        {
            File.Delete(segment);
        }

        File.Delete(list);
        return (FileName, new FileInfo(output).Length, duration, segments.Count);
    }

    public static async Task<long> DurationMsAsync(RecordingOptions options, string file, CancellationToken cancellationToken)
    {
        var (code, output) = await RunAsync(Ffprobe(options), Path.GetDirectoryName(file)!, cancellationToken,
            "-v", "error", "-show_entries", "format=duration", "-of", "default=noprint_wrappers=1:nokey=1", file).ConfigureAwait(false);
        return code == 0 && double.TryParse(output.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? (long)Math.Round(seconds * 1000)
            : 0;
    }

    /// <summary>Runs a tool to its end and returns its exit code and what it wrote (stdout, else stderr).</summary>
    private static async Task<(int Code, string Output)> RunAsync(string tool, string folder, CancellationToken cancellationToken, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new IOException($"{tool} did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ToolTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        return (process.ExitCode, output.Length > 0 ? output : errors);
    }
}
