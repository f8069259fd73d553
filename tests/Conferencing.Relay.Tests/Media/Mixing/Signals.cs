using Conferencing.Relay.Media.Mixing;

namespace Conferencing.Relay.Tests.Media.Mixing;

/// <summary>Synthetic signals and their analysis: tones in, tone amplitudes out (Goertzel).</summary>
internal static class Signals
{
    /// <summary>Fills <paramref name="frame"/> with a sine continuing from sample <paramref name="start"/>.</summary>
    public static void Tone(Span<short> frame, long start, int sampleRate, double frequency, double amplitude)
    {
        for (int i = 0; i < frame.Length; i++)
        {
            frame[i] = (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * frequency * (start + i) / sampleRate));
        }
    }

    /// <summary>The amplitude of the sinusoid at <paramref name="frequency"/> in <paramref name="samples"/> (Goertzel).</summary>
    public static double Amplitude(ReadOnlySpan<short> samples, int sampleRate, double frequency)
    {
        double w = 2 * Math.PI * frequency / sampleRate;
        double coefficient = 2 * Math.Cos(w);
        double s1 = 0;
        double s2 = 0;
        foreach (short x in samples)
        {
            double s0 = x + (coefficient * s1) - s2;
            s2 = s1;
            s1 = s0;
        }

        double power = (s1 * s1) + (s2 * s2) - (coefficient * s1 * s2);
        return 2 * Math.Sqrt(Math.Max(0, power)) / samples.Length;
    }

    /// <summary>Root mean square of the samples.</summary>
    public static double Rms(ReadOnlySpan<short> samples)
    {
        double sum = 0;
        foreach (short x in samples)
        {
            sum += (double)x * x;
        }

        return Math.Sqrt(sum / Math.Max(1, samples.Length));
    }
}

/// <summary>
/// A meeting's mix on a simulated clock: each sender encodes a tone into 20 ms packets with its own
/// SSRC, sequence and timestamps; packets reach the mixer at their arrival time (a test adds jitter
/// or loss); each listener decodes what it would be sent. Time is in samples of the codec's rate.
/// </summary>
internal sealed class MixSimulation
{
    private readonly List<Sender> _senders = [];
    private readonly List<(long Arrival, Sender Sender, uint Timestamp, byte[] Payload, bool Marker)> _inFlight = [];
    private readonly AudioEncoder _commonEncoder;
    private readonly AudioDecoder _commonDecoder;
    private long _frame;

    public MixSimulation(AudioCodec codec, int maxSpeakers = 3, int minDelayFrames = 2, int maxDelayFrames = 10)
    {
        Codec = codec;
        Mixer = new AudioMixer(codec, minDelayFrames, maxDelayFrames, maxSpeakers);
        _commonEncoder = codec.CreateEncoder();
        _commonDecoder = codec.CreateDecoder();
    }

    public AudioCodec Codec { get; }

    public AudioMixer Mixer { get; }

    /// <summary>What a listener decoded from the common mix.</summary>
    public List<short> Listener { get; } = [];

    public long Now => _frame * Codec.FrameSamples;

    public Sender Add(string id, MixRole role, double frequency, double amplitude)
    {
        var sender = new Sender(this, Mixer.Add(id, role), frequency, amplitude);
        _senders.Add(sender);
        return sender;
    }

    /// <summary>
    /// Runs <paramref name="frames"/> frames: every sender sends a packet (which <paramref name="delay"/>
    /// may hold back, or drop with -1), the packets due arrive, the mixer makes a frame, and the
    /// listener and each heard sender decode theirs.
    /// </summary>
    public void Run(int frames, Func<Sender, long, int>? delay = null)
    {
        short[] pcm = new short[Codec.FrameSamples];
        byte[] payload = new byte[AudioCodec.MaxPayloadBytes];
        short[] decoded = new short[Codec.FrameSamples * 8];
        for (int f = 0; f < frames; f++)
        {
            foreach (Sender s in _senders)
            {
                if (s.Silent)
                {
                    s.Skip();
                    continue;
                }

                s.NextFrame(pcm);
                int length = s.Encoder.Encode(pcm, payload);
                int held = delay?.Invoke(s, s.Sequence) ?? 0;
                if (held >= 0)
                {
                    _inFlight.Add((Now + held, s, s.Timestamp, payload[..length], s.Sequence == 1));
                }

                s.Advance();
            }

            // Deliver what is due by the end of this frame, in arrival order (a stable sort keeps send order for ties).
            var due = _inFlight.Where(p => p.Arrival <= Now + Codec.FrameSamples - 1).OrderBy(p => p.Arrival).ToList();
            foreach (var packet in due)
            {
                packet.Sender.Source.Receive(packet.Sender.Ssrc, packet.Timestamp, packet.Marker, packet.Payload, packet.Arrival);
                _inFlight.Remove(packet);
            }

            Mixer.MixFrame();
            int n = _commonEncoder.Encode(Mixer.Common, payload);
            int samples = _commonDecoder.Decode(payload.AsSpan(0, n), decoded);
            Listener.AddRange(decoded.AsSpan(0, samples));
            foreach (Sender s in _senders)
            {
                // A sender hears its mix-minus while heard and the common mix otherwise, as on the wire.
                ReadOnlySpan<short> heard = s.Source.Heard ? s.Source.Minus : Mixer.Common;
                n = s.Encoder2.Encode(heard, payload);
                samples = s.Decoder.Decode(payload.AsSpan(0, n), decoded);
                s.Received.AddRange(decoded.AsSpan(0, samples));
            }

            _frame++;
        }
    }

    public sealed class Sender(MixSimulation simulation, MixSource source, double frequency, double amplitude)
    {
        private long _sample;

        public MixSource Source { get; } = source;

        public AudioEncoder Encoder { get; } = simulation.Codec.CreateEncoder();

        /// <summary>Encodes what the sender is sent (a separate state from its own sending encoder).</summary>
        public AudioEncoder Encoder2 { get; } = simulation.Codec.CreateEncoder();

        public AudioDecoder Decoder { get; } = simulation.Codec.CreateDecoder();

        public List<short> Received { get; } = [];

        public uint Ssrc { get; set; } = (uint)Random.Shared.Next();

        public double Frequency { get; } = frequency;

        public double Amplitude { get; set; } = amplitude;

        public bool Silent { get; set; }

        public ushort Sequence { get; private set; } = 1;

        public uint Timestamp { get; set; } = (uint)Random.Shared.Next();

        internal void NextFrame(Span<short> pcm) => Signals.Tone(pcm, _sample, simulation.Codec.SampleRate, Frequency, Amplitude);

        internal void Advance()
        {
            _sample += simulation.Codec.FrameSamples;
            Sequence++;
            Timestamp += (uint)simulation.Codec.FrameTimestamp;
        }

        internal void Skip() => Advance();
    }
}
