using Conferencing.Relay.Media.Mixing;

namespace Conferencing.Relay.Tests.Media.Mixing;

/// <summary>Round trips through each codec the mixer speaks, and the G.711 values the standard fixes.</summary>
public sealed class CodecTests
{
    /// <summary>Codec, sampling rate, RTP clock, payload bytes per 20 ms (0: variable), least tone-to-rest ratio in dB after a round trip.</summary>
    public static TheoryData<string, int, int, int, double> RoundTrips => new()
    {
        { "PCMU", 8000, 8000, 160, 30 },
        { "PCMA", 8000, 8000, 160, 30 },
        { "G722", 16000, 8000, 160, 20 },
        { "opus", 16000, 48000, 0, 15 },
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void AToneSurvivesARoundTripThroughTheCodec(string name, int sampleRate, int clockRate, int payloadBytes, double minimumDb)
    {
        AudioCodec codec = AudioMixerTests.CodecNamed(name);
        Assert.Equal(sampleRate, codec.SampleRate);
        Assert.Equal(clockRate, codec.ClockRate);
        Assert.Equal(sampleRate / 50, codec.FrameSamples);
        Assert.Equal(clockRate / 50, codec.FrameTimestamp);

        AudioEncoder encoder = codec.CreateEncoder();
        AudioDecoder decoder = codec.CreateDecoder();
        short[] frame = new short[codec.FrameSamples];
        byte[] payload = new byte[AudioCodec.MaxPayloadBytes];
        short[] decoded = new short[codec.FrameSamples * 6];
        var output = new List<short>();
        for (int f = 0; f < 100; f++)
        {
            Signals.Tone(frame, (long)f * frame.Length, sampleRate, 700, 10000);
            int length = encoder.Encode(frame, payload);
            if (payloadBytes > 0)
            {
                Assert.Equal(payloadBytes, length);
            }
            else
            {
                Assert.InRange(length, 10, AudioCodec.MaxPayloadBytes);
            }

            int samples = decoder.Decode(payload.AsSpan(0, length), decoded);
            Assert.Equal(frame.Length, samples);
            output.AddRange(decoded.AsSpan(0, samples));
        }

        // The last second but the first frames: the tone carries nearly all the energy.
        ReadOnlySpan<short> tail = output.ToArray().AsSpan(output.Count - sampleRate / 2);
        double tone = Signals.Amplitude(tail, sampleRate, 700) / Math.Sqrt(2);
        double total = Signals.Rms(tail);
        double rest = Math.Sqrt(Math.Max(1, (total * total) - (tone * tone)));
        Assert.InRange(tone, 10000 / Math.Sqrt(2) * 0.85, 10000 / Math.Sqrt(2) * 1.15);
        Assert.True(20 * Math.Log10(tone / rest) >= minimumDb, $"{name}: tone {tone:F0}, rest {rest:F0}");
    }

    /// <summary>G.711 (11/88) table values: silence, the extremes, and a few codes either side of zero.</summary>
    public static TheoryData<string, short, byte> G711Codes => new()
    {
        { "PCMU", 0, 0xFF },
        { "PCMU", 32767, 0x80 },
        { "PCMU", -32768, 0x00 },
        { "PCMU", -1, 0x7F },
        { "PCMA", 0, 0xD5 },
        { "PCMA", -1, 0x55 },
        { "PCMA", 32767, 0xAA },
        { "PCMA", -32768, 0x2A },
    };

    [Theory]
    [MemberData(nameof(G711Codes))]
    public void G711EncodesTheValuesTheStandardGives(string name, short sample, byte code)
    {
        AudioCodec codec = AudioMixerTests.CodecNamed(name);
        byte[] payload = new byte[1];
        codec.CreateEncoder().Encode([sample], payload);
        Assert.Equal(code, payload[0]);
    }

    [Fact]
    public void G711DecodesEveryCodeAsNAudiosTablesDo()
    {
        var differ = new List<string>();
        for (int code = 0; code < 256; code++)
        {
            if (NAudio.Codecs.MuLawDecoder.MuLawToLinearSample((byte)code) != G711Codec.DecodeMuLaw((byte)code))
            {
                differ.Add($"mu {code:X2}: {NAudio.Codecs.MuLawDecoder.MuLawToLinearSample((byte)code)} {G711Codec.DecodeMuLaw((byte)code)}");
            }

            Assert.Equal(NAudio.Codecs.ALawDecoder.ALawToLinearSample((byte)code), G711Codec.DecodeALaw((byte)code));
        }

        // µ-law's negative zero (0x7F): NAudio's table says -1, G.711 says 0.
        Assert.Equal(["mu 7F: -1 0"], differ);

        // Encoding: every 16-bit sample comes back within its segment's step (about 1/16 of it, the
        // 8-bit logarithmic law), and larger samples never get smaller codes' values.
        short previousMu = short.MinValue;
        short previousA = short.MinValue;
        for (int sample = short.MinValue; sample <= short.MaxValue; sample++)
        {
            short mu = G711Codec.DecodeMuLaw(G711Codec.EncodeMuLaw((short)sample));
            short a = G711Codec.DecodeALaw(G711Codec.EncodeALaw((short)sample));
            double bound = Math.Max(16, Math.Abs(sample) / 16.0);
            Assert.True(Math.Abs(mu - sample) <= bound, $"µ-law {sample} -> {mu}");
            Assert.True(Math.Abs(a - sample) <= bound, $"A-law {sample} -> {a}");
            Assert.True(mu >= previousMu && a >= previousA, $"not monotonic at {sample}");
            previousMu = mu;
            previousA = a;
        }
    }

    [Theory]
    [InlineData("PCMU")]
    [InlineData("PCMA")]
    public void EveryG711CodeDecodesAndEncodesBackToItself(string name)
    {
        AudioCodec codec = AudioMixerTests.CodecNamed(name);
        byte[] codes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        short[] pcm = new short[256];
        Assert.Equal(256, codec.CreateDecoder().Decode(codes, pcm));
        byte[] back = new byte[256];
        codec.CreateEncoder().Encode(pcm, back);
        for (int i = 0; i < 256; i++)
        {
            // µ-law has two codes for zero (0x7F and 0xFF); everything else is one to one.
            if (name == "PCMU" && pcm[i] == 0)
            {
                continue;
            }

            Assert.Equal(codes[i], back[i]);
        }
    }

    [Theory]
    [InlineData("opus")]
    [InlineData("G722")]
    [InlineData("PCMU")]
    public void RandomPayloadsAreDecodedOrRefusedNeverThrown(string name)
    {
        AudioDecoder decoder = AudioMixerTests.CodecNamed(name).CreateDecoder();
        short[] pcm = new short[1920 * 2];
        var random = new Random(11);
        int refused = 0;
        for (int i = 0; i < 2000; i++)
        {
            byte[] payload = new byte[random.Next(1, 300)];
            random.NextBytes(payload);
            int samples = decoder.Decode(payload, pcm);
            Assert.InRange(samples, -1, pcm.Length);
            refused += samples < 0 ? 1 : 0;
        }

        // G.711 and G.722 decode any bytes; opus refuses some of them.
        Assert.True(name == "opus" ? refused > 0 : refused == 0, $"{refused} refused");
    }
}
