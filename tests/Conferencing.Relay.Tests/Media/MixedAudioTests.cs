using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Conferencing.Relay.Media;
using Conferencing.Relay.Media.Mixing;
using Conferencing.Relay.Tests.Infrastructure;
using Conferencing.Relay.Tests.Media.Mixing;
using Conferencing.Sip.Rtp;

namespace Conferencing.Relay.Tests.Media;

/// <summary>The mix on the relay's real sockets: legs are loopback probes sending paced µ-law tones.</summary>
public sealed class MixedAudioTests
{
    private const double Chair = 500;
    private const double Floor = 1100;
    private const double Other = 1700;

    [Fact]
    public async Task WithTheFloorGivenEveryListenerHearsTheChairAndTheFloorAndNeitherHearsItself()
    {
        using var harness = new MediaHarness();
        var central = harness.AddLeg("central");
        var floor = harness.AddLeg("xa-hy-cuong");
        var listener = harness.AddLeg("xa-tien-kien");
        var other = harness.AddLeg("xa-lam-thao");
        harness.Media.SetProgram(floor.Media, central.Media);
        harness.Media.SetAudioMix(new AudioMixRequest(true));
        Assert.True(harness.Media.AudioMix.Active);

        using (var chairTone = new ToneSender(central, harness.AudioPort, Chair))
        using (var floorTone = new ToneSender(floor, harness.AudioPort, Floor))
        using (var otherTone = new ToneSender(listener, harness.AudioPort, Other))
        {
            await Task.Delay(1500);
            chairTone.SendEvent(5);
            await Task.Delay(1500);
        }

        await Task.Delay(300);
        foreach (TestLeg leg in new[] { central, floor, listener, other })
        {
            List<Received> audio = leg.Audio.From(harness.AudioPort.Port).Where(p => p.PayloadType == 0).ToList();
            StreamChecks.AssertContinuous(leg.Audio.From(harness.AudioPort.Port), leg.Id);
            Assert.All(audio, p => Assert.Equal(160, p.Payload.Length));
            Assert.InRange(audio.Count, 120, 170);
        }

        AssertHears(listener, harness, [Chair, Floor], [Other]);
        AssertHears(other, harness, [Chair, Floor], [Other]);
        AssertHears(central, harness, [Floor], [Chair, Other]);
        AssertHears(floor, harness, [Chair], [Floor, Other]);

        // The chair's digit reached everyone else as telephone-events, one event, one timestamp.
        foreach (TestLeg leg in new[] { floor, listener, other })
        {
            List<Received> events = leg.Audio.From(harness.AudioPort.Port).Where(p => p.PayloadType == 101).ToList();
            Assert.Equal(3, events.Count);
            Assert.All(events, e => Assert.Equal(5, e.Payload[0]));
            Assert.Single(events.Select(e => e.Timestamp).Distinct());
        }

        Assert.DoesNotContain(central.Audio, p => p.PayloadType == 101);
    }

    [Fact]
    public async Task TurningTheMixOnAndOffKeepsEveryLegsStreamContinuous()
    {
        using var harness = new MediaHarness();
        var central = harness.AddLeg("central");
        var floor = harness.AddLeg("xa-hy-cuong");
        var listener = harness.AddLeg("xa-tien-kien");
        harness.Media.SetProgram(floor.Media, central.Media);
        using (new ToneSender(central, harness.AudioPort, Chair))
        using (new ToneSender(floor, harness.AudioPort, Floor))
        {
            await Task.Delay(500);
            harness.Media.SetAudioMix(new AudioMixRequest(true));
            await Task.Delay(1000);
            harness.Media.SetAudioMix(AudioMixRequest.Off);
            Assert.False(harness.Media.AudioMix.Active);
            await Task.Delay(500);

            // No floor (program only): nothing to mix, so the meeting stays forwarded at forwarding's cost.
            harness.Media.SetAudioMix(new AudioMixRequest(true));
            harness.Media.SetProgram(central.Media, null);
            Assert.False(harness.Media.AudioMix.Active);
            Assert.Null(harness.Media.Audio.Mix);
            await Task.Delay(500);
        }

        await Task.Delay(200);
        foreach (TestLeg leg in new[] { central, floor, listener })
        {
            StreamChecks.AssertContinuous(leg.Audio.From(harness.AudioPort.Port), leg.Id);
        }

        // Forwarded, mixed, forwarded: the listener heard the floor alone, then both, then the floor alone again.
        short[] heard = Decode(listener.Audio.From(harness.AudioPort.Port));
        Assert.True(heard.Length > 8000 * 2, $"{heard.Length} samples");
        ReadOnlySpan<short> mixed = heard.AsSpan(8000 * 7 / 10, 4000);
        Assert.True(Signals.Amplitude(mixed, 8000, Chair) > 3000, "the chair while mixed");
        Assert.True(Signals.Amplitude(mixed, 8000, Floor) > 3000, "the floor while mixed");
        ReadOnlySpan<short> before = heard.AsSpan(800, 2400);
        Assert.True(Signals.Amplitude(before, 8000, Chair) < 300, "no chair before the mix");
    }

