using Conferencing.Relay.Media.Mixing;
using Conferencing.Sip.Sdp;

namespace Conferencing.Relay.Tests.Media.Mixing;

/// <summary>The mixer on synthetic tones: who hears whom, voice activity, jitter, loss, the limiter.</summary>
public sealed class AudioMixerTests
{
    private const double Chair = 500;
    private const double Floor = 1100;
    private const double Third = 1700;

    public static TheoryData<string> Codecs => new() { "PCMU", "PCMA", "G722", "opus" };

    [Theory]
    [MemberData(nameof(Codecs))]
    public void EveryListenerHearsTheChairAndTheFloorAndNoContributorHearsItself(string codecName)
    {
        AudioCodec codec = CodecNamed(codecName);
        var sim = new MixSimulation(codec);
        var chair = sim.Add("central", MixRole.Forced, Chair, 6000);
        var floor = sim.Add("xa-hy-cuong", MixRole.Forced, Floor, 6000);
        var muted = sim.Add("xa-tien-kien", MixRole.Off, Third, 6000);

        sim.Run(150);

        // The last second, past the jitter buffer's and the codecs' start.
        ReadOnlySpan<short> listener = Last(sim.Listener, codec.SampleRate);
        Assert.InRange(Signals.Amplitude(listener, codec.SampleRate, Chair), 4500, 6600);
        Assert.InRange(Signals.Amplitude(listener, codec.SampleRate, Floor), 4500, 6600);
        Assert.InRange(Signals.Amplitude(listener, codec.SampleRate, Third), 0, 120);

        ReadOnlySpan<short> atChair = Last(chair.Received, codec.SampleRate);
        Assert.InRange(Signals.Amplitude(atChair, codec.SampleRate, Floor), 4500, 6600);
        Assert.InRange(Signals.Amplitude(atChair, codec.SampleRate, Chair), 0, 120);

        ReadOnlySpan<short> atFloor = Last(floor.Received, codec.SampleRate);
        Assert.InRange(Signals.Amplitude(atFloor, codec.SampleRate, Chair), 4500, 6600);
        Assert.InRange(Signals.Amplitude(atFloor, codec.SampleRate, Floor), 0, 120);

        // A muted site is a listener: it hears both, and nobody hears it.
        ReadOnlySpan<short> atMuted = Last(muted.Received, codec.SampleRate);
        Assert.InRange(Signals.Amplitude(atMuted, codec.SampleRate, Chair), 4500, 6600);
        Assert.InRange(Signals.Amplitude(atMuted, codec.SampleRate, Floor), 4500, 6600);
        Assert.Equal(2, sim.Mixer.Heard.Length);
    }

    [Fact]
    public void OpenDiscussionHearsTheLoudestSpeakersUpToTheLimitAndKeepsThemThroughAPause()
    {
        AudioCodec codec = G711Codec.MuLaw;
        var sim = new MixSimulation(codec, maxSpeakers: 2);
        sim.Mixer.OpenDiscussion = true;
        sim.Add("central", MixRole.Forced, Chair, 4000);
        var loud = sim.Add("xa-a", MixRole.Candidate, 900, 8000);
        var middle = sim.Add("xa-b", MixRole.Candidate, 1300, 3000);
        var quiet = sim.Add("xa-c", MixRole.Candidate, Third, 2000);
        var hum = sim.Add("xa-d", MixRole.Candidate, 2300, 60); // under the voice threshold

        sim.Run(100);
        Assert.True(loud.Source.Heard);
        Assert.True(middle.Source.Heard);
        Assert.False(quiet.Source.Heard);
        Assert.False(hum.Source.Heard);
        ReadOnlySpan<short> listener = Last(sim.Listener, codec.SampleRate);
        Assert.InRange(Signals.Amplitude(listener, codec.SampleRate, 900), 6000, 9000);
        Assert.InRange(Signals.Amplitude(listener, codec.SampleRate, 1300), 2200, 3500);
        Assert.InRange(Signals.Amplitude(listener, codec.SampleRate, Third), 0, 100);
        Assert.InRange(Signals.Amplitude(Last(loud.Received, codec.SampleRate), codec.SampleRate, 900), 0, 100);

        // A pause shorter than the hangover keeps the place; a longer one gives it to the next speaker.
        middle.Silent = true;
        sim.Run(10);
        Assert.True(middle.Source.Heard);
        Assert.False(quiet.Source.Heard);
        sim.Run(40);
        Assert.False(middle.Source.Heard);
        Assert.True(quiet.Source.Heard);

        // Back, and not louder than the heard ones by the margin: it waits.
        middle.Silent = false;
        sim.Run(20);
        Assert.False(middle.Source.Heard);
        Assert.Same(loud.Source, sim.Mixer.Loudest);

        // Open discussion off: only the forced ones are heard.
        sim.Mixer.OpenDiscussion = false;
        sim.Run(5);
        Assert.Equal(["central"], sim.Mixer.Heard.ToArray().Select(s => s.Id));
    }

