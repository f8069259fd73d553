using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Conferencing.Sip.Tests.Interop;

/// <summary>
/// Runs the real sipp (Debian sip-tester, installed by ops/test) with a scenario from ops/sipp.
/// Fails, never skips, when sipp is missing.
/// </summary>
internal static class Sipp
{
    public const string Executable = "/usr/bin/sipp";

    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        public override string ToString() => $"sipp exit {ExitCode}\n{Errors}\n{Output}";
    }

    public static string Scenario(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Conferencing.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("repository root not found"), "ops", "sipp", name);
    }

    /// <summary>Runs sipp to completion (bounded by <paramref name="timeout"/>) and returns its exit code and logs.</summary>
    public static async Task<Result> RunAsync(string scenario, IPEndPoint? remote, int localPort, TimeSpan timeout, params string[] extra)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing. Run the tests with ops/test, which installs Debian's sip-tester.");
        }

        var work = Directory.CreateTempSubdirectory("sipp");
        var arguments = new List<string>();
        if (remote is not null)
        {
            arguments.Add(remote.ToString());
        }

        arguments.AddRange(["-sf", Scenario(scenario), "-i", "127.0.0.1", "-p", localPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-mp", FreeUdpPort().ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "1", "-nostdin",
            "-timeout", $"{(int)timeout.TotalSeconds}s", "-timeout_error", "-trace_err", "-error_file", Path.Combine(work.FullName, "errors.log")]);
        arguments.AddRange(extra);
        var start = new ProcessStartInfo(Executable, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = work.FullName,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("sipp did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout + TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var errorLog = Path.Combine(work.FullName, "errors.log");
        var log = File.Exists(errorLog) ? await File.ReadAllTextAsync(errorLog) : "";
        return new Result(process.ExitCode, await output, await errors + log);
    }

    /// <summary>Starts sipp in the background (for a UAS scenario) and returns the process.</summary>
    public static Task<Result> StartAsync(string scenario, int localPort, TimeSpan timeout, params string[] extra) =>
        RunAsync(scenario, null, localPort, timeout, extra);

    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
