namespace Conferencing.Relay.Media.Mixing;

/// <summary>How a source takes part in the mix.</summary>
internal enum MixRole
{
    /// <summary>Not heard, and not decoded.</summary>
    Off,

    /// <summary>Always heard: the meeting's own feed (the chair) and the site with the floor.</summary>
    Forced,

    /// <summary>Heard while among the loudest speakers, in open discussion.</summary>
    Candidate,
}

/// <summary>
/// One source of the mixer: its decoder and jitter buffer (written by the receive thread under
/// <see cref="_lock"/>), and what the mixer thread keeps of it each frame: the frame, level, voice
/// activity, and, while it is heard, its own mix-minus with its limiter and encoder.
/// </summary>
internal sealed class MixSource
{
    private readonly Lock _lock = new();
    private readonly AudioDecoder _decoder;
    private readonly JitterBuffer _buffer;
    private readonly short[] _decoded;
    private volatile MixRole _role;

    internal MixSource(string id, int key, AudioCodec codec, int minFrames, int maxFrames)
    {
        Id = id;
        Key = key;
        Codec = codec;
        _decoder = codec.CreateDecoder();
        _buffer = new JitterBuffer(codec.SampleRate, codec.ClockRate, codec.FrameSamples, minFrames, maxFrames);

        // 120 ms, the longest packet RFC 6716 allows; G.711 and G.722 packets are shorter.
        _decoded = new short[codec.SampleRate * 120 / 1000 * 2];
        Frame = new short[codec.FrameSamples];
        Minus = new short[codec.FrameSamples];
        MinusLimiter = new Limiter(codec.SampleRate);
    }

    /// <summary>Who the source is (a leg id).</summary>
    public string Id { get; }

    /// <summary>A number unique in the meeting's mixer, for decisions that must not hold references (the picture).</summary>
    public int Key { get; }

    public AudioCodec Codec { get; }

    /// <summary>Whether open discussion's picture may follow this source (set by the control side).</summary>
    public volatile bool PictureEligible;

    /// <summary>How it takes part; set by the control side, read by both threads.</summary>
    public MixRole Role
    {
        get => _role;
        set => _role = value;
    }

    /// <summary>Frames the mixer read from the source.</summary>
    public long Frames { get; private set; }

    /// <summary>Payloads that failed to decode (concealed as lost).</summary>
    public long Undecodable { get; private set; }

    // ---- the mixer thread -------------------------------------------------------------------
    internal readonly short[] Frame;
    internal readonly short[] Minus;
    internal readonly Limiter MinusLimiter;
    internal FrameKind Kind;
    internal VoiceActivity Voice;
    internal bool Heard;
    internal double LevelDb = -96;

    /// <summary>The encoder of this source's mix-minus, while it is heard (the sender's, kept here so it lives with the source).</summary>
    internal AudioEncoder? MinusEncoder;

    /// <summary>Smoothed level for meters: rises at once, falls 1.5 dB per frame.</summary>
    public double MeterDb { get; private set; } = -96;

    /// <summary>True while voice activity says the source speaks.</summary>
    public bool Speaking => Voice.Speaking;

    /// <summary>Takes one RTP payload of the source (receive thread). Ignored while the source is off.</summary>
    public void Receive(uint ssrc, uint timestamp, bool marker, ReadOnlySpan<byte> payload, long arrival)
    {
        if (_role == MixRole.Off)
        {
            return;
        }

        lock (_lock)
        {
            int samples = _decoder.Decode(payload, _decoded);
            if (samples < 0)
            {
                Undecodable++;
                return;
            }

            _buffer.Write(ssrc, timestamp, marker, _decoded.AsSpan(0, samples), arrival);
        }
    }

    /// <summary>Reads the source's next frame and measures it (mixer thread).</summary>
    internal void ReadFrame()
    {
        lock (_lock)
        {
            Kind = _buffer.Read(Frame);
        }

        Frames++;
        LevelDb = Kind == FrameKind.Silent ? -96 : VoiceActivity.Level(Frame);
        Voice.Update(LevelDb);
        MeterDb = Math.Max(LevelDb, MeterDb - 1.5);

        // Who is heard in open discussion goes by this: it rises with speech at once and sinks
        // slowly through a pause, so a speaker keeps its rank (and place) between words.
        SpeechDb = LevelDb > SpeechDb ? SpeechDb + ((LevelDb - SpeechDb) * 0.5) : Math.Max(-96, SpeechDb - 0.1);
    }

    /// <summary>The level open discussion ranks speakers by.</summary>
    internal double SpeechDb = -96;

    /// <summary>The jitter buffer's figures, read under the lock.</summary>
    public MixSourceStatistics Statistics()
    {
        lock (_lock)
        {
            return new MixSourceStatistics(
                Id,
                Math.Round(MeterDb, 1),
                Voice.Speaking,
                Heard,
                Math.Round(_buffer.DepthMs, 1),
                _buffer.DelayFrames * AudioCodec.FrameMilliseconds,
                Math.Round(_buffer.JitterMs, 2),
                _buffer.Late,
                _buffer.Concealed,
                _buffer.Dropped);
        }
    }
}