    [Fact]
    public void JitteredAndReorderedPacketsPlayWithoutGapsOnceTheBufferAdapted()
    {
        AudioCodec codec = G711Codec.MuLaw;
        var sim = new MixSimulation(codec, minDelayFrames: 1, maxDelayFrames: 10);
        var floor = sim.Add("xa-hy-cuong", MixRole.Forced, Floor, 6000);
        var random = new Random(7);

        // Up to 50 ms of network jitter (2.5 frames), so packets also overtake each other.
        sim.Run(500, (_, _) => random.Next(0, 400));
        long concealedWhileAdapting = floor.Source.Statistics().LostFrames;
        sim.Run(500, (_, _) => random.Next(0, 400));
        MixSourceStatistics after = floor.Source.Statistics();

        Assert.True(after.JitterMs > 5, $"jitter measured {after.JitterMs} ms");
        Assert.InRange(after.DelayMs, 60, 200);
        Assert.InRange(after.LostFrames - concealedWhileAdapting, 0, 5);
        ReadOnlySpan<short> listener = Last(sim.Listener, codec.SampleRate);
        Assert.InRange(Signals.Amplitude(listener, codec.SampleRate, Floor), 5400, 6600);
    }

    [Fact]
    public void LostPacketsAreConcealedAndCountedAndTheToneCarriesOn()
    {
        AudioCodec codec = G711Codec.ALaw;
        var sim = new MixSimulation(codec);
        var floor = sim.Add("xa-hy-cuong", MixRole.Forced, Floor, 6000);
        sim.Run(50);

        // Every tenth packet lost, and once three in a row: 22 lost, the last of them not yet played.
        sim.Run(200, (_, sequence) => sequence % 10 == 0 || sequence is 120 or 121 or 122 ? -1 : 0);
        MixSourceStatistics stats = floor.Source.Statistics();
        Assert.Equal(0, stats.LateFrames);
        Assert.Equal(21, stats.LostFrames);

        // Concealment repeats the tone (fading), so the listener's level never falls to silence for a lost frame.
        ReadOnlySpan<short> listener = sim.Listener.ToArray().AsSpan(60 * codec.FrameSamples, 180 * codec.FrameSamples);
        for (int f = 0; f < 180; f++)
        {
            Assert.True(Signals.Rms(listener.Slice(f * codec.FrameSamples, codec.FrameSamples)) > 1000, $"frame {f} near silent");
        }
    }

