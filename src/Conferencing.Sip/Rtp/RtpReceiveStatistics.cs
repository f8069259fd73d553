using System.Diagnostics;

namespace Conferencing.Sip.Rtp;

/// <summary>What <see cref="RtpReceiveStatistics.Update(ushort, uint, uint)"/> decided about a packet.</summary>
public enum RtpSequenceStatus
{
    /// <summary>In sequence (or an acceptable reorder or duplicate); counted as received.</summary>
    Valid,

    /// <summary>The source is still on probation (RFC 3550 A.1 MIN_SEQUENTIAL); not counted yet.</summary>
    Probation,

    /// <summary>A large jump; dropped unless the next packet confirms the source restarted.</summary>
    BadSequence,

    /// <summary>The jump was confirmed by the following packet: the counters were reset.</summary>
    Restarted,
}

/// <summary>
/// Reception statistics for one synchronization source: RFC 3550 appendix A.1 sequence
/// validation, A.3 loss accounting and A.8 interarrival jitter. One instance per source, created
/// when the source appears; updating it allocates nothing.
/// </summary>
public sealed class RtpReceiveStatistics
{
    /// <summary>Packets in sequence required before a new source is accepted (RFC 3550 A.1).</summary>
    public const int MinSequential = 2;

    /// <summary>Largest forward jump still treated as loss rather than a restart (RFC 3550 A.1).</summary>
    public const int MaxDropout = 3000;

    /// <summary>Largest backward jump still treated as a late packet (RFC 3550 A.1).</summary>
    public const int MaxMisorder = 100;

    private const uint SequenceModulo = 1 << 16;

    private ushort _maxSeq;
    private uint _cycles;
    private uint _baseSeq;
    private uint _badSeq;
    private uint _probation;
    private uint _received;
    private uint _expectedPrior;
    private uint _receivedPrior;
    private uint _transit;
    private bool _haveTransit;
    private uint _jitterQ4; // jitter scaled by 16, the integer form of A.8
    private bool _started;
    private uint _lastSenderReport;
    private long _lastSenderReportArrival;
    private long _firstArrival;
    private bool _haveFirstArrival;

