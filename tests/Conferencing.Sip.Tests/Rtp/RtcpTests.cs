using System.Text;
using Conferencing.Sip.Rtp;

namespace Conferencing.Sip.Tests.Rtp;

public sealed class RtcpTests
{
    private static readonly RtcpReportBlock Block = new(0xAABBCCDD, 51, -5, 0x0001_0010, 123, 0xB7052000, 0x54000);

    [Fact]
    public void ReceiverReportAndSdesRoundTripAsACompoundPacket()
    {
        Span<byte> buffer = stackalloc byte[200];
        var writer = new RtcpWriter(buffer);
        Assert.True(writer.TryWriteReceiverReport(0x01020304, [Block]));
        Assert.True(writer.TryWriteSourceDescription(0x01020304, "relay@tinh-phu-tho.example"));
        ReadOnlySpan<byte> compound = writer.WrittenSpan;

        Assert.Equal(0, compound.Length % 4);
        Assert.True(RtcpCompoundReader.Validate(compound, out RtcpReadError error, allowReducedSize: false), error.ToString());

        var types = new List<RtcpPacketType>();
        foreach (RtcpPacket packet in new RtcpCompoundReader(compound))
        {
            types.Add(packet.Type);
            if (RtcpReceiverReport.TryRead(packet, out RtcpReceiverReport rr))
            {
                Assert.Equal(0x01020304u, rr.Ssrc);
                Assert.Equal(1, rr.ReportCount);
                Assert.Equal(Block, rr.GetReportBlock(0));
            }
            else
            {
                Assert.True(RtcpSourceDescriptionReader.TryGetCanonicalName(packet, out uint ssrc, out ReadOnlySpan<byte> cname));
                Assert.Equal(0x01020304u, ssrc);
                Assert.Equal("relay@tinh-phu-tho.example", Encoding.UTF8.GetString(cname));
            }
        }

        Assert.Equal([RtcpPacketType.ReceiverReport, RtcpPacketType.SourceDescription], types);
    }

