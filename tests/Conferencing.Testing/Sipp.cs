using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Conferencing.Testing;

/// <summary>Runs the real sipp (Debian sip-tester) with a scenario from ops/sipp.</summary>
public static class Sipp
{
    public sealed record Result(int ExitCode, string Output, string Messages)
    {
        public override string ToString() => $"sipp exit {ExitCode}\n{Output}\n{Messages}";
    }

    /// <summary>
    /// Runs a scenario to the end. <paramref name="remote"/> is null for a UAS. The working
    /// directory (where play_pcap finds its files) defaults to a fresh temporary one.
    /// </summary>
    public static async Task<Result> RunAsync(string scenario, IPEndPoint? remote, int localPort, TimeSpan timeout, string? workingDirectory = null, params string[] extra)
    {
        Tools.Require(Tools.Sipp, "sip-tester");
        string work = workingDirectory ?? Directory.CreateTempSubdirectory("sipp").FullName;
        string trace = Path.Combine(Directory.CreateTempSubdirectory("sipp-trace").FullName, "messages.log");
        var arguments = new List<string>();
        if (remote is not null)
        {
            arguments.Add(remote.ToString());
        }

        arguments.AddRange([
            "-sf", Repository.Path("ops", "sipp", scenario),
            "-i", "127.0.0.1", "-mi", "127.0.0.1",
            "-p", localPort.ToString(CultureInfo.InvariantCulture),
            "-mp", FreeMediaPorts().ToString(CultureInfo.InvariantCulture),
            "-m", "1", "-nostdin",
            "-timeout", $"{(int)timeout.TotalSeconds}s", "-timeout_error",
            "-trace_msg", "-message_file", trace,
            "-trace_err", "-error_file", Path.Combine(Path.GetDirectoryName(trace)!, "errors.log"),
        ]);
        arguments.AddRange(extra);
        var (exit, output) = await Tools.RunAsync(Tools.Sipp, arguments, timeout + TimeSpan.FromSeconds(15), work);
        string messages = File.Exists(trace) ? await File.ReadAllTextAsync(trace) : "";
        string errors = Path.Combine(Path.GetDirectoryName(trace)!, "errors.log");
        if (File.Exists(errors))
        {
            output += await File.ReadAllTextAsync(errors);
        }

        return new Result(exit, output, messages);
    }

    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A port P with P to P+3 free at the moment: sipp binds audio at P and video at P+2.</summary>
    public static int FreeMediaPorts()
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int port = FreeUdpPort() & ~1;
            var sockets = new List<Socket>();
            try
            {
                for (int i = 0; i < 4; i++)
                {
                    var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                    sockets.Add(s);
                    s.Bind(new IPEndPoint(IPAddress.Loopback, port + i));
                }

                return port;
            }
            catch (SocketException)
            {
            }
            finally
            {
                sockets.ForEach(s => s.Dispose());
            }
        }

        throw new InvalidOperationException("no four free UDP ports in a row");
    }
}
