using Conferencing.Sip.Rtp;

namespace Conferencing.Sip.Tests.Rtp;

/// <summary>
/// The relay forwards every packet through these paths, so they must not allocate. These are
/// allocation assertions, not timings: the loop count only makes a stray allocation visible.
/// </summary>
public sealed class AllocationTests
{
    private const int Iterations = 10_000;

    [Fact]
    public void PacketPathAllocatesNothing()
    {
        byte[] rtp = new byte[1200];
        int written = new RtpHeader(96, 1, 3000, 0x1234, Marker: true).WriteTo(rtp);
        rtp[written] = 0x7C;
        rtp[written + 1] = 0x85;
        byte[] rtcp = new byte[1500];
        byte[] nack = [0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0x03, 0xE8, 0x80, 0x05];
        var stats = new RtpReceiveStatistics(0x1234, 90000);
        RtcpReportBlock[] blocks = new RtcpReportBlock[1];
        ushort[] lost = [10, 11, 15, 40];

        long sink = Run(rtp, rtcp, nack, stats, blocks, lost, 100); // JIT and tiering first
        long before = GC.GetAllocatedBytesForCurrentThread();
        sink += Run(rtp, rtcp, nack, stats, blocks, lost, Iterations);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.NotEqual(0, sink);
    }

    private static long Run(byte[] rtp, byte[] rtcp, byte[] nack, RtpReceiveStatistics stats, RtcpReportBlock[] blocks, ushort[] lost, int iterations)
    {
        long sink = 0;
        for (int i = 0; i < iterations; i++)
        {
            RtpHeader.Rewrite(rtp, 0x9999, (ushort)i, (uint)(i * 3000));
            RtpHeader.SetPayloadType(rtp, 100);
            RtpHeader.SetMarker(rtp, (i & 1) == 0);
            if (RtpPacket.TryRead(rtp, out RtpPacket packet))
            {
                sink += packet.SequenceNumber + packet.PayloadLength;
                foreach (RtpHeaderExtensionElement element in packet.GetExtensionElements())
                {
                    sink += element.Id;
                }

                stats.Update(packet.SequenceNumber, packet.Timestamp, (uint)(i * 3000) + (uint)(i % 7));
                H264PayloadInfo info = H264Payload.Classify(packet.Payload);
                sink += info.IsKeyframeStart ? 1 : 0;
            }

            blocks[0] = stats.CreateReportBlock(i);
            var writer = new RtcpWriter(rtcp);
            writer.TryWriteReceiverReport(0x42, blocks);
            writer.TryWriteSourceDescription(0x42, "relay@example");
            writer.TryWritePictureLossIndication(0x42, 0x1234);
            writer.TryWriteFullIntraRequest(0x42, [new RtcpFirEntry(0x1234, (byte)i)]);
            writer.TryWriteGenericNack(0x42, 0x1234, lost);
            writer.TryWriteSenderReport(0x42, new NtpTimestamp((ulong)i << 20), 1, 2, 3, blocks);
            foreach (RtcpPacket p in new RtcpCompoundReader(writer.WrittenSpan))
            {
                sink += (int)p.Type;
                if (RtcpReceiverReport.TryRead(p, out RtcpReceiverReport rr))
                {
                    sink += rr.GetReportBlock(0).Jitter;
                }
            }

            sink += RtcpCompoundReader.ContainsKeyframeRequest(writer.WrittenSpan, out uint media) ? media : 0;
            if (RtcpPacket.TryRead(nack, out RtcpPacket nackPacket) && RtcpFeedback.TryRead(nackPacket, out RtcpFeedback feedback))
            {
                foreach (ushort seq in feedback.GetLostSequenceNumbers())
                {
                    sink += seq;
                }
            }
        }

        return sink;
    }
}
