using System.Diagnostics;

namespace Conferencing.Testing;

/// <summary>External programs the tests run; ops/test installs them. Missing tools fail the test, never skip it.</summary>
public static class Tools
{
    public const string Sipp = "/usr/bin/sipp";
    public const string Baresip = "/usr/bin/baresip";
    public const string Ffmpeg = "/usr/bin/ffmpeg";

    public static void Require(string path, string package)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing. Run the tests with ops/test, which installs Debian's {package}.");
        }
    }

    /// <summary>Runs a program to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException(file + " did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} ran past {timeout}: {await output}{await errors}");
        }

        return (process.ExitCode, await output + await errors);
    }
}

/// <summary>
/// The test clip, made once per test run by ops/media/make-test-media.sh (ffmpeg, then our
/// packetizer) into a temporary directory: pcap files of H.264 and PCMU that sipp replays as the
/// central MCU. Central's packets carry CSRC <see cref="CentralTag"/>, so a probe can tell which
/// source a packet came from after the relay rewrote everything else.
/// </summary>
public static class TestMedia
{
    public const uint CentralTag = 0xC0FFEE01;

    /// <summary>Seconds of media in the clip.</summary>
    public const int Seconds = 14;

    private static readonly Lazy<Task<string>> Directory = new(MakeAsync);

    public static Task<string> DirectoryAsync() => Directory.Value;

    private static async Task<string> MakeAsync()
    {
        Tools.Require(Tools.Ffmpeg, "ffmpeg");
        string directory = System.IO.Directory.CreateTempSubdirectory("relay-media").FullName;
        string tool = System.IO.Path.Combine(AppContext.BaseDirectory, "Conferencing.MediaTool.dll");
        var (exit, output) = await Tools.RunAsync(
            "bash",
            [Repository.Path("ops", "media", "make-test-media.sh"), directory, Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), CentralTag.ToString("X8", System.Globalization.CultureInfo.InvariantCulture)],
            TimeSpan.FromMinutes(3),
            environment: new Dictionary<string, string> { ["MEDIA_TOOL"] = tool });
        if (exit != 0)
        {
            throw new InvalidOperationException("make-test-media.sh failed: " + output);
        }

        return directory;
    }
}