    [Fact]
    public void SenderReportRoundTripsWithItsNtpTimestamp()
    {
        var when = new DateTime(2025, 7, 1, 8, 30, 0, 250, DateTimeKind.Utc);
        NtpTimestamp ntp = NtpTimestamp.FromDateTime(when);
        Span<byte> buffer = stackalloc byte[200];
        var writer = new RtcpWriter(buffer);
        Assert.True(writer.TryWriteSenderReport(42, ntp, 90000, 1000, 1_200_000, [Block, Block with { Ssrc = 9 }]));
        Assert.True(writer.TryWriteSourceDescription(42, "a"));

        Assert.True(RtcpPacket.TryRead(writer.WrittenSpan, out RtcpPacket packet));
        Assert.True(RtcpSenderReport.TryRead(packet, out RtcpSenderReport sr));
        Assert.Equal(42u, sr.Ssrc);
        Assert.Equal(ntp, sr.NtpTimestamp);
        Assert.Equal(when, sr.NtpTimestamp.ToDateTime(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(90000u, sr.RtpTimestamp);
        Assert.Equal(1000u, sr.PacketCount);
        Assert.Equal(1_200_000u, sr.OctetCount);
        Assert.Equal(2, sr.ReportCount);
        Assert.Equal(9u, sr.GetReportBlock(1).Ssrc);
        Assert.Equal(-5, sr.GetReportBlock(1).CumulativeLost);
    }

    [Fact]
    public void RoundTripFollowsTheRfc3550Example()
    {
        // RFC 3550 figure 2: A = 0xb710:8000, LSR = 0xb705:2000, DLSR = 0x0005:4000 → 6.125 s.
        Assert.True(NtpTimestamp.TryComputeRoundTrip(0xB7108000, 0xB7052000, 0x00054000, out TimeSpan rtt));
        Assert.Equal(TimeSpan.FromSeconds(6.125), rtt);
        Assert.False(NtpTimestamp.TryComputeRoundTrip(0xB7108000, 0, 0, out _));
        Assert.False(NtpTimestamp.TryComputeRoundTrip(0xB7050000, 0xB7052000, 0, out _));
    }

    [Fact]
    public void NtpTimestampExposesItsParts()
    {
        var ntp = new NtpTimestamp(0x1122334455667788);
        Assert.Equal(0x11223344u, ntp.Seconds);
        Assert.Equal(0x55667788u, ntp.Fraction);
        Assert.Equal(0x33445566u, ntp.Middle32);
        Assert.Equal(2036, NtpTimestamp.FromDateTime(new DateTime(2036, 2, 7, 6, 28, 15, DateTimeKind.Utc)).ToDateTime().Year);
    }

    [Fact]
    public void ByeCarriesItsSourcesAndReason()
    {
        Span<byte> buffer = stackalloc byte[64];
        var writer = new RtcpWriter(buffer);
        Assert.True(writer.TryWriteBye([5u, 6u], "hết giờ"u8));
        Assert.True(RtcpPacket.TryRead(writer.WrittenSpan, out RtcpPacket packet));
        Assert.True(RtcpBye.TryRead(packet, out RtcpBye bye));
        Assert.Equal(2, bye.SourceCount);
        Assert.Equal(6u, bye.GetSsrc(1));
        Assert.Equal("hết giờ", Encoding.UTF8.GetString(bye.Reason));
    }

    [Fact]
    public void AppPacketRoundTrips()
    {
        Span<byte> buffer = stackalloc byte[64];
        var writer = new RtcpWriter(buffer);
        Assert.True(writer.TryWriteApp(3, 77, "CONF"u8, [1, 2, 3, 4]));
        Assert.False(writer.TryWriteApp(3, 77, "TOOLONG"u8, []));
        Assert.True(RtcpPacket.TryRead(writer.WrittenSpan, out RtcpPacket packet));
        Assert.True(RtcpApp.TryRead(packet, out RtcpApp app));
        Assert.Equal(3, app.Subtype);
        Assert.Equal(77u, app.Ssrc);
        Assert.Equal("CONF", Encoding.ASCII.GetString(app.Name));
        Assert.Equal([1, 2, 3, 4], app.Data.ToArray());
    }

    public static TheoryData<string, byte[], RtcpReadError> MalformedCompounds => new()
    {
        { "empty", [], RtcpReadError.TooShort },
        { "three bytes", [0x80, 201, 0], RtcpReadError.TooShort },
        { "version 1", [0x40, 201, 0, 1, 0, 0, 0, 1], RtcpReadError.BadVersion },
        { "length past the end", [0x80, 201, 0, 2, 0, 0, 0, 1], RtcpReadError.BadLength },
        { "second packet truncated", [0x80, 201, 0, 1, 0, 0, 0, 1, 0x81, 206, 0, 2, 0, 0, 0, 1], RtcpReadError.BadLength },
        { "padding zero", [0xA0, 201, 0, 1, 0, 0, 0, 0], RtcpReadError.BadPadding },
        { "padding past body", [0xA0, 201, 0, 1, 0, 0, 0, 9], RtcpReadError.BadPadding },
        { "padding not last", [0xA0, 201, 0, 1, 0, 0, 0, 4, 0x80, 201, 0, 1, 0, 0, 0, 1], RtcpReadError.PaddingNotInLastPacket },
    };

    [Theory]
    [MemberData(nameof(MalformedCompounds))]
    public void MalformedCompoundPacketsAreRejected(string name, byte[] data, RtcpReadError expected)
    {
        Assert.False(RtcpCompoundReader.Validate(data, out RtcpReadError error), name);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void CompoundMustStartWithAReportUnlessReducedSizeIsAllowed()
    {
        byte[] pli = [0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
        Assert.True(RtcpCompoundReader.Validate(pli, out _));
        Assert.False(RtcpCompoundReader.Validate(pli, out RtcpReadError error, allowReducedSize: false));
        Assert.Equal(RtcpReadError.FirstPacketNotReport, error);
    }

    [Fact]
    public void ReaderReportsWhyItStopped()
    {
        byte[] data = [0x80, 201, 0, 1, 0, 0, 0, 1, 0x80, 201, 0, 9];
        var reader = new RtcpCompoundReader(data);
        Assert.True(reader.MoveNext());
        Assert.False(reader.MoveNext());
        Assert.Equal(RtcpReadError.BadLength, reader.Error);
    }

    [Fact]
    public void EveryTruncationOfACompoundIsRejectedOrReadWithoutThrowing()
    {
        byte[] buffer = new byte[200];
        var writer = new RtcpWriter(buffer);
        writer.TryWriteSenderReport(1, NtpTimestamp.Now, 2, 3, 4, [Block]);
        writer.TryWriteSourceDescription(1, "cname");
        writer.TryWriteGenericNack(1, 2, [10, 12]);
        writer.TryWriteBye([1u], "bye"u8);
        int length = writer.BytesWritten;
        for (int i = 0; i <= length; i++)
        {
            foreach (RtcpPacket packet in new RtcpCompoundReader(buffer.AsSpan(0, i)))
            {
                RtcpSenderReport.TryRead(packet, out _);
                foreach (RtcpSdesItem item in new RtcpSourceDescriptionReader(packet))
                {
                    Assert.True(item.Value.Length <= 255);
                }

                if (RtcpFeedback.TryRead(packet, out RtcpFeedback feedback))
                {
                    foreach (ushort seq in feedback.GetLostSequenceNumbers())
                    {
                        Assert.True(seq >= 10);
                    }
                }

                RtcpBye.TryRead(packet, out _);
            }
        }
    }

    [Fact]
    public void NackBitmaskExpandsToTheLostSequenceNumbers()
    {
        // PID 1000 with BLP bits 0, 2 and 15: 1000, 1001, 1003, 1016.
        byte[] data = [0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0x03, 0xE8, 0x80, 0x05];
        Assert.True(RtcpPacket.TryRead(data, out RtcpPacket packet));
        Assert.True(RtcpFeedback.TryRead(packet, out RtcpFeedback nack));
        Assert.True(nack.IsGenericNack);
        Assert.Equal(2u, nack.MediaSsrc);
        Span<ushort> lost = stackalloc ushort[32];
        int count = nack.GetLostSequenceNumbers().CopyTo(lost);
        Assert.Equal([1000, 1001, 1003, 1016], lost[..count].ToArray());
    }

    public static TheoryData<ushort[], int> NackLists => new()
    {
        { [100], 1 },
        { [100, 101, 105, 116], 1 },
        { [100, 101, 105, 117], 2 },
        { [100, 120, 140, 141], 3 },
        { [65530, 65535, 0, 5], 1 },
    };

    [Theory]
    [MemberData(nameof(NackLists))]
    public void NackBuiltFromAListExpandsBackToIt(ushort[] lost, int expectedPairs)
    {
        Span<byte> buffer = stackalloc byte[128];
        var writer = new RtcpWriter(buffer);
        Assert.True(writer.TryWriteGenericNack(11, 22, lost));
        Assert.Equal(4 + 8 + (4 * expectedPairs), writer.BytesWritten);

        Assert.True(RtcpPacket.TryRead(writer.WrittenSpan, out RtcpPacket packet));
        Assert.True(RtcpFeedback.TryRead(packet, out RtcpFeedback nack));
        Assert.Equal(11u, nack.SenderSsrc);
        var expanded = new List<ushort>();
        foreach (ushort seq in nack.GetLostSequenceNumbers())
        {
            expanded.Add(seq);
        }

        Assert.Equal(lost, expanded);
    }

    [Fact]
    public void PictureLossIndicationIsAKeyframeRequest()
    {
        Span<byte> buffer = stackalloc byte[64];
        var writer = new RtcpWriter(buffer);
        Assert.True(writer.TryWriteReceiverReport(1, []));
        Assert.True(writer.TryWritePictureLossIndication(1, 0x5555));
        Assert.True(RtcpCompoundReader.ContainsKeyframeRequest(writer.WrittenSpan, out uint ssrc));
        Assert.Equal(0x5555u, ssrc);
    }

    [Fact]
    public void FullIntraRequestCarriesEntriesAndIsAKeyframeRequest()
    {
        Span<byte> buffer = stackalloc byte[64];
        var writer = new RtcpWriter(buffer);
        Assert.True(writer.TryWriteFullIntraRequest(1, [new RtcpFirEntry(0x7777, 3), new RtcpFirEntry(0x8888, 4)]));
        Assert.True(RtcpPacket.TryRead(writer.WrittenSpan, out RtcpPacket packet));
        Assert.True(packet.IsKeyframeRequest);
        Assert.True(RtcpFeedback.TryRead(packet, out RtcpFeedback fir));
        Assert.True(fir.IsFullIntraRequest);
        var entries = new List<RtcpFirEntry>();
        foreach (RtcpFirEntry entry in fir.GetFirEntries())
        {
            entries.Add(entry);
        }

        Assert.Equal([new RtcpFirEntry(0x7777, 3), new RtcpFirEntry(0x8888, 4)], entries);
        Assert.True(RtcpCompoundReader.ContainsKeyframeRequest(writer.WrittenSpan, out uint ssrc));
        Assert.Equal(0x7777u, ssrc);
    }

    [Fact]
    public void Rfc2032FullIntraRequestIsRecognized()
    {
        // As sent by H.261/H.263-era room systems: V=2, PT=192, length 1, SSRC.
        byte[] legacy = [0x80, 192, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78];
        Assert.True(RtcpCompoundReader.ContainsKeyframeRequest(legacy, out uint ssrc));
        Assert.Equal(0x12345678u, ssrc);

        Span<byte> buffer = stackalloc byte[8];
        var writer = new RtcpWriter(buffer);
        Assert.True(writer.TryWriteLegacyFullIntraRequest(0x12345678));
        Assert.Equal(legacy, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void ReceiverReportAloneIsNotAKeyframeRequest()
    {
        Span<byte> buffer = stackalloc byte[64];
        var writer = new RtcpWriter(buffer);
        writer.TryWriteReceiverReport(1, [Block]);
        writer.TryWriteGenericNack(1, 2, [5]);
        Assert.False(RtcpCompoundReader.ContainsKeyframeRequest(writer.WrittenSpan, out _));
    }

    [Fact]
    public void RembRoundTrips()
    {
        Span<byte> buffer = stackalloc byte[64];
        var writer = new RtcpWriter(buffer);
        Assert.True(writer.TryWriteRemb(1, 1_500_000, [10u, 11u]));
        Assert.True(RtcpPacket.TryRead(writer.WrittenSpan, out RtcpPacket packet));
        Assert.True(RtcpFeedback.TryRead(packet, out RtcpFeedback remb));
        Assert.True(remb.TryGetRemb(out ulong bitrate, out int count));
        Assert.Equal(2, count);
        Assert.InRange(bitrate, 1_499_000ul, 1_500_000ul);
    }

    [Fact]
    public void WriterRefusesPacketsThatDoNotFit()
    {
        Span<byte> buffer = stackalloc byte[30];
        var writer = new RtcpWriter(buffer);
        Assert.True(writer.TryWriteReceiverReport(1, []));
        Assert.False(writer.TryWriteReceiverReport(1, [Block]));
        Assert.Equal(8, writer.BytesWritten);
        Assert.False(writer.TryWriteSourceDescription(1, new string('x', 256)));
        Assert.False(writer.TryWriteGenericNack(1, 2, [1, 100, 200, 300]));
        Assert.Equal(8, writer.BytesWritten);
    }

    [Fact]
    public void SdesReaderFlagsAChunkRunningPastThePacket()
    {
        // One chunk: SSRC, CNAME item claiming 10 bytes but only 2 present.
        byte[] data = [0x81, 202, 0, 2, 0, 0, 0, 1, 1, 10, (byte)'a', (byte)'b'];
        Assert.True(RtcpPacket.TryRead(data, out RtcpPacket packet));
        var reader = new RtcpSourceDescriptionReader(packet);
        Assert.False(reader.MoveNext());
        Assert.True(reader.IsMalformed);
    }
}
