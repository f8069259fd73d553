namespace Conferencing.Relay.Media.Mixing;

/// <summary>What one frame read from a <see cref="JitterBuffer"/> holds.</summary>
internal enum FrameKind
{
    /// <summary>Nothing: the source has been quiet for longer than concealment covers (or never sent).</summary>
    Silent,

    /// <summary>Received audio.</summary>
    Audio,

    /// <summary>Some or all of the frame was missing and concealed.</summary>
    Concealed,
}

/// <summary>
/// An adaptive jitter buffer of decoded audio for one contributor. Packets are decoded on arrival
/// and written into a ring of PCM at the place their RTP timestamp maps to on the mixer's playout
/// clock, so any packet time works and reordered packets land where they belong; the mixer reads
/// one 20 ms frame per tick. The delay between arrival and playout adapts: it grows by a frame
/// when a packet comes too late or the measured jitter (RFC 3550 A.8) needs more, and shrinks by
/// dropping a frame when the buffer has held more than it needs for a whole second. Missing audio
/// is concealed by repeating the last frame, fading, for up to <see cref="ConcealFrames"/> frames;
/// after that the source is taken as quiet. Not thread-safe: the caller locks.
/// </summary>
internal sealed class JitterBuffer
{
    /// <summary>Frames concealed in a row before a source counts as quiet (100 ms).</summary>
    public const int ConcealFrames = 5;

    /// <summary>Reads over which the buffer's surplus is watched before it shrinks (1 s).</summary>
    public const int ShrinkWindow = 50;

    /// <summary>
    /// Reads without a late packet after which a late-packet boost is taken back by a frame (2 s):
    /// a start-up stall or one burst should not keep the delay up for long; steady jitter is
    /// covered by the jitter estimate, not by the boost.
    /// </summary>
    public const int BoostDecayReads = 100;

    private const int BlocksPerSecond = 200; // 5 ms blocks: the finest packet time in use

    private readonly short[] _ring;
    private readonly bool[] _filled;
    private readonly short[] _last;
    private readonly int _block;
    private readonly int _frame;
    private readonly int _minFrames;
    private readonly int _maxFrames;
    private readonly int _sampleRate;
    private readonly int _clockRate;

    private long _playout;
    private long _writtenEnd;
    private bool _anchored;
    private long _anchorPosition;
    private uint _anchorTimestamp;
    private uint _ssrc;
    private int _delayFrames;
    private int _boost;
    private int _readsSinceLate;
    private long _minSurplus = long.MaxValue;
    private int _surplusReads;
    private int _concealedInRow = ConcealFrames;
    private int _unconfirmed;

    // RFC 3550 A.8 interarrival jitter, in RTP clock units.
    private bool _hasTransit;
    private double _transit;
    private double _jitter;

    public JitterBuffer(int sampleRate, int clockRate, int frameSamples, int minFrames, int maxFrames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minFrames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, minFrames);
        _sampleRate = sampleRate;
        _clockRate = clockRate;
        _frame = frameSamples;
        _block = sampleRate / BlocksPerSecond;
        _minFrames = minFrames;
        _maxFrames = maxFrames;

