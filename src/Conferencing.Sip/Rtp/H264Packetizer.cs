using System.Buffers.Binary;

namespace Conferencing.Sip.Rtp;

/// <summary>
/// Cuts H.264 NAL units into RTP payloads (RFC 6184): a unit that fits goes as a single NAL unit
/// packet, a longer one as FU-A fragments, and small units of one picture can share a STAP-A.
/// Writes into caller buffers and allocates nothing.
/// </summary>
public static class H264Packetizer
{
    /// <summary>Bytes an FU-A adds in front of each fragment: the FU indicator and the FU header.</summary>
    public const int FuAHeaderLength = 2;

    /// <summary>
    /// Writes the next RTP payload of <paramref name="nal"/> from <paramref name="position"/> (0 for
    /// the first) and advances it; the unit is done when <paramref name="position"/> reaches its length.
    /// A unit that fits in <paramref name="maxPayloadSize"/> is written whole; otherwise as FU-A
    /// fragments (RFC 6184 5.8) whose NRI and type come from the unit's header.
    /// </summary>
    /// <returns>The payload's length in <paramref name="destination"/>.</returns>
    /// <exception cref="ArgumentException">The unit is empty, the size leaves no room for a fragment, or the destination is too small.</exception>
    public static int WriteNext(ReadOnlySpan<byte> nal, ref int position, int maxPayloadSize, Span<byte> destination)
    {
        if (nal.IsEmpty)
        {
            throw new ArgumentException("A NAL unit has at least its header byte.", nameof(nal));
        }

        if (maxPayloadSize <= FuAHeaderLength || destination.Length < Math.Min(maxPayloadSize, nal.Length))
        {
            throw new ArgumentException("The payload size leaves no room for a fragment, or the destination is smaller than it.", nameof(maxPayloadSize));
        }

        if (position == 0 && nal.Length <= maxPayloadSize)
        {
            nal.CopyTo(destination);
            position = nal.Length;
            return nal.Length;
        }

        // The unit's header byte travels in the FU indicator and header, not in the fragments.
        int start = position == 0 ? 1 : position;
        int chunk = Math.Min(maxPayloadSize - FuAHeaderLength, nal.Length - start);
        bool first = start == 1;
        bool last = start + chunk == nal.Length;
        destination[0] = (byte)((nal[0] & 0xE0) | H264Payload.FuA);
        destination[1] = (byte)((first ? 0x80 : 0) | (last ? 0x40 : 0) | (nal[0] & 0x1F));
        nal.Slice(start, chunk).CopyTo(destination[FuAHeaderLength..]);
        position = start + chunk;
        return chunk + FuAHeaderLength;
    }

    /// <summary>The length of a STAP-A (RFC 6184 5.7.1) holding units of these lengths.</summary>
    public static int StapALength(ReadOnlySpan<int> nalLengths)
    {
        int length = 1;
        foreach (int n in nalLengths)
        {
            length += 2 + n;
        }

        return length;
    }

    /// <summary>
    /// Starts a STAP-A in <paramref name="destination"/>; add units with <see cref="AppendToStapA"/>.
    /// The F bit and NRI of the aggregate are raised to the highest of its units as they are added.
    /// </summary>
    /// <returns>The length written so far (1).</returns>
    public static int BeginStapA(Span<byte> destination)
    {
        destination[0] = H264Payload.StapA;
        return 1;
    }

    /// <summary>Appends one NAL unit to a STAP-A begun with <see cref="BeginStapA"/>.</summary>
    /// <returns>The STAP-A's new length.</returns>
    public static int AppendToStapA(Span<byte> destination, int length, ReadOnlySpan<byte> nal)
    {
        if (nal.IsEmpty || nal.Length > ushort.MaxValue || destination.Length < length + 2 + nal.Length)
        {
            throw new ArgumentException("The unit is empty, too long for a STAP-A, or does not fit.", nameof(nal));
        }

        destination[0] = (byte)(H264Payload.StapA | Math.Max(destination[0] & 0x60, nal[0] & 0x60) | ((destination[0] | nal[0]) & 0x80));
        BinaryPrimitives.WriteUInt16BigEndian(destination[length..], (ushort)nal.Length);
        nal.CopyTo(destination[(length + 2)..]);
        return length + 2 + nal.Length;
    }

    /// <summary>
    /// Splits an H.264 Annex B byte stream (units after 00 00 01 or 00 00 00 01 start codes) into its
    /// NAL units, as slices of <paramref name="stream"/>; trailing zero bytes of a unit are dropped.
    /// </summary>
    public static List<ReadOnlyMemory<byte>> SplitAnnexB(ReadOnlyMemory<byte> stream)
    {
        var units = new List<ReadOnlyMemory<byte>>();
        ReadOnlySpan<byte> span = stream.Span;
        int start = -1;
        int i = 0;
        while (i + 2 < span.Length)
        {
            if (span[i] == 0 && span[i + 1] == 0 && span[i + 2] == 1)
            {
                if (start >= 0)
                {
                    AddUnit(units, stream, start, i);
                }

                i += 3;
                start = i;
                continue;
            }

            i++;
        }

        if (start >= 0)
        {
            AddUnit(units, stream, start, span.Length);
        }

        return units;
    }

    private static void AddUnit(List<ReadOnlyMemory<byte>> units, ReadOnlyMemory<byte> stream, int start, int end)
    {
        ReadOnlySpan<byte> span = stream.Span;
        while (end > start && span[end - 1] == 0)
        {
            end--;
        }

        if (end > start)
        {
            units.Add(stream[start..end]);
        }
    }
}
