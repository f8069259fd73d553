using System.Diagnostics;
using Conferencing.Sip.Rtp;

namespace Conferencing.Sip.Tests.Rtp;

public sealed class RtpReceiveStatisticsTests
{
    private static RtpSequenceStatus Feed(RtpReceiveStatistics stats, int seq) =>
        stats.Update((ushort)seq, (uint)(seq * 160), (uint)(seq * 160));

    [Fact]
    public void NewSourceIsOnProbationUntilTwoPacketsInSequence()
    {
        var stats = new RtpReceiveStatistics(1, 8000);
        Assert.Equal(RtpSequenceStatus.Probation, Feed(stats, 100));
        Assert.Equal(RtpSequenceStatus.Valid, Feed(stats, 101));
        Assert.Equal(1u, stats.PacketsReceived);
        Assert.Equal(1u, stats.PacketsExpected);
    }

    [Fact]
    public void ProbationRestartsOnAGap()
    {
        var stats = new RtpReceiveStatistics(1, 8000);
        Assert.Equal(RtpSequenceStatus.Probation, Feed(stats, 100));
        Assert.Equal(RtpSequenceStatus.Probation, Feed(stats, 105));
        Assert.Equal(RtpSequenceStatus.Valid, Feed(stats, 106));
    }

    [Fact]
    public void SequenceWrapAroundCountsACycle()
    {
        var stats = new RtpReceiveStatistics(1, 8000);
        foreach (int seq in new[] { 65533, 65534, 65535, 0, 1 })
        {
            Feed(stats, seq);
        }

        Assert.Equal(65536u + 1, stats.ExtendedHighestSequence);
        Assert.Equal(4u, stats.PacketsExpected);
        Assert.Equal(4u, stats.PacketsReceived);
        Assert.Equal(0, stats.CumulativeLost);
    }

    [Fact]
    public void LossIsCountedAndFractionLostCoversOnlyTheInterval()
    {
        var stats = new RtpReceiveStatistics(1, 8000);
        Feed(stats, 0);
        for (int seq = 1; seq <= 10; seq++)
        {
            if (seq is not (4 or 7))
            {
                Feed(stats, seq);
            }
        }

        RtcpReportBlock first = stats.CreateReportBlock(Stopwatch.GetTimestamp());
        Assert.Equal(2, first.CumulativeLost);
        Assert.Equal((2 << 8) / 10, first.FractionLost);
        Assert.Equal(10u, first.ExtendedHighestSequence);

        for (int seq = 11; seq <= 20; seq++)
        {
            Feed(stats, seq);
        }

        RtcpReportBlock second = stats.CreateReportBlock(Stopwatch.GetTimestamp());
        Assert.Equal(2, second.CumulativeLost);
        Assert.Equal(0, second.FractionLost);
    }

    [Fact]
    public void LatePacketsAreCountedWithoutMovingTheHighestSequence()
    {
        var stats = new RtpReceiveStatistics(1, 8000);
        foreach (int seq in new[] { 0, 1, 2, 4, 5, 3 })
        {
            Assert.NotEqual(RtpSequenceStatus.BadSequence, Feed(stats, seq));
        }

        Assert.Equal(5u, stats.ExtendedHighestSequence);
        Assert.Equal(0, stats.CumulativeLost);
    }

    [Fact]
    public void DuplicatesMakeTheCumulativeLossNegative()
    {
        var stats = new RtpReceiveStatistics(1, 8000);
        foreach (int seq in new[] { 0, 1, 2, 2, 3 })
        {
            Feed(stats, seq);
        }

        Assert.Equal(-1, stats.CumulativeLost);
        Assert.Equal(0, stats.CreateReportBlock(0).FractionLost);
    }

    [Fact]
    public void ABigJumpIsDroppedUnlessTheNextPacketConfirmsARestart()
    {
        var stats = new RtpReceiveStatistics(1, 8000);
        for (int seq = 0; seq < 10; seq++)
        {
            Feed(stats, seq);
        }

        Assert.Equal(RtpSequenceStatus.BadSequence, Feed(stats, 20000));
        Assert.Equal(RtpSequenceStatus.Valid, Feed(stats, 10));
        Assert.Equal(RtpSequenceStatus.BadSequence, Feed(stats, 40000));
        Assert.Equal(RtpSequenceStatus.Restarted, Feed(stats, 40001));
        Assert.Equal(1u, stats.PacketsReceived);
        Assert.Equal(40001u, stats.ExtendedHighestSequence);
        Feed(stats, 40002);
        Assert.Equal(2u, stats.PacketsExpected);
    }