        // A second of ring covers the largest delay (kept well under it) plus a packet of 120 ms.
        int capacity = Math.Max(sampleRate, (maxFrames + 8) * frameSamples);
        capacity = (capacity + _block - 1) / _block * _block;
        _ring = new short[capacity];
        _filled = new bool[capacity / _block];
        _last = new short[frameSamples];
        _delayFrames = minFrames;
    }

    /// <summary>Packets that arrived after their place had been played.</summary>
    public long Late { get; private set; }

    /// <summary>Frames that were (partly) concealed and followed by audio: loss, not a source falling quiet.</summary>
    public long Concealed { get; private set; }

    /// <summary>Frames dropped to shrink the delay.</summary>
    public long Dropped { get; private set; }

    /// <summary>Times the buffer started over (new SSRC, a jump in timestamps, a new talkspurt with nothing buffered).</summary>
    public long Resyncs { get; private set; }

    /// <summary>Packets written.</summary>
    public long Packets { get; private set; }

    /// <summary>The delay the buffer aims for, in frames.</summary>
    public int TargetFrames => Math.Clamp(JitterFrames() + _boost, _minFrames, _maxFrames);

    /// <summary>The delay it runs at now, in frames.</summary>
    public int DelayFrames => _delayFrames;

    /// <summary>Audio buffered ahead of playout, in milliseconds.</summary>
    public double DepthMs => Math.Max(0, _writtenEnd - _playout) * 1000.0 / _sampleRate;

    /// <summary>Interarrival jitter, in milliseconds.</summary>
    public double JitterMs => _jitter * 1000.0 / _clockRate;

    /// <summary>
    /// Writes one decoded packet.
    /// </summary>
    /// <param name="ssrc">The packet's SSRC: a new one starts the buffer over.</param>
    /// <param name="timestamp">The packet's RTP timestamp.</param>
    /// <param name="marker">The RTP marker: a talkspurt starts (a chance to start over at the right delay).</param>
    /// <param name="pcm">The decoded samples.</param>
    /// <param name="arrival">When the packet arrived, in samples of the mixer's clock (any origin).</param>
    public void Write(uint ssrc, uint timestamp, bool marker, ReadOnlySpan<short> pcm, long arrival)
    {
        Packets++;
        UpdateJitter(timestamp, arrival);
        long position;
        if (!_anchored || ssrc != _ssrc || (marker && _writtenEnd <= _playout))
        {
            position = Anchor(ssrc, timestamp);
        }
        else
        {
            position = _anchorPosition + ((long)(int)(timestamp - _anchorTimestamp) * _sampleRate / _clockRate);
            if (position + pcm.Length > _playout + _ring.Length - _frame || position < _playout - _ring.Length)
            {
                // Far outside what the ring can hold: the source jumped (restart, long pause, clock step).
                position = Anchor(ssrc, timestamp);
            }
        }

        _anchorPosition = position;
        _anchorTimestamp = timestamp;
        long end = position + pcm.Length;
        if (end <= _playout)
        {
            Late++;

            // A burst of late packets is one event: the delay grows by a frame per frame played.
            if (_readsSinceLate > 0)
            {
                _boost = Math.Min(_boost + 1, _maxFrames);
            }

            _readsSinceLate = 0;
            return;
        }

        int skip = (int)Math.Max(0, _playout - position);
        for (int i = skip; i < pcm.Length; i++)
        {
            long p = position + i;
            int index = (int)(p % _ring.Length);
            _ring[index] = pcm[i];
            _filled[index / _block] = true;
        }

        _writtenEnd = Math.Max(_writtenEnd, end);
    }

    /// <summary>Reads the next frame of the playout clock into <paramref name="frame"/>, concealing what is missing.</summary>
    public FrameKind Read(Span<short> frame)
    {
        Adapt();
        long start = _playout;
        int missing = 0;
        ulong holes = 0;
        int blocks = _frame / _block;
        for (int b = 0; b < blocks; b++)
        {
            long p = start + (b * _block);
            int index = (int)(p % _ring.Length);
            int slot = index / _block;
            Span<short> target = frame.Slice(b * _block, _block);
            if (_filled[slot])
            {
                _ring.AsSpan(index, _block).CopyTo(target);
                _filled[slot] = false;
            }
            else
            {
                missing++;
                holes |= 1UL << b;
                target.Clear();
            }

            _ring.AsSpan(index, _block).Clear();
        }

        _playout += _frame;
        if (missing == 0)
        {
            frame.CopyTo(_last);
            _concealedInRow = 0;

            // Audio came back: what was concealed before it was loss, not the end of a talkspurt.
            Concealed += _unconfirmed;
            _unconfirmed = 0;
            return FrameKind.Audio;
        }

        if (missing == blocks && _concealedInRow >= ConcealFrames)
        {
            // Nothing received for long: the source is quiet (stopped, muted, DTX), not lossy.
            _unconfirmed = 0;
            frame.Clear();
            return FrameKind.Silent;
        }

        Conceal(frame, holes);
        return FrameKind.Concealed;
    }

    private void Conceal(Span<short> frame, ulong holes)
    {
        _concealedInRow++;
        _unconfirmed++;

        // Repeat the last good frame into the holes, a fifth quieter for each concealed frame in a row.
        int gain = Math.Max(0, 256 - (_concealedInRow * 51));
        int blocks = _frame / _block;
        for (int b = 0; b < blocks; b++)
        {
            if ((holes & (1UL << b)) == 0)
            {
                continue;
            }

            Span<short> target = frame.Slice(b * _block, _block);
            ReadOnlySpan<short> source = _last.AsSpan(b * _block, _block);
            for (int i = 0; i < _block; i++)
            {
                target[i] = (short)(source[i] * gain >> 8);
            }
        }
    }

    private long Anchor(uint ssrc, uint timestamp)
    {
        if (_anchored)
        {
            Resyncs++;
        }

        _anchored = true;
        _ssrc = ssrc;
        _anchorTimestamp = timestamp;
        _delayFrames = TargetFrames;
        Array.Clear(_filled);
        _writtenEnd = _playout;
        _minSurplus = long.MaxValue;
        _surplusReads = 0;
        _hasTransit = false;
        return _playout + ((long)_delayFrames * _frame);
    }

    /// <summary>Before each read: grow toward the target by shifting later packets, shrink by dropping a frame.</summary>
    private void Adapt()
    {
        if (++_readsSinceLate >= BoostDecayReads && _boost > 0)
        {
            _boost--;
            _readsSinceLate = 0;
        }

        if (!_anchored)
        {
            return;
        }

        int target = TargetFrames;
        if (target > _delayFrames)
        {
            // Packets from now on land a frame later: one frame is concealed now, and none later.
            _anchorPosition += _frame;
            _delayFrames++;
            _minSurplus = long.MaxValue;
            _surplusReads = 0;
            return;
        }

        long depth = _writtenEnd - _playout;
        _minSurplus = Math.Min(_minSurplus, depth);
        if (++_surplusReads < ShrinkWindow)
        {
            return;
        }

        // Depth counts the frame about to be played too. The least buffered over the last second
        // still exceeded the target by a frame: drop one.
        if (_minSurplus >= (long)(target + 2) * _frame)
        {
            long start = _playout;
            for (long p = start; p < start + _frame; p += _block)
            {
                int index = (int)(p % _ring.Length);
                _filled[index / _block] = false;
            }

            _playout += _frame;
            _delayFrames = Math.Max(_minFrames, _delayFrames - 1);
            Dropped++;
        }

        _minSurplus = long.MaxValue;
        _surplusReads = 0;
    }

    private void UpdateJitter(uint timestamp, long arrival)
    {
        double arrivalClock = (double)arrival * _clockRate / _sampleRate;
        double transit = arrivalClock - timestamp;
        if (_hasTransit)
        {
            double d = Math.Abs(transit - _transit);

            // A step of more than a second is a timestamp jump, not jitter.
            if (d < _clockRate)
            {
                _jitter += (d - _jitter) / 16;
            }
        }

        _transit = transit;
        _hasTransit = true;
    }

    private int JitterFrames()
    {
        // Three times the mean deviation covers nearly every packet; one frame more for the mixer's own tick.
        double jitterSamples = _jitter * _sampleRate / _clockRate;
        return 1 + (int)Math.Ceiling(3 * jitterSamples / _frame);
    }
}