    [Fact]
    public void LatePacketsGrowTheDelayAndACalmNetworkShrinksItAgain()
    {
        AudioCodec codec = G711Codec.MuLaw;
        var sim = new MixSimulation(codec, minDelayFrames: 2, maxDelayFrames: 10);
        var floor = sim.Add("xa-hy-cuong", MixRole.Forced, Floor, 6000);
        sim.Run(50);
        int before = floor.Source.Statistics().DelayMs;

        // A spike: 120 ms late for a second.
        sim.Run(50, (_, _) => 960);
        MixSourceStatistics spiked = floor.Source.Statistics();
        Assert.True(spiked.LateFrames > 0);
        Assert.True(spiked.DelayMs > before, $"delay {spiked.DelayMs} ms after the spike, {before} ms before");

        // Calm for long enough that the late-packet boost decays and the surplus is dropped.
        sim.Run(1500);
        MixSourceStatistics calm = floor.Source.Statistics();
        Assert.True(calm.DroppedFrames > 0);
        Assert.True(calm.DelayMs < spiked.DelayMs, $"delay {calm.DelayMs} ms, was {spiked.DelayMs} ms");
        Assert.InRange(Signals.Amplitude(Last(sim.Listener, codec.SampleRate), codec.SampleRate, Floor), 5400, 6600);
    }

    [Fact]
    public void TimestampsWrappingAndANewSsrcKeepTheAudioFlowing()
    {
        AudioCodec codec = G711Codec.MuLaw;
        var sim = new MixSimulation(codec);
        var floor = sim.Add("xa-hy-cuong", MixRole.Forced, Floor, 6000);
        floor.Timestamp = uint.MaxValue - (50 * 160);
        sim.Run(150);
        Assert.Equal(0, floor.Source.Statistics().LostFrames);
        Assert.InRange(Signals.Amplitude(Last(sim.Listener, codec.SampleRate), codec.SampleRate, Floor), 5400, 6600);

        // A restarted endpoint: new SSRC and timestamps. The buffer starts over with at most a frame or two concealed.
        floor.Timestamp += 123_456_789;
        floor.Ssrc++;
        sim.Run(100);
        Assert.InRange(floor.Source.Statistics().LostFrames, 0, 2);
        Assert.InRange(Signals.Amplitude(Last(sim.Listener, codec.SampleRate), codec.SampleRate, Floor), 5400, 6600);
    }

    [Fact]
    public void TheLimiterNeverClipsDoesNotPumpAndLeavesQuietSignalsUntouched()
    {
        const int rate = 16000;
        var limiter = new Limiter(rate);
        int[] sum = new int[320];
        short[] output = new short[320];
        short[] tone = new short[320];
        int peak = 0;
        var gains = new List<float>();

        // Three sites shouting at full scale: a sum of up to three times what 16 bits hold.
        for (int f = 0; f < 100; f++)
        {
            for (int i = 0; i < sum.Length; i++)
            {
                long n = (f * 320L) + i;
                sum[i] = (int)((32000 * Math.Sin(2 * Math.PI * 300 * n / rate)) + (32000 * Math.Sin(2 * Math.PI * 700 * n / rate)) + (32000 * Math.Sin(2 * Math.PI * 1900 * n / rate)));
            }

            limiter.Process(sum, output);
            peak = Math.Max(peak, output.Max(s => Math.Abs((int)s)));
            if (f >= 20)
            {
                gains.Add(limiter.Gain);
            }
        }

        Assert.InRange(peak, 20000, Limiter.Threshold);

        // No pumping: over a steady loud signal the gain stays within 1 dB.
        Assert.True(20 * Math.Log10(gains.Max() / gains.Min()) < 1, $"gain moved between {gains.Min()} and {gains.Max()}");

        // Back to one after the release, and a quiet signal then passes sample for sample.
        for (int f = 0; f < 100; f++)
        {
            Signals.Tone(tone, f * 320L, rate, 440, 8000);
            for (int i = 0; i < sum.Length; i++)
            {
                sum[i] = tone[i];
            }

            limiter.Process(sum, output);
        }

        Assert.Equal(1f, limiter.Gain);
        Assert.Equal(tone, output);
    }

    internal static AudioCodec CodecNamed(string name) =>
        AudioCodec.For(new MediaFormat(name, name == "opus" ? 48000 : 8000, name == "opus" ? 2 : 1)) ?? throw new InvalidOperationException(name);

    private static ReadOnlySpan<short> Last(List<short> samples, int count) => samples.ToArray().AsSpan(samples.Count - count, count);
}
