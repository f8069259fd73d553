using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Conferencing.Relay.Media;
using Conferencing.Relay.Media.Mixing;
using Conferencing.Sip.Rtp;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conferencing.Relay.Benchmarks;

/// <summary>
/// The audio of one 150-leg meeting forwarded (the chair switched to everyone) against mixed with 2
/// contributors (chair and floor) and with 4 (open discussion, two more speaking), each run in a
/// process of its own. Contributors are threads sending paced 20 ms µ-law packets on loopback; one
/// listener leg is read by a thread that times a loud frame the measured contributor sends every
/// half second from send to arrival (the added latency: jitter buffer, frame clock, mixing and
/// encoding); the other legs point at a socket nobody reads. CPU is the process's own over the
/// window; allocation is the receive thread's and the mix thread's, per packet and frame.
/// </summary>
internal static class AudioBench
{
    private const int PulseEvery = 25;
    private const short Loud = 12000;
    private const short Quiet = 500;

    public static int RunAll(int legs, int seconds, int repeats, string output)
    {
        string self = Environment.ProcessPath!;
        string dll = typeof(AudioBench).Assembly.Location;
        var rows = new List<string>();
        foreach (string config in new[] { "forward", "mix2", "mix4", "mix2rec" })
        {
            var runs = new List<Dictionary<string, double>>();
            for (int r = 0; r < repeats; r++)
            {
                var start = new ProcessStartInfo(self) { RedirectStandardOutput = true };
                start.ArgumentList.Add(dll);
                foreach (string a in new[] { "audio-one", "--legs", legs.ToString(CultureInfo.InvariantCulture), "--config", config, "--seconds", seconds.ToString(CultureInfo.InvariantCulture) })
                {
                    start.ArgumentList.Add(a);
                }

                using Process process = Process.Start(start)!;
                string text = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                string line = text.Split('\n').Last(l => l.StartsWith("result ", StringComparison.Ordinal));
                var values = new Dictionary<string, double>();
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                for (int i = 1; i + 1 < parts.Length; i += 2)
                {
                    values[parts[i]] = double.Parse(parts[i + 1], CultureInfo.InvariantCulture);
                }

                runs.Add(values);
                Console.WriteLine($"{config} run {r + 1}: {line}");
            }

            double Median(string key) => runs.Select(v => v[key]).Order().ElementAt(runs.Count / 2);
            string Range(string key, string format) => $"{Median(key).ToString(format, CultureInfo.InvariantCulture)} [{runs.Min(v => v[key]).ToString(format, CultureInfo.InvariantCulture)}-{runs.Max(v => v[key]).ToString(format, CultureInfo.InvariantCulture)}]";
            string recorder = runs[0].ContainsKey("reccpu") ? Range("reccpu", "F1") + " %" : "-";
            rows.Add($"| {config} | {Range("cpu", "F1")} % | {recorder} | {Median("p50"):F1} ms | {Median("p99"):F1} ms | {Median("pathbytes"):F2} B | {Median("mixbytes"):F2} B | {Median("sent"):F0} |");
        }

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"One meeting of {legs} legs, PCMU, {seconds} s per run after a 2 s warm-up, {repeats} runs each; medians, [min-max] of CPU.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, shared with other work while it ran.");
        md.AppendLine();
        md.AppendLine("| audio | CPU (share of one core) | recorder's ffmpeg CPU | added latency p50 | p99 | allocated per packet: receive path | per frame: mix thread | packets sent to legs per s |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (string row in rows)
        {
            md.AppendLine(row);
        }

        File.WriteAllText(output, md.ToString());
        Console.WriteLine(md.ToString());
        return 0;
    }

    public static int RunOne(int legs, string config, int seconds)
    {
        var options = new RelayOptions { Name = "bench", Sip = "127.0.0.1:0", MediaAddress = "127.0.0.1", MediaPorts = "0", SocketBufferBytes = 4 << 20 };
        var allocator = new MediaPortAllocator(IPAddress.Loopback, (0, 0), options.SocketBufferBytes);
        using var media = new MeetingMedia("1", MediaProfile.Default, options, allocator, NullLogger.Instance, TimeProvider.System);
        media.Start();
        var relay = new IPEndPoint(IPAddress.Loopback, media.Audio.RtpPort);
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int sinkPort = ((IPEndPoint)sink.LocalEndPoint!).Port;

        string[] names = ["central", "floor", "cand1", "cand2"];
        var senders = new List<Sender>();
        var legMedia = new Dictionary<string, LegMedia>();
        foreach (string name in names)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            LegMedia leg = Leg(name, (IPEndPoint)socket.LocalEndPoint!);
            media.Add(leg);
            legMedia[name] = leg;
            senders.Add(new Sender(socket, relay));
        }

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.ReceiveBufferSize = 1 << 20;
        var listenerLeg = Leg("listener", (IPEndPoint)listener.LocalEndPoint!);
        media.Add(listenerLeg);
        for (int k = 0; k < legs - names.Length - 1; k++)
        {
            var address = new IPAddress(new byte[] { 127, 0, (byte)(1 + (k / 250)), (byte)((k % 250) + 1) });
            media.Add(Leg("leg" + k, new IPEndPoint(address, sinkPort)));
        }

