using System.Buffers.Binary;

namespace Conferencing.Sip.Rtp;

/// <summary>What an H.264 RTP payload holds, as far as a forwarding relay cares.</summary>
[Flags]
public enum H264PayloadFlags
{
    /// <summary>Nothing of note (e.g. a non-IDR slice or a middle fragment of one).</summary>
    None = 0,

    /// <summary>Holds an IDR slice (NAL type 5), or the first fragment of one.</summary>
    ContainsIdr = 1 << 0,

    /// <summary>Holds a sequence parameter set (NAL type 7).</summary>
    ContainsSps = 1 << 1,

    /// <summary>Holds a picture parameter set (NAL type 8).</summary>
    ContainsPps = 1 << 2,

    /// <summary>A fragmentation unit (FU-A or FU-B).</summary>
    IsFragment = 1 << 3,

    /// <summary>A fragmentation unit with the start bit: the first packet of a NAL unit.</summary>
    IsFragmentStart = 1 << 4,

    /// <summary>A fragmentation unit with the end bit: the last packet of a NAL unit.</summary>
    IsFragmentEnd = 1 << 5,

    /// <summary>An aggregation packet (STAP-A, STAP-B, MTAP16, MTAP24).</summary>
    IsAggregate = 1 << 6,

    /// <summary>The payload breaks RFC 6184 framing (truncated, zero-size unit, forbidden bit, reserved type).</summary>
    Malformed = 1 << 7,
}

/// <summary>The result of <see cref="H264Payload.Classify(ReadOnlySpan{byte})"/>.</summary>
/// <param name="Flags">What the payload holds.</param>
/// <param name="PacketType">The NAL unit type of the RTP payload header: 1-23 single NAL unit, 24-29 aggregation or fragmentation.</param>
/// <param name="NalType">The NAL type carried: the unit's own type for a single NAL unit, the fragmented unit's type for FU-A/FU-B, the first aggregated unit's type for STAP/MTAP.</param>
/// <param name="NalUnitCount">Number of NAL units (or fragments) in the payload.</param>
public readonly record struct H264PayloadInfo(H264PayloadFlags Flags, int PacketType, int NalType, int NalUnitCount)
{
    /// <summary>False when the payload is malformed.</summary>
    public bool IsValid => (Flags & H264PayloadFlags.Malformed) == 0;

    /// <summary>
    /// True when a decoder can start here: an IDR slice that is not the middle or end of a
    /// fragmented one. The relay switches a leg to a new source on such a packet.
    /// </summary>
    public bool IsKeyframeStart => (Flags & (H264PayloadFlags.ContainsIdr | H264PayloadFlags.Malformed)) == H264PayloadFlags.ContainsIdr
        && ((Flags & H264PayloadFlags.IsFragment) == 0 || (Flags & H264PayloadFlags.IsFragmentStart) != 0);
}

/// <summary>
/// Classifies H.264 RTP payloads (RFC 6184) without allocating: enough to find keyframes and
/// parameter sets in the packet stream the relay forwards, without decoding anything.
/// </summary>
public static class H264Payload
{
    /// <summary>NAL unit type of a coded slice of an IDR picture.</summary>
    public const int IdrSlice = 5;

    /// <summary>NAL unit type of a sequence parameter set.</summary>
    public const int SequenceParameterSet = 7;

    /// <summary>NAL unit type of a picture parameter set.</summary>
    public const int PictureParameterSet = 8;

    /// <summary>Single-time aggregation packet, type A.</summary>
    public const int StapA = 24;

    /// <summary>Single-time aggregation packet, type B (with decoding order number).</summary>
    public const int StapB = 25;

    /// <summary>Multi-time aggregation packet with 16-bit timestamp offsets.</summary>
    public const int Mtap16 = 26;

    /// <summary>Multi-time aggregation packet with 24-bit timestamp offsets.</summary>
    public const int Mtap24 = 27;

    /// <summary>Fragmentation unit, type A.</summary>
    public const int FuA = 28;

    /// <summary>Fragmentation unit, type B (with decoding order number).</summary>
    public const int FuB = 29;

    /// <summary>Classifies one RTP payload; malformed payloads get <see cref="H264PayloadFlags.Malformed"/>.</summary>
    public static H264PayloadInfo Classify(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return new H264PayloadInfo(H264PayloadFlags.Malformed, 0, 0, 0);
        }

