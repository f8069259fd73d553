using System.ComponentModel;
using System.Diagnostics;

namespace Conferencing.Devices.Cec;

/// <summary>Power status of a CEC device as cec-client reports it.</summary>
public enum CecPower { Unknown, On, Standby, TransitionToOn, TransitionToStandby }

/// <summary>
/// HDMI-CEC through Debian's cec-client (libcec): each call runs <c>cec-client -s -d 1</c>, writes one
/// command on its standard input and reads what it prints. libcec owns the CEC bus and its timing, so
/// driving its own tool is sturdier than re-implementing CEC framing on /dev/cec0 here.
/// </summary>
public sealed class CecClient
{
    /// <summary>The default executable, found on PATH: cec-client from the Debian package cec-utils.</summary>
    public const string DefaultExecutable = "cec-client";

    /// <summary>The default time for one cec-client run: 10 s (opening the adapter alone takes a few seconds).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly string _executable;
    private readonly int _address;
    private readonly TimeSpan _timeout;

    /// <param name="executable">cec-client, or a full path to it.</param>
    /// <param name="logicalAddress">The TV's CEC logical address; 0 for the TV.</param>
    /// <param name="timeout">How long one run may take before cec-client is killed.</param>
    public CecClient(string executable = DefaultExecutable, int logicalAddress = 0, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executable);
        ArgumentOutOfRangeException.ThrowIfNegative(logicalAddress);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(logicalAddress, 15);
        _executable = executable;
        _address = logicalAddress;
        _timeout = timeout ?? DefaultTimeout;
    }

    public Task PowerOnAsync(CancellationToken cancellationToken) => RunAsync($"on {_address:x}", cancellationToken);

    public Task StandbyAsync(CancellationToken cancellationToken) => RunAsync($"standby {_address:x}", cancellationToken);

    /// <summary>Makes this box the active source, so the TV switches to the HDMI input it is plugged into.</summary>
    public Task ActiveSourceAsync(CancellationToken cancellationToken) => RunAsync("as", cancellationToken);

    public async Task<CecPower> GetPowerAsync(CancellationToken cancellationToken)
    {
        var output = await RunAsync($"pow {_address:x}", cancellationToken).ConfigureAwait(false);
        return ParsePower(output);
    }

    /// <summary>Reads the "power status: on" line cec-client prints for a pow command.</summary>
    public static CecPower ParsePower(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            const string prefix = "power status:";
            if (line.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return line[prefix.Length..].Trim().ToLowerInvariant() switch
                {
                    "on" => CecPower.On,
                    "standby" => CecPower.Standby,
                    "in transition from standby to on" => CecPower.TransitionToOn,
                    "in transition from on to standby" => CecPower.TransitionToStandby,
                    _ => CecPower.Unknown,
                };
            }
        }

        throw new DeviceException(DeviceFailure.ProtocolError, "cec-client printed no power status");
    }

    private async Task<string> RunAsync(string command, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-s");
        start.ArgumentList.Add("-d");
        start.ArgumentList.Add("1");
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new DeviceException(DeviceFailure.Unreachable, $"{_executable} did not start");
        }
        catch (Win32Exception e)
        {
            throw new DeviceException(DeviceFailure.Unreachable, $"{_executable} is not installed (Debian package cec-utils): {e.Message}", e);
        }

        using var _ = process;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            await process.StandardInput.WriteLineAsync(command.AsMemory(), deadline.Token).ConfigureAwait(false);
            process.StandardInput.Close();
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            var output = await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
            // Without an adapter libcec prints "autodetect FAILED" or "could not open a connection" and exits non-zero.
            if (output.Contains("autodetect FAILED", StringComparison.OrdinalIgnoreCase)
                || output.Contains("could not open a connection", StringComparison.OrdinalIgnoreCase))
            {
                throw new DeviceException(DeviceFailure.Unreachable, "no CEC adapter found (cec-client: " + FirstError(output) + ")");
            }

            if (process.ExitCode != 0)
            {
                throw new DeviceException(DeviceFailure.DeviceError, $"cec-client exited with {process.ExitCode}: {FirstError(output)}");
            }

            return output;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new DeviceException(DeviceFailure.Unreachable, $"cec-client did not finish '{command}' within {_timeout.TotalSeconds:0.#} s");
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    private static string FirstError(string output) =>
        output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("ERROR", StringComparison.OrdinalIgnoreCase) || l.Contains("FAILED", StringComparison.Ordinal))
        ?? output.Trim().Split('\n').LastOrDefault() ?? "";
}
