namespace Conferencing.Relay.Media.Mixing;

/// <summary>
/// The mix of one meeting, one 20 ms frame per <see cref="MixFrame"/>: every source that is heard
/// (the forced ones, the chair and the floor, and in open discussion up to
/// <see cref="MaxSpeakers"/> of the loudest speaking candidates) is summed; listeners get the sum
/// through one limiter (<see cref="Common"/>), and each heard source gets the sum without itself
/// through its own (<see cref="MixSource.Minus"/>). Pure: no sockets, no clock, no allocation per
/// frame. Sources are added and removed by the control side (copy on write); the frames are made
/// on one thread.
/// </summary>
internal sealed class AudioMixer
{
    /// <summary>How much louder (dB) a candidate must be than the quietest heard one to take its place.</summary>
    public const double SwitchMarginDb = 6;

    private readonly Lock _lock = new();
    private readonly int[] _sum;
    private readonly short[] _common;
    private readonly Limiter _limiter;
    private readonly int _minFrames;
    private readonly int _maxFrames;
    private MixSource[] _sources = [];
    private int _nextKey;
    private MixSource[] _heard;
    private int _heardCount;
    private volatile bool _openDiscussion;
    private volatile int _maxSpeakers;

    public AudioMixer(AudioCodec codec, int minDelayFrames, int maxDelayFrames, int maxSpeakers)
    {
        Codec = codec;
        _minFrames = minDelayFrames;
        _maxFrames = maxDelayFrames;
        _maxSpeakers = maxSpeakers;
        _sum = new int[codec.FrameSamples];
        _common = new short[codec.FrameSamples];
        _limiter = new Limiter(codec.SampleRate);
        _heard = new MixSource[16];
    }

    public AudioCodec Codec { get; }

    /// <summary>Whether candidates are heard by voice activity.</summary>
    public bool OpenDiscussion
    {
        get => _openDiscussion;
        set => _openDiscussion = value;
    }

    /// <summary>How many candidates are heard at most in open discussion.</summary>
    public int MaxSpeakers
    {
        get => _maxSpeakers;
        set => _maxSpeakers = Math.Max(0, value);
    }

    /// <summary>Every source, current snapshot.</summary>
    public MixSource[] Sources => Volatile.Read(ref _sources);

    /// <summary>The listeners' frame from the last <see cref="MixFrame"/>.</summary>
    public ReadOnlySpan<short> Common => _common;

    /// <summary>The sources heard in the last frame; each has its mix-minus in <see cref="MixSource.Minus"/>.</summary>
    public ReadOnlySpan<MixSource> Heard => _heard.AsSpan(0, _heardCount);

    /// <summary>The loudest speaking source of the last frame, or null when nobody speaks.</summary>
    public MixSource? Loudest { get; private set; }

    /// <summary>Frames mixed.</summary>
    public long Frames { get; private set; }

    /// <summary>Adds a source (control side).</summary>
    public MixSource Add(string id, MixRole role)
    {
        lock (_lock)
        {
            var source = new MixSource(id, _nextKey++, Codec, _minFrames, _maxFrames) { Role = role };
            Volatile.Write(ref _sources, [.. _sources, source]);
            return source;
        }
    }

    /// <summary>Removes a source (control side).</summary>
    public void Remove(MixSource source)
    {
        lock (_lock)
        {
            Volatile.Write(ref _sources, [.. _sources.Where(s => s != source)]);
        }
    }

    /// <summary>Makes one frame: reads every source that may be heard, picks who is heard, sums and limits.</summary>
    public void MixFrame()
    {
        MixSource[] sources = Volatile.Read(ref _sources);
        if (_heard.Length < sources.Length)
        {
            // Only when sources were added: grows, never per frame.
            _heard = new MixSource[sources.Length * 2];
        }

        bool open = _openDiscussion;
        MixSource? loudest = null;
        foreach (MixSource s in sources)
        {
            MixRole role = s.Role;
            if (role == MixRole.Off || (role == MixRole.Candidate && !open))
            {
                s.Heard = false;
                continue;
            }

            s.ReadFrame();
            if (s.Speaking && s.Kind != FrameKind.Silent && (loudest is null || s.SpeechDb > loudest.SpeechDb))
            {
                loudest = s;
            }
        }

        Loudest = loudest;
        Select(sources, open);

        Array.Clear(_sum);
        ReadOnlySpan<MixSource> heard = Heard;
        foreach (MixSource s in heard)
        {
            if (s.Kind == FrameKind.Silent)
            {
                continue;
            }

            short[] frame = s.Frame;
            for (int i = 0; i < _sum.Length; i++)
            {
                _sum[i] += frame[i];
            }
        }

        _limiter.Process(_sum, _common);
        Span<int> minus = stackalloc int[_sum.Length];
        foreach (MixSource s in heard)
        {
            short[] frame = s.Frame;
            for (int i = 0; i < minus.Length; i++)
            {
                minus[i] = _sum[i] - (s.Kind == FrameKind.Silent ? 0 : frame[i]);
            }

            s.MinusLimiter.Process(minus, s.Minus);
        }

        Frames++;
    }

    /// <summary>
    /// Forced sources are always heard. Candidates in open discussion: a heard one stays while it
    /// speaks; free places go to the loudest speaking others; when full, a speaker louder by
    /// <see cref="SwitchMarginDb"/> than the quietest heard candidate takes its place.
    /// </summary>
    private void Select(MixSource[] sources, bool open)
    {
        int candidates = 0;
        foreach (MixSource s in sources)
        {
            if (s.Role == MixRole.Candidate && open)
            {
                s.Heard = s.Heard && s.Speaking;
                if (s.Heard)
                {
                    candidates++;
                }
            }
        }

        int max = _maxSpeakers;
        while (open)
        {
            MixSource? best = null;
            foreach (MixSource s in sources)
            {
                if (s.Role == MixRole.Candidate && !s.Heard && s.Speaking && (best is null || s.SpeechDb > best.SpeechDb))
                {
                    best = s;
                }
            }

            if (best is null)
            {
                break;
            }

            if (candidates < max)
            {
                best.Heard = true;
                candidates++;
                continue;
            }

            MixSource? quietest = null;
            foreach (MixSource s in sources)
            {
                if (s.Role == MixRole.Candidate && s.Heard && (quietest is null || s.SpeechDb < quietest.SpeechDb))
                {
                    quietest = s;
                }
            }

            if (quietest is null || best.SpeechDb < quietest.SpeechDb + SwitchMarginDb)
            {
                break;
            }

            quietest.Heard = false;
            best.Heard = true;
        }

        _heardCount = 0;
        foreach (MixSource s in sources)
        {
            if (s.Role == MixRole.Forced)
            {
                s.Heard = true;
            }

            if (s.Heard)
            {
                _heard[_heardCount++] = s;
            }
        }
    }
}