    [Fact]
    public async Task MutedSitesAreNotHeardInOpenDiscussionAndTheLoudestAreWithinTheLimit()
    {
        var options = MediaHarness.TestOptions();
        using var harness = new MediaHarness(options);
        var central = harness.AddLeg("central");
        var a = harness.AddLeg("xa-a");
        var b = harness.AddLeg("xa-b");
        var listener = harness.AddLeg("xa-c");
        harness.Media.SetProgram(central.Media, null);
        b.Media.AudioMuted = true;
        harness.Media.SetAudioMix(new AudioMixRequest(true, OpenDiscussion: true, MaxSpeakers: 2));
        Assert.True(harness.Media.AudioMix.Active);
        using (new ToneSender(central, harness.AudioPort, Chair))
        using (new ToneSender(a, harness.AudioPort, Floor))
        using (new ToneSender(b, harness.AudioPort, Other))
        {
            await Task.Delay(2000);
            MixSourceStatistics stats = a.Media.Audio!.MixSource!.Statistics();
            Assert.True(stats.Heard && stats.Speaking && stats.LevelDb > -20, $"{stats}");
            Assert.True(stats.DelayMs >= 40);
        }

        await Task.Delay(200);
        AssertHears(listener, harness, [Chair, Floor], [Other]);
    }

    [Fact]
    public void TheMixingPathsAllocateNothingPerPacketOrFrame()
    {
        using var harness = new MediaHarness();
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var central = harness.AddLeg("central");
        var floor = harness.AddLeg("xa-hy-cuong");
        for (int i = 0; i < 40; i++)
        {
            harness.AddSilentLeg("leg" + i, (IPEndPoint)sink.LocalEndPoint!);
        }

        harness.Media.SetProgram(floor.Media, central.Media);
        harness.Media.SetAudioMix(new AudioMixRequest(true));
        MediaChannel audio = harness.Media.Audio;
        MeetingMix mix = harness.Media.Mix!;
        SocketAddress fromCentral = central.AudioRtp.EndPoint.Serialize();
        SocketAddress fromFloor = floor.AudioRtp.EndPoint.Serialize();
        byte[] datagram = new byte[2048];
        byte[] payload = new byte[160];
        ushort sequence = 1;

        void Run(int count)
        {
            for (int i = 0; i < count; i++)
            {
                payload.AsSpan().Fill(0x55);
                int length = new RtpHeader(0, sequence, (uint)(sequence * 160), central.Ssrc).WriteTo(datagram);
                payload.CopyTo(datagram, length);
                audio.OnRtp(datagram.AsSpan(0, length + 160), fromCentral);
                RtpHeader.Rewrite(datagram, floor.Ssrc, sequence, (uint)(sequence * 160));
                audio.OnRtp(datagram.AsSpan(0, length + 160), fromFloor);
                sequence++;
            }
        }

        for (int round = 0; round < 4; round++)
        {
            Run(300);
            Thread.Sleep(250);
        }

        var windows = new List<long>();
        var mixWindows = new List<long>();
        for (int window = 0; window < 5; window++)
        {
            long mixBefore = Volatile.Read(ref mix.ThreadAllocatedBytes);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Run(1000);
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            Thread.Sleep(200);
            mixWindows.Add(Volatile.Read(ref mix.ThreadAllocatedBytes) - mixBefore);
        }

        Assert.True(windows.Min() == 0 && windows.Max() < 1024, "receive path allocated per window: " + string.Join(", ", windows));
        Assert.True(mixWindows.Min() == 0 && mixWindows.Max() < 1024, "mix thread allocated per window: " + string.Join(", ", mixWindows));
        Assert.True(mix.FramesSent > 50);
    }

