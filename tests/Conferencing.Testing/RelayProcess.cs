using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Conferencing.Relay.Http;
using Xunit.Abstractions;

namespace Conferencing.Testing;

/// <summary>
/// A standalone relay as a separate process (<c>dotnet Conferencing.Relay.dll --sip ... --http ... --key ...</c>),
/// on ports it picks and reports in its "ready" line, driven through <see cref="RelayHttpClient"/>.
/// </summary>
public sealed partial class RelayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly TaskCompletionSource<Match> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITestOutputHelper _output;

    private RelayProcess(string name, ITestOutputHelper output, string[] arguments)
    {
        Name = name;
        _output = output;
        Key = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        string relay = Path.Combine(AppContext.BaseDirectory, "Conferencing.Relay.dll");
        _process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet", [relay, .. arguments.Select(a => a.Replace("{key}", Key, StringComparison.Ordinal))])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        _process.StartInfo.Environment["DOTNET_ENVIRONMENT"] = "Production";
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
    }

    public string Name { get; }

    public string Key { get; }

    public IPEndPoint Sip { get; private set; } = null!;

    public Uri Http { get; private set; } = null!;

    public RelayHttpClient Client { get; private set; } = null!;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts a relay on loopback with system-picked ports; <paramref name="extra"/> adds flags.</summary>
    public static Task<RelayProcess> StartAsync(string name, ITestOutputHelper output, params string[] extra) =>
        StartWithArgumentsAsync(name, output, ["--name", name, "--sip", "127.0.0.1:0", "--http", "127.0.0.1:0", "--key", "{key}", "--media-address", "127.0.0.1", "--media-ports", "0", "--digest", "MD5", .. extra]);

    public static async Task<RelayProcess> StartWithArgumentsAsync(string name, ITestOutputHelper output, string[] arguments)
    {
        var relay = new RelayProcess(name, output, arguments);
        relay._process.Start();
        relay._process.BeginOutputReadLine();
        relay._process.BeginErrorReadLine();
        Match ready;
        try
        {
            ready = await relay._ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"relay {name} did not start:\n{relay.Log}");
        }

        relay.Sip = IPEndPoint.Parse(ready.Groups["sip"].Value);
        relay.Http = new Uri(ready.Groups["http"].Value.Split(',')[0] + "/");
        relay.Client = new RelayHttpClient(new HttpClient { BaseAddress = relay.Http, Timeout = TimeSpan.FromSeconds(30) }, relay.Key);
        return relay;
    }

    /// <summary>Runs the relay executable to its exit (for start-up failures) and returns the exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunToExitAsync(params string[] arguments) =>
        Tools.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "Conferencing.Relay.dll"), .. arguments], TimeSpan.FromSeconds(60));

    public string SipUri(string user) => $"sip:{user}@{Sip}";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        try
        {
            _output.WriteLine($"---- relay {Name} log ----\n{Log}");
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }

        Match match = ReadyLine().Match(line);
        if (match.Success)
        {
            _ready.TrySetResult(match);
        }
    }

    [GeneratedRegex(@"^relay \S+ ready sip=(?<sip>\S+) http=(?<http>\S+)")]
    private static partial Regex ReadyLine();
}
