using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Conferencing.Relay.Benchmarks;

/// <summary>
/// Runs each forwarder (the C baseline, our relay with sendmmsg, our relay with one SendTo per leg)
/// against the same generator and sink for each fan-out, several times, and writes the table.
/// Forwarding rate is per core: packets sent to legs divided by the forwarder process's own CPU
/// time (user + system, from /proc), so other load on the machine shows as noise, not as our cost.
/// </summary>
internal static partial class Runner
{
    private const int Kbps = 2000;
    private const int Payload = 1188; // 1200-byte RTP packets
    private const int WarmUp = 2;

    private sealed record Sample(string Forwarder, int Legs, long In, long Out, double CpuSeconds, long Received, long SentInAll, long P50, long P99, long Allocated, long PathAllocated)
    {
        public double PacketsPerCoreSecond => CpuSeconds > 0 ? Out / CpuSeconds : 0;
    }

    public static int Run(string bin, int seconds, int repeats, int[] fanOuts, string output)
    {
        var samples = new List<Sample>();
        (long directP50, long directP99) = Direct(bin, seconds);
        Console.WriteLine($"direct generator -> sink: p50 {directP50} us, p99 {directP99} us");
        foreach (int legs in fanOuts)
        {
            for (int repeat = 0; repeat < repeats; repeat++)
            {
                foreach (string forwarder in new[] { "c", "dotnet-sendmmsg", "dotnet-sendto" })
                {
                    Sample sample = Measure(bin, forwarder, legs, seconds);
                    samples.Add(sample);
                    Console.WriteLine($"{legs,5} legs {forwarder,-16} {sample.PacketsPerCoreSecond,12:N0} pkt/s/core  cpu {sample.CpuSeconds,6:F2}s  out {sample.Out,9}  sink {sample.Received,9}/{sample.SentInAll}  p50 {sample.P50,6} us  p99 {sample.P99,6} us  alloc {sample.Allocated} B (packet path {sample.PathAllocated} B)");
                }
            }
        }

        File.WriteAllText(output, Table(samples, seconds, repeats, directP50, directP99));
        Console.WriteLine("wrote " + output);
        return 0;
    }

    private static (long P50, long P99) Direct(string bin, int seconds)
    {
        using var sink = Child.Start(Path.Combine(bin, "sink"), "0");
        int sinkPort = sink.ReadyPort();
        Child.Run(Path.Combine(bin, "gen"), "127.0.0.1", sinkPort.ToString(CultureInfo.InvariantCulture), FreePort().ToString(CultureInfo.InvariantCulture), Math.Min(seconds, 5).ToString(CultureInfo.InvariantCulture), Kbps.ToString(CultureInfo.InvariantCulture), Payload.ToString(CultureInfo.InvariantCulture));
        Thread.Sleep(300);
        var (_, p50, p99) = ParseSink(sink.Stop());
        return (p50, p99);
    }

    private static Sample Measure(string bin, string forwarder, int legs, int seconds)
    {
        using var sink = Child.Start(Path.Combine(bin, "sink"), "0");
        int sinkPort = sink.ReadyPort();
        int sourcePort = FreePort();
        using Child relay = forwarder == "c"
            ? Child.Start(Path.Combine(bin, "cfwd"), legs.ToString(CultureInfo.InvariantCulture), sinkPort.ToString(CultureInfo.InvariantCulture))
            : Child.Start("dotnet", typeof(Runner).Assembly.Location, "forward", "--legs", legs.ToString(CultureInfo.InvariantCulture), "--sink-port", sinkPort.ToString(CultureInfo.InvariantCulture),
                "--source-port", sourcePort.ToString(CultureInfo.InvariantCulture), "--batched", forwarder == "dotnet-sendmmsg" ? "true" : "false");
        int relayPort = relay.ReadyPort();

        // The first WarmUp seconds (JIT tiering, first-packet set-up) are not measured.
        using var generator = Child.Start(Path.Combine(bin, "gen"), "127.0.0.1", relayPort.ToString(CultureInfo.InvariantCulture), sourcePort.ToString(CultureInfo.InvariantCulture), (seconds + WarmUp).ToString(CultureInfo.InvariantCulture), Kbps.ToString(CultureInfo.InvariantCulture), Payload.ToString(CultureInfo.InvariantCulture));
        Thread.Sleep(TimeSpan.FromSeconds(WarmUp));
        double cpuBefore = relay.CpuSeconds();
        string[] mark = relay.Mark().Split(' ');
        generator.WaitForExit();
        Thread.Sleep(500);
        double cpu = relay.CpuSeconds() - cpuBefore;
        string[] forwarded = relay.Stop().Split(' ');
        var (received, p50, p99) = ParseSink(sink.Stop());
        long allocated = forwarded.Length > 4 && forwarded[3] == "allocated" ? long.Parse(forwarded[4], CultureInfo.InvariantCulture) : 0;
        long pathAllocated = forwarded.Length > 6 && forwarded[5] == "path" ? long.Parse(forwarded[6], CultureInfo.InvariantCulture) : 0;
        long packetsIn = long.Parse(forwarded[1], CultureInfo.InvariantCulture) - long.Parse(mark[1], CultureInfo.InvariantCulture);
        long packetsOut = long.Parse(forwarded[2], CultureInfo.InvariantCulture) - long.Parse(mark[2], CultureInfo.InvariantCulture);
        return new Sample(forwarder, legs, packetsIn, packetsOut, cpu, received, long.Parse(forwarded[2], CultureInfo.InvariantCulture), p50, p99, allocated, pathAllocated);
    }