    [Fact]
    public void CumulativeLossIsClampedTo24BitsSigned()
    {
        var stats = new RtpReceiveStatistics(1, 8000);
        Feed(stats, 0);
        Feed(stats, 1);

        // Jumps below MAX_DROPOUT are loss; 3,000 cycles of them push the count past 2^23.
        int seq = 1;
        for (int i = 0; i < 3000; i++)
        {
            seq = (seq + 2999) & 0xFFFF;
            Feed(stats, seq);
        }

        Assert.True(stats.PacketsExpected - stats.PacketsReceived > 0x7FFFFF);
        Assert.Equal(0x7FFFFF, stats.CumulativeLost);
    }

    [Fact]
    public void JitterIsZeroForConstantTransit()
    {
        var stats = new RtpReceiveStatistics(1, 90000);
        for (int i = 0; i < 100; i++)
        {
            stats.Update((ushort)i, (uint)(i * 3000), (uint)((i * 3000) + 12345));
        }

        Assert.Equal(0u, stats.Jitter);
    }

    [Fact]
    public void JitterFollowsTheRfc3550Estimator()
    {
        // 20 ms audio packets at 8 kHz; network delay wobbles in a fixed pattern (in RTP units).
        int[] delays = [0, 40, 8, 80, 16, 0, 120, 24, 48, 0, 32, 64, 8, 96, 0, 16];
        var stats = new RtpReceiveStatistics(1, 8000);
        double reference = 0;
        for (int i = 0; i < 200; i++)
        {
            uint ts = (uint)(i * 160);
            uint arrival = ts + (uint)delays[i % delays.Length];
            stats.Update((ushort)(1000 + i), ts, arrival);
            if (i >= 2)
            {
                // Jitter counts from the second accepted packet; the first one sits in probation.
                double d = Math.Abs(delays[i % delays.Length] - delays[(i - 1) % delays.Length]);
                reference += (d - reference) / 16;
            }
        }

        Assert.InRange(stats.Jitter, Math.Floor(reference) - 1, Math.Ceiling(reference) + 1);
        Assert.InRange(stats.JitterTime.TotalMilliseconds, (reference - 1) / 8, (reference + 1) / 8);
    }

    [Fact]
    public void JitterOfAlternatingDelayConvergesToTheDelayStep()
    {
        var stats = new RtpReceiveStatistics(1, 8000);
        for (int i = 0; i < 500; i++)
        {
            uint ts = (uint)(i * 160);
            stats.Update((ushort)i, ts, ts + (uint)(i % 2 == 0 ? 0 : 80));
        }

        Assert.InRange(stats.Jitter, 79u, 80u);
    }

    [Fact]
    public void ReportBlockCarriesLsrAndDlsrAfterASenderReport()
    {
        var stats = new RtpReceiveStatistics(7, 8000);
        Feed(stats, 0);
        Feed(stats, 1);
        var ntp = new NtpTimestamp(0x0000_B705_2000_0000);
        long arrived = 1_000;
        stats.OnSenderReport(ntp, arrived);
        RtcpReportBlock block = stats.CreateReportBlock(arrived + (Stopwatch.Frequency * 5 / 4));

        Assert.Equal(7u, block.Ssrc);
        Assert.Equal(0xB7052000u, block.LastSenderReport);
        Assert.Equal(0x14000u, block.DelaySinceLastSenderReport); // 1.25 s in 1/65536 s
    }

    [Fact]
    public void StopwatchArrivalsAreConvertedToRtpUnits()
    {
        var stats = new RtpReceiveStatistics(1, 90000);
        long start = Stopwatch.GetTimestamp();
        long frame = Stopwatch.Frequency / 30;
        for (int i = 0; i < 60; i++)
        {
            long jitterTicks = i % 2 == 0 ? 0 : Stopwatch.Frequency / 100; // 10 ms = 900 units
            stats.UpdateAt((ushort)i, (uint)(i * 3000), start + (i * frame) + jitterTicks);
        }

        Assert.InRange(stats.Jitter, 850u, 901u);
    }
}