        byte header = payload[0];
        int type = header & 0x1F;
        if ((header & 0x80) != 0)
        {
            return new H264PayloadInfo(H264PayloadFlags.Malformed, type, type, 0);
        }

        return type switch
        {
            >= 1 and <= 23 => new H264PayloadInfo(FlagsOf(type), type, type, 1),
            StapA => ClassifyAggregate(payload, type, prefix: 1, unitHeader: 0),
            StapB => ClassifyAggregate(payload, type, prefix: 3, unitHeader: 0),
            Mtap16 => ClassifyAggregate(payload, type, prefix: 3, unitHeader: 3),
            Mtap24 => ClassifyAggregate(payload, type, prefix: 3, unitHeader: 4),
            FuA => ClassifyFragment(payload, type, headerLength: 2),
            FuB => ClassifyFragment(payload, type, headerLength: 4),
            _ => new H264PayloadInfo(H264PayloadFlags.Malformed, type, type, 0), // 0, 30, 31: undefined
        };
    }

    /// <summary>Classifies one RTP payload; false when it is malformed.</summary>
    public static bool TryClassify(ReadOnlySpan<byte> payload, out H264PayloadInfo info)
    {
        info = Classify(payload);
        return info.IsValid;
    }

    private static H264PayloadInfo ClassifyAggregate(ReadOnlySpan<byte> payload, int type, int prefix, int unitHeader)
    {
        // Every unit is a 16-bit size, then (MTAP only) DOND and timestamp offset, then the NAL
        // unit; the size counts the MTAP fields too. A size running past the end is malformed.
        H264PayloadFlags flags = H264PayloadFlags.IsAggregate;
        int offset = prefix;
        int count = 0;
        int firstType = 0;
        if (offset >= payload.Length)
        {
            return new H264PayloadInfo(flags | H264PayloadFlags.Malformed, type, 0, 0);
        }

        while (offset < payload.Length)
        {
            if (offset + 2 > payload.Length)
            {
                return new H264PayloadInfo(flags | H264PayloadFlags.Malformed, type, firstType, count);
            }

            int size = BinaryPrimitives.ReadUInt16BigEndian(payload[offset..]);
            offset += 2;
            if (size <= unitHeader || offset + size > payload.Length)
            {
                return new H264PayloadInfo(flags | H264PayloadFlags.Malformed, type, firstType, count);
            }

            byte nal = payload[offset + unitHeader];
            int nalType = nal & 0x1F;
            if ((nal & 0x80) != 0)
            {
                return new H264PayloadInfo(flags | H264PayloadFlags.Malformed, type, firstType, count);
            }

            if (count++ == 0)
            {
                firstType = nalType;
            }

            flags |= FlagsOf(nalType);
            offset += size;
        }

        return new H264PayloadInfo(flags, type, firstType, count);
    }

    private static H264PayloadInfo ClassifyFragment(ReadOnlySpan<byte> payload, int type, int headerLength)
    {
        // The FU header follows the indicator; FU-B adds a 16-bit DON. A fragment must carry at
        // least one byte of the NAL unit and cannot both start and end it (RFC 6184 5.8).
        if (payload.Length <= headerLength)
        {
            return new H264PayloadInfo(H264PayloadFlags.IsFragment | H264PayloadFlags.Malformed, type, 0, 0);
        }

        byte fu = payload[1];
        int nalType = fu & 0x1F;
        H264PayloadFlags flags = H264PayloadFlags.IsFragment | FlagsOf(nalType);
        bool start = (fu & 0x80) != 0;
        bool end = (fu & 0x40) != 0;
        if (start)
        {
            flags |= H264PayloadFlags.IsFragmentStart;
        }

        if (end)
        {
            flags |= H264PayloadFlags.IsFragmentEnd;
        }

        if ((start && end) || (type == FuB && !start))
        {
            flags |= H264PayloadFlags.Malformed;
        }

        return new H264PayloadInfo(flags, type, nalType, 1);
    }

    private static H264PayloadFlags FlagsOf(int nalType) => nalType switch
    {
        IdrSlice => H264PayloadFlags.ContainsIdr,
        SequenceParameterSet => H264PayloadFlags.ContainsSps,
        PictureParameterSet => H264PayloadFlags.ContainsPps,
        _ => H264PayloadFlags.None,
    };
}
