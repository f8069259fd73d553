using System.Buffers.Binary;

namespace Conferencing.Sip.Rtp;

/// <summary>A sender report (RFC 3550 section 6.4.1) read from an <see cref="RtcpPacket"/>.</summary>
public readonly ref struct RtcpSenderReport
{
    /// <summary>Size of the sender info that precedes the report blocks.</summary>
    public const int SenderInfoLength = 24;

    private readonly ReadOnlySpan<byte> _body;

    private RtcpSenderReport(ReadOnlySpan<byte> body, int reportCount)
    {
        _body = body;
        ReportCount = reportCount;
    }

    /// <summary>The sender's SSRC.</summary>
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(_body);

    /// <summary>Wallclock time at which the report was sent.</summary>
    public NtpTimestamp NtpTimestamp => new(BinaryPrimitives.ReadUInt64BigEndian(_body[4..]));

    /// <summary>The RTP timestamp matching <see cref="NtpTimestamp"/>.</summary>
    public uint RtpTimestamp => BinaryPrimitives.ReadUInt32BigEndian(_body[12..]);

    /// <summary>Packets sent since the start of transmission.</summary>
    public uint PacketCount => BinaryPrimitives.ReadUInt32BigEndian(_body[16..]);

    /// <summary>Payload octets sent since the start of transmission.</summary>
    public uint OctetCount => BinaryPrimitives.ReadUInt32BigEndian(_body[20..]);

    /// <summary>Number of report blocks.</summary>
    public int ReportCount { get; }

    /// <summary>The report block at <paramref name="index"/>.</summary>
    public RtcpReportBlock GetReportBlock(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ReportCount);
        return RtcpReportBlock.Read(_body[(SenderInfoLength + (index * RtcpReportBlock.Length))..]);
    }

    /// <summary>Reads an SR; false when the packet is not one or is too short for its report count.</summary>
    public static bool TryRead(RtcpPacket packet, out RtcpSenderReport report)
    {
        report = default;
        if (packet.Type != RtcpPacketType.SenderReport || packet.Body.Length < SenderInfoLength + (packet.Count * RtcpReportBlock.Length))
        {
            return false;
        }

        report = new RtcpSenderReport(packet.Body, packet.Count);
        return true;
    }
}

/// <summary>A receiver report (RFC 3550 section 6.4.2) read from an <see cref="RtcpPacket"/>.</summary>
public readonly ref struct RtcpReceiverReport
{
    private readonly ReadOnlySpan<byte> _body;

    private RtcpReceiverReport(ReadOnlySpan<byte> body, int reportCount)
    {
        _body = body;
        ReportCount = reportCount;
    }

    /// <summary>The reporter's SSRC.</summary>
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(_body);

    /// <summary>Number of report blocks.</summary>
    public int ReportCount { get; }

    /// <summary>The report block at <paramref name="index"/>.</summary>
    public RtcpReportBlock GetReportBlock(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ReportCount);
        return RtcpReportBlock.Read(_body[(4 + (index * RtcpReportBlock.Length))..]);
    }

    /// <summary>Reads an RR; false when the packet is not one or is too short for its report count.</summary>
    public static bool TryRead(RtcpPacket packet, out RtcpReceiverReport report)
    {
        report = default;
        if (packet.Type != RtcpPacketType.ReceiverReport || packet.Body.Length < 4 + (packet.Count * RtcpReportBlock.Length))
        {
            return false;
        }

        report = new RtcpReceiverReport(packet.Body, packet.Count);
        return true;
    }
}

/// <summary>A BYE packet (RFC 3550 section 6.6).</summary>
public readonly ref struct RtcpBye
{
    private readonly ReadOnlySpan<byte> _body;

    private RtcpBye(ReadOnlySpan<byte> body, int sourceCount, ReadOnlySpan<byte> reason)
    {
        _body = body;
        SourceCount = sourceCount;
        Reason = reason;
    }

    /// <summary>Number of sources leaving.</summary>
    public int SourceCount { get; }

    /// <summary>The optional reason for leaving, UTF-8, empty when absent.</summary>
    public ReadOnlySpan<byte> Reason { get; }

    /// <summary>The SSRC at <paramref name="index"/>.</summary>
    public uint GetSsrc(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, SourceCount);
        return BinaryPrimitives.ReadUInt32BigEndian(_body[(4 * index)..]);
    }

    /// <summary>Reads a BYE; false when the packet is not one or its reason overruns the packet.</summary>
    public static bool TryRead(RtcpPacket packet, out RtcpBye bye)
    {
        bye = default;
        ReadOnlySpan<byte> body = packet.Body;
        int ssrcBytes = 4 * packet.Count;
        if (packet.Type != RtcpPacketType.Goodbye || body.Length < ssrcBytes)
        {
            return false;
        }

        ReadOnlySpan<byte> reason = default;
        if (body.Length > ssrcBytes)
        {
            int reasonLength = body[ssrcBytes];
            if (ssrcBytes + 1 + reasonLength > body.Length)
            {
                return false;
            }

            reason = body.Slice(ssrcBytes + 1, reasonLength);
        }

        bye = new RtcpBye(body, packet.Count, reason);
        return true;
    }
}

/// <summary>An APP packet (RFC 3550 section 6.7).</summary>
public readonly ref struct RtcpApp
{
    private RtcpApp(int subtype, uint ssrc, ReadOnlySpan<byte> name, ReadOnlySpan<byte> data)
    {
        Subtype = subtype;
        Ssrc = ssrc;
        Name = name;
        Data = data;
    }

    /// <summary>The 5-bit subtype.</summary>
    public int Subtype { get; }

    /// <summary>The sender's SSRC.</summary>
    public uint Ssrc { get; }

    /// <summary>The four ASCII bytes naming the application.</summary>
    public ReadOnlySpan<byte> Name { get; }

    /// <summary>The application-dependent data.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Reads an APP packet; false when the packet is not one or is shorter than 8 body bytes.</summary>
    public static bool TryRead(RtcpPacket packet, out RtcpApp app)
    {
        app = default;
        ReadOnlySpan<byte> body = packet.Body;
        if (packet.Type != RtcpPacketType.Application || body.Length < 8)
        {
            return false;
        }

        app = new RtcpApp(packet.Count, BinaryPrimitives.ReadUInt32BigEndian(body), body.Slice(4, 4), body[8..]);
        return true;
    }
}