        Recorder? recorder = null;
        Sender pulse;
        if (config == "forward")
        {
            media.SetProgram(legMedia["central"], null);
            pulse = senders[0];
        }
        else
        {
            media.SetProgram(legMedia["floor"], legMedia["central"]);
            media.SetAudioMix(new AudioMixRequest(true, OpenDiscussion: config == "mix4", MaxSpeakers: 2));
            if (config == "mix2rec")
            {
                // The recorder as the server runs it: a leg like any listener, into ffmpeg (the common mix to AAC, MPEG-TS segments).
                recorder = Recorder.Start();
                media.Add(Leg("recorder", new IPEndPoint(IPAddress.Loopback, recorder.Port)));
            }
            pulse = senders[1];
            senders[0].Start(Quiet, pulse: false);
            if (config == "mix4")
            {
                senders[2].Start(Quiet, pulse: false);
                senders[3].Start(Quiet, pulse: false);
            }
        }

        pulse.Start(0, pulse: true);
        var latencies = new ConcurrentQueue<double>();
        var stopping = false;
        var reader = new Thread(() =>
        {
            byte[] buffer = new byte[2048];
            bool loud = false;
            listener.ReceiveTimeout = 500;
            while (!Volatile.Read(ref stopping))
            {
                int n;
                try
                {
                    n = listener.Receive(buffer);
                }
                catch (SocketException)
                {
                    continue;
                }

                long now = Stopwatch.GetTimestamp();
                if (!RtpPacket.TryRead(buffer.AsSpan(0, n), out RtpPacket packet) || packet.PayloadType != 0)
                {
                    continue;
                }

                int peak = 0;
                foreach (byte b in packet.Payload)
                {
                    peak = Math.Max(peak, Math.Abs((int)G711Codec.DecodeMuLaw(b)));
                }

                // A pulse lost on the way would pair every later arrival with the wrong send: skip stale ones.
                while (pulse.PulseTimes.TryPeek(out long old) && now - old > Stopwatch.Frequency * 2 / 5)
                {
                    pulse.PulseTimes.TryDequeue(out _);
                }

                if (peak > 4000 && !loud && pulse.PulseTimes.TryDequeue(out long sent))
                {
                    latencies.Enqueue((now - sent) * 1000.0 / Stopwatch.Frequency);
                }

                loud = peak > 4000;
            }
        })
        { IsBackground = true };
        reader.Start();

        Thread.Sleep(2000);
        MeetingMix? mix = media.Mix;
        long pathBefore = media.Audio.PacketPathAllocatedBytes;
        long mixBefore = mix is null ? 0 : Volatile.Read(ref mix.ThreadAllocatedBytes);
        long framesBefore = mix?.FramesSent ?? 0;
        long packetsInBefore = legMedia.Values.Sum(l => l.Audio!.PacketsIn);
        long outBefore = OutPackets(media);
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        double recorderBefore = recorder?.CpuSeconds() ?? 0;
        latencies.Clear();
        var watch = Stopwatch.StartNew();
        Thread.Sleep(seconds * 1000);
        double elapsed = watch.Elapsed.TotalSeconds;
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / elapsed * 100;
        string recorderCpu = recorder is null ? "" : string.Create(CultureInfo.InvariantCulture, $" reccpu {(recorder.CpuSeconds() - recorderBefore) / elapsed * 100:F2}");
        recorder?.Dispose();
        long packetsIn = legMedia.Values.Sum(l => l.Audio!.PacketsIn) - packetsInBefore;
        long frames = (mix?.FramesSent ?? 0) - framesBefore;
        double pathBytes = (double)(media.Audio.PacketPathAllocatedBytes - pathBefore) / Math.Max(1, packetsIn);
        double mixBytes = mix is null ? 0 : (double)(Volatile.Read(ref mix.ThreadAllocatedBytes) - mixBefore) / Math.Max(1, frames);
        double sent = (OutPackets(media) - outBefore) / elapsed;
        Volatile.Write(ref stopping, true);
        foreach (Sender s in senders)
        {
            s.Dispose();
        }

