using BenchmarkDotNet.Attributes;
using Conferencing.Sip.Rtp;

namespace Conferencing.Sip.Benchmarks;

/// <summary>The relay's per-packet work: each must run in nanoseconds and allocate nothing.</summary>
[MemoryDiagnoser]
public class RtpBenchmarks
{
    private readonly byte[] _rtp = new byte[1200];
    private readonly byte[] _rtcp = new byte[1500];
    private readonly RtcpReportBlock[] _blocks = [new RtcpReportBlock(0x1234, 3, 17, 0x1_0042, 90, 0xB7052000, 0x4000)];
    private readonly byte[] _stapA = [0x78, 0x00, 0x04, 0x67, 0x42, 0xC0, 0x1F, 0x00, 0x03, 0x68, 0xCE, 0x3C, 0x00, 0x02, 0x65, 0x88];
    private ushort _sequence;

    /// <summary>Writes a header with one-byte extension and an FU-A start so every benchmark sees a realistic video packet.</summary>
    [GlobalSetup]
    public void Setup()
    {
        int offset = new RtpHeader(96, 1, 3000, 0xCAFE, Marker: false).WriteTo(_rtp);
        _rtp[0] |= 0x10;
        _rtp[offset..].AsSpan().Clear();
        _rtp[offset] = 0xBE;
        _rtp[offset + 1] = 0xDE;
        _rtp[offset + 3] = 1;
        _rtp[offset + 4] = 0x10;
        _rtp[offset + 5] = 0x7F;
        _rtp[offset + 8] = 0x7C;
        _rtp[offset + 9] = 0x85;
    }

    /// <summary>Validates and reads the header fields of a 1200-byte packet.</summary>
    [Benchmark]
    public int RtpHeaderRead()
    {
        RtpPacket.TryRead(_rtp, out RtpPacket packet);
        return packet.SequenceNumber + packet.PayloadType + (int)packet.Ssrc + packet.PayloadLength;
    }

    /// <summary>The per-leg rewrite: SSRC, sequence number and timestamp in place.</summary>
    [Benchmark]
    public byte RtpHeaderRewrite()
    {
        ushort seq = _sequence++;
        RtpHeader.Rewrite(_rtp, 0x11223344, seq, seq * 3000u);
        return _rtp[3];
    }

    /// <summary>Builds a compound RR (one block) + SDES CNAME.</summary>
    [Benchmark]
    public int RtcpReceiverReportBuild()
    {
        var writer = new RtcpWriter(_rtcp);
        writer.TryWriteReceiverReport(0x42, _blocks);
        writer.TryWriteSourceDescription(0x42, "relay@tinh.example");
        return writer.BytesWritten;
    }

    /// <summary>Classifies an FU-A payload (the common video packet).</summary>
    [Benchmark]
    public H264PayloadFlags H264ClassifyFuA() => H264Payload.Classify(_rtp.AsSpan(20)).Flags;

    /// <summary>Classifies a STAP-A with SPS, PPS and IDR.</summary>
    [Benchmark]
    public H264PayloadFlags H264ClassifyStapA() => H264Payload.Classify(_stapA).Flags;
}