    /// <summary>Creates statistics for a source whose RTP clock runs at <paramref name="clockRate"/> Hz.</summary>
    public RtpReceiveStatistics(uint ssrc, int clockRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clockRate);
        Ssrc = ssrc;
        ClockRate = clockRate;
    }

    /// <summary>The source these statistics describe.</summary>
    public uint Ssrc { get; }

    /// <summary>The RTP clock rate used for jitter.</summary>
    public int ClockRate { get; }

    /// <summary>Packets counted as received (duplicates included, as in RFC 3550 A.3).</summary>
    public uint PacketsReceived => _received;

    /// <summary>The extended highest sequence number received: cycles in the upper 16 bits.</summary>
    public uint ExtendedHighestSequence => _cycles + _maxSeq;

    /// <summary>Packets expected since the base sequence number (RFC 3550 A.3).</summary>
    public uint PacketsExpected => _started ? ExtendedHighestSequence - _baseSeq + 1 : 0;

    /// <summary>Cumulative packets lost, clamped to the 24-bit signed range of a report block.</summary>
    public int CumulativeLost => ClampLost((long)PacketsExpected - _received);

    /// <summary>Interarrival jitter in RTP timestamp units (RFC 3550 A.8).</summary>
    public uint Jitter => _jitterQ4 >> 4;

    /// <summary>Interarrival jitter as time.</summary>
    public TimeSpan JitterTime => TimeSpan.FromSeconds((double)Jitter / ClockRate);

    /// <summary>
    /// Counts one packet. <paramref name="arrival"/> is the arrival time in RTP timestamp units of
    /// this source's clock (any origin; only differences matter).
    /// </summary>
    public RtpSequenceStatus Update(ushort sequenceNumber, uint rtpTimestamp, uint arrival)
    {
        RtpSequenceStatus status = UpdateSequence(sequenceNumber);
        if (status is RtpSequenceStatus.Valid or RtpSequenceStatus.Restarted)
        {
            UpdateJitter(rtpTimestamp, arrival);
        }

        return status;
    }

    /// <summary>
    /// Counts one packet, with the arrival time as a <see cref="Stopwatch.GetTimestamp"/> value.
    /// </summary>
    public RtpSequenceStatus UpdateAt(ushort sequenceNumber, uint rtpTimestamp, long arrivalTimestamp)
    {
        if (!_haveFirstArrival)
        {
            _firstArrival = arrivalTimestamp;
            _haveFirstArrival = true;
        }

        // 128-bit intermediate so a meeting lasting days cannot overflow ticks × clock rate.
        ulong elapsed = (ulong)Math.Max(0, arrivalTimestamp - _firstArrival);
        uint arrival = (uint)(ulong)((UInt128)elapsed * (ulong)ClockRate / (ulong)Stopwatch.Frequency);
        return Update(sequenceNumber, rtpTimestamp, arrival);
    }

    /// <summary>
    /// Remembers a sender report from this source so the next report block carries LSR and DLSR.
    /// </summary>
    /// <param name="ntpTimestamp">The SR's 64-bit NTP timestamp.</param>
    /// <param name="arrivalTimestamp">When the SR arrived, as a <see cref="Stopwatch.GetTimestamp"/> value.</param>
    public void OnSenderReport(NtpTimestamp ntpTimestamp, long arrivalTimestamp)
    {
        _lastSenderReport = ntpTimestamp.Middle32;
        _lastSenderReportArrival = arrivalTimestamp;
    }

    /// <summary>
    /// Builds the report block for this source and starts a new interval for the fraction lost
    /// (RFC 3550 A.3). <paramref name="now"/> is a <see cref="Stopwatch.GetTimestamp"/> value.
    /// </summary>
    public RtcpReportBlock CreateReportBlock(long now)
    {
        uint expected = PacketsExpected;
        uint expectedInterval = expected - _expectedPrior;
        _expectedPrior = expected;
        uint receivedInterval = _received - _receivedPrior;
        _receivedPrior = _received;
        long lostInterval = (long)expectedInterval - receivedInterval;
        byte fraction = expectedInterval == 0 || lostInterval <= 0
            ? (byte)0
            : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);

        uint dlsr = 0;
        if (_lastSenderReport != 0)
        {
            long delay = Math.Max(0, now - _lastSenderReportArrival);
            dlsr = (uint)Math.Min(uint.MaxValue, (ulong)((UInt128)(ulong)delay * 65536 / (ulong)Stopwatch.Frequency));
        }

        return new RtcpReportBlock(Ssrc, fraction, CumulativeLost, ExtendedHighestSequence, Jitter, _lastSenderReport, dlsr);
    }

    private RtpSequenceStatus UpdateSequence(ushort seq)
    {
        if (!_started)
        {
            InitSequence(seq);
            _maxSeq = (ushort)(seq - 1);
            _probation = MinSequential;
            _started = true;
        }

        ushort udelta = (ushort)(seq - _maxSeq);
        if (_probation > 0)
        {
            if (seq == (ushort)(_maxSeq + 1))
            {
                _probation--;
                _maxSeq = seq;
                if (_probation == 0)
                {
                    InitSequence(seq);
                    _received++;
                    return RtpSequenceStatus.Valid;
                }
            }
            else
            {
                _probation = MinSequential - 1;
                _maxSeq = seq;
            }

            return RtpSequenceStatus.Probation;
        }

        RtpSequenceStatus status = RtpSequenceStatus.Valid;
        if (udelta < MaxDropout)
        {
            if (seq < _maxSeq)
            {
                _cycles += SequenceModulo;
            }

            _maxSeq = seq;
        }
        else if (udelta <= SequenceModulo - MaxMisorder)
        {
            if (seq == _badSeq)
            {
                // Two sequential packets after a big jump: the sender restarted, so start over.
                InitSequence(seq);
                _haveTransit = false;
                status = RtpSequenceStatus.Restarted;
            }
            else
            {
                _badSeq = (seq + 1u) & (SequenceModulo - 1);
                return RtpSequenceStatus.BadSequence;
            }
        }

        // Otherwise a duplicate or a late packet: counted as received, as A.1 does.
        _received++;
        return status;
    }

    private void InitSequence(ushort seq)
    {
        _baseSeq = seq;
        _maxSeq = seq;
        _badSeq = SequenceModulo + 1;
        _cycles = 0;
        _received = 0;
        _receivedPrior = 0;
        _expectedPrior = 0;
    }

    private void UpdateJitter(uint rtpTimestamp, uint arrival)
    {
        uint transit = arrival - rtpTimestamp;
        if (!_haveTransit)
        {
            _transit = transit;
            _haveTransit = true;
            return;
        }

        int d = (int)(transit - _transit);
        _transit = transit;
        if (d < 0)
        {
            d = -d;
        }

        // J += (|D| - J) / 16, kept in 1/16 units to stay in integers (RFC 3550 A.8).
        _jitterQ4 = (uint)(_jitterQ4 + d - ((_jitterQ4 + 8) >> 4));
    }

    private static int ClampLost(long lost) => (int)Math.Clamp(lost, -0x800000, 0x7FFFFF);
}