        double[] sorted = [.. latencies.Order()];
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"result cpu {cpu:F2} p50 {P(0.5):F2} p99 {P(0.99):F2} pathbytes {pathBytes:F3} mixbytes {mixBytes:F3} sent {sent:F0} pulses {sorted.Length}{recorderCpu}"));
        return 0;
    }

    private static long OutPackets(MeetingMedia media) => media.Audio.Routing.Streams.Sum(s => s.PacketsOut);

    private static LegMedia Leg(string id, IPEndPoint endPoint)
    {
        var leg = new LegMedia(id);
        var audio = new LegStream(leg, MediaKind.Audio, 8000, endPoint, endPoint, rtcpMux: true);
        audio.CodecOfPayloadType[0] = 0;
        audio.PayloadTypeOfCodec[0] = 0;
        leg.Audio = audio;
        return leg;
    }

    /// <summary>A contributor: 20 ms µ-law packets on its own thread; a quiet tone, or silence with a loud frame every half second.</summary>
    private sealed class Sender(Socket socket, IPEndPoint relay) : IDisposable
    {
        private Thread? _thread;
        private volatile bool _stopping;

        public ConcurrentQueue<long> PulseTimes { get; } = new();

        public void Start(short amplitude, bool pulse)
        {
            _thread = new Thread(() => Run(amplitude, pulse)) { IsBackground = true };
            _thread.Start();
        }

        public void Dispose()
        {
            _stopping = true;
            _thread?.Join();
            socket.Dispose();
        }

        private void Run(short amplitude, bool pulse)
        {
            byte[] packet = new byte[172];
            uint ssrc = (uint)Random.Shared.Next();
            long start = Stopwatch.GetTimestamp();
            for (long frame = 0; !_stopping; frame++)
            {
                long due = start + (frame * Stopwatch.Frequency / 50);
                while (Stopwatch.GetTimestamp() < due)
                {
                    Thread.Sleep(1);
                }

                new RtpHeader(0, (ushort)frame, (uint)(frame * 160), ssrc).WriteTo(packet);
                bool loud = pulse && frame % PulseEvery == 0;
                double a = loud ? Loud : amplitude;
                for (int i = 0; i < 160; i++)
                {
                    packet[12 + i] = G711Codec.EncodeMuLaw((short)(a * Math.Sin(2 * Math.PI * 700 * ((frame * 160) + i) / 8000)));
                }

                if (loud)
                {
                    PulseTimes.Enqueue(Stopwatch.GetTimestamp());
                }

                socket.SendTo(packet, relay);
            }
        }
    }

    /// <summary>Debian's ffmpeg reading the recorder leg's RTP from an SDP, as the server's recorder starts it.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly Process _process;
        private readonly string _folder;

        private Recorder(Process process, string folder, int port)
        {
            _process = process;
            _folder = folder;
            Port = port;
        }

        public int Port { get; }

        public static Recorder Start()
        {
            string folder = Path.Combine(Path.GetTempPath(), "recorder-bench-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            int port;
            using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
            {
                probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                port = ((IPEndPoint)probe.LocalEndPoint!).Port & ~1;
            }

            File.WriteAllText(Path.Combine(folder, "session.sdp"), string.Create(CultureInfo.InvariantCulture,
                $"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=bench\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=recvonly\r\n"));
            var start = new ProcessStartInfo("ffmpeg") { WorkingDirectory = folder, RedirectStandardInput = true, UseShellExecute = false };
            foreach (string a in new[]
            {
                "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file,udp,rtp", "-i", "session.sdp", "-map", "0", "-c:a", "aac", "-ar", "48000", "-b:a", "64k",
                "-f", "segment", "-segment_time", "60", "-segment_format", "mpegts", "seg-%05d.ts",
            })
            {
                start.ArgumentList.Add(a);
            }

            var process = Process.Start(start)!;
            Thread.Sleep(500);
            return new Recorder(process, folder, port);
        }

        /// <summary>ffmpeg's user + system CPU from /proc, in seconds.</summary>
        public double CpuSeconds()
        {
            string[] stat = File.ReadAllText($"/proc/{_process.Id}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (long.Parse(stat[11], CultureInfo.InvariantCulture) + long.Parse(stat[12], CultureInfo.InvariantCulture)) / 100.0;
        }

        public void Dispose()
        {
            _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
            Directory.Delete(_folder, recursive: true);
        }
    }
}