    private static (long Received, long P50, long P99) ParseSink(string line)
    {
        string[] parts = line.Split(' ');
        return (long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture), long.Parse(parts[5], CultureInfo.InvariantCulture));
    }

    private static string Table(List<Sample> samples, int seconds, int repeats, long directP50, long directP99)
    {
        static double Median(IEnumerable<double> values)
        {
            double[] sorted = [.. values.Order()];
            return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"One {Kbps / 1000} Mbit/s program ({Payload + 12}-byte RTP packets, ~{Kbps * 1000 / (8 * (Payload + 12))} packets/s) fanned out on loopback for {seconds} s, {repeats} runs each; medians, [min-max] over the runs.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores ({RuntimeInformation.OSDescription}, .NET {Environment.Version}), shared with other work while it ran. Generator to sink without a forwarder: p50 {directP50} us, p99 {directP99} us.");
        text.AppendLine();
        text.AppendLine("| legs | forwarder | packets/s per core | vs C | latency p50 | latency p99 | allocated per packet: packet path / process | sink got |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var group in samples.GroupBy(s => (s.Legs, s.Forwarder)))
        {
            double rate = Median(group.Select(s => s.PacketsPerCoreSecond));
            double baseline = Median(samples.Where(s => s.Legs == group.Key.Legs && s.Forwarder == "c").Select(s => s.PacketsPerCoreSecond));
            string allocation = group.Key.Forwarder == "c" ? "-"
                : $"{Median(group.Select(s => s.In > 0 ? (double)s.PathAllocated / s.In : 0)):F2} B / {Median(group.Select(s => s.In > 0 ? (double)s.Allocated / s.In : 0)):F1} B";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {group.Key.Legs} | {group.Key.Forwarder} | {rate:N0} [{group.Min(s => s.PacketsPerCoreSecond):N0}-{group.Max(s => s.PacketsPerCoreSecond):N0}] | {(group.Key.Forwarder == "c" ? "1.00" : (rate / baseline).ToString("F2", CultureInfo.InvariantCulture))} " +
                $"| {Median(group.Select(s => (double)s.P50)):F0} us | {Median(group.Select(s => (double)s.P99)):F0} us | {allocation} | {Median(group.Select(s => s.SentInAll > 0 ? 100.0 * s.Received / s.SentInAll : 0)):F1} % |");
        }

        return text.ToString();
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A child process that prints "ready PORT", runs until SIGTERM, then prints one result line.</summary>
    private sealed partial class Child : IDisposable
    {
        private readonly Process _process;

        private Child(Process process) => _process = process;

        public static Child Start(string file, params string[] arguments)
        {
            var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, UseShellExecute = false })
                ?? throw new InvalidOperationException(file + " did not start");
            return new Child(process);
        }

        public static void Run(string file, params string[] arguments)
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, UseShellExecute = false })!;
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
        }

        public int ReadyPort()
        {
            string? line;
            while ((line = _process.StandardOutput.ReadLine()) is not null)
            {
                if (line.StartsWith("ready ", StringComparison.Ordinal))
                {
                    return int.Parse(line[6..], CultureInfo.InvariantCulture);
                }
            }

            throw new InvalidOperationException("the child exited before it was ready");
        }

        /// <summary>User plus system CPU time so far, from /proc/PID/stat (fields 14 and 15, in clock ticks).</summary>
        public double CpuSeconds()
        {
            string stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks / (double)ClockTicksPerSecond();
        }

        /// <summary>Sends SIGUSR1 and returns the "mark IN OUT" line the child prints.</summary>
        public string Mark()
        {
            _ = Kill(_process.Id, 10);
            string? line;
            while ((line = _process.StandardOutput.ReadLine()) is not null)
            {
                if (line.StartsWith("mark ", StringComparison.Ordinal))
                {
                    return line;
                }
            }

            throw new InvalidOperationException("the child exited before the mark");
        }

        public void WaitForExit() => _process.WaitForExit();

        public string Stop()
        {
            _ = Kill(_process.Id, 15);
            string rest = _process.StandardOutput.ReadToEnd();
            _process.WaitForExit();
            return rest.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Trim();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.Dispose();
        }

        private static long ClockTicksPerSecond() => SysConf(2); // _SC_CLK_TCK

        [LibraryImport("libc", EntryPoint = "kill")]
        private static partial int Kill(int pid, int signal);

        [LibraryImport("libc", EntryPoint = "sysconf")]
        private static partial long SysConf(int name);
    }
}