    private static void AssertHears(TestLeg leg, MediaHarness harness, double[] heard, double[] notHeard) =>
        AssertHears(leg.Id, Decode(leg.Audio.From(harness.AudioPort.Port)), heard, notHeard);

    /// <summary>Checks a second from the middle of what a leg decoded for tones it must and must not hear.</summary>
    internal static void AssertHears(string id, short[] pcm, double[] heard, double[] notHeard, double least = 3000)
    {
        Assert.True(pcm.Length >= 8000 * 2, $"{id}: {pcm.Length} samples");

        // A second from the middle, past the jitter buffers' start.
        ReadOnlySpan<short> window = pcm.AsSpan(pcm.Length / 2 - 4000, 8000);
        foreach (double f in heard)
        {
            double amplitude = Signals.Amplitude(window, 8000, f);
            Assert.True(amplitude > least, $"{id} should hear {f} Hz: amplitude {amplitude:F0}");
        }

        foreach (double f in notHeard)
        {
            double amplitude = Signals.Amplitude(window, 8000, f);
            Assert.True(amplitude < 150, $"{id} should not hear {f} Hz: amplitude {amplitude:F0}");
        }
    }

    internal static short[] Decode(IEnumerable<Received> packets)
    {
        var pcm = new List<short>();
        foreach (Received p in packets.Where(p => p.PayloadType == 0).OrderBy(p => p.At))
        {
            pcm.AddRange(p.Payload.Select(G711Codec.DecodeMuLaw));
        }

        return [.. pcm];
    }
}

/// <summary>
/// Sends a leg's audio as an endpoint would: a µ-law tone in 20 ms packets paced by the clock on
/// its own thread, and RFC 4733 digits (three packets of one event) when asked.
/// </summary>
internal sealed class ToneSender : IDisposable
{
    private readonly UdpProbe _from;
    private readonly uint _ssrc;
    private readonly IPEndPoint _to;
    private readonly double _frequency;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private volatile int _digit = -1;

    public ToneSender(TestLeg leg, IPEndPoint to, double frequency, double amplitude = 6000)
        : this(leg.AudioRtp, leg.Ssrc + 1, to, frequency, amplitude)
    {
    }

    /// <summary>Sends from <paramref name="from"/>, the port an endpoint's SDP names (symmetric RTP).</summary>
    public ToneSender(UdpProbe from, uint ssrc, IPEndPoint to, double frequency, double amplitude = 6000)
    {
        _from = from;
        _ssrc = ssrc;
        _to = to;
        _frequency = frequency;
        Amplitude = amplitude;
        _thread = new Thread(Run) { IsBackground = true, Name = $"tone {frequency} Hz" };
        _thread.Start();
    }

    public double Amplitude { get; }

    public void SendEvent(int digit) => _digit = digit;

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
    }

    private void Run()
    {
        uint ssrc = _ssrc;
        ushort sequence = (ushort)Random.Shared.Next(0, 60000);
        uint timestamp = (uint)Random.Shared.Next();
        short[] pcm = new short[160];
        byte[] packet = new byte[12 + 160];
        long start = Stopwatch.GetTimestamp();
        for (long frame = 0; !_stopping; frame++)
        {
            long due = start + (frame * Stopwatch.Frequency / 50);
            while (Stopwatch.GetTimestamp() < due)
            {
                Thread.Sleep(1);
            }

            Signals.Tone(pcm, frame * 160, 8000, _frequency, Amplitude);
            int length = new RtpHeader(0, sequence++, timestamp, ssrc, frame == 0).WriteTo(packet);
            for (int i = 0; i < 160; i++)
            {
                packet[length + i] = G711Codec.EncodeMuLaw(pcm[i]);
            }

            _from.Send(packet, _to);
            if (_digit is int digit and >= 0)
            {
                _digit = -1;
                for (int e = 0; e < 3; e++)
                {
                    // RFC 4733: event, end bit on the last, volume 10, duration growing.
                    byte[] dtmf = new byte[16];
                    int n = new RtpHeader(101, sequence++, timestamp, ssrc, e == 0).WriteTo(dtmf);
                    dtmf[n] = (byte)digit;
                    dtmf[n + 1] = (byte)((e == 2 ? 0x80 : 0) | 10);
                    dtmf[n + 2] = 0;
                    dtmf[n + 3] = (byte)(160 * (e + 1));
                    _from.Send(dtmf.AsSpan(0, n + 4).ToArray(), _to);
                }
            }

            timestamp += 160;
        }
    }
}
