using System.Buffers.Binary;
using Conferencing.Sip.Rtp;

namespace Conferencing.Relay.Media;

/// <summary>
/// The latest SPS and PPS a source sent, copied out of its packets (single NAL units or STAP-A), so
/// a receiver that joins at an IDR without them in front can be given them first. Fixed buffers:
/// observing a packet allocates nothing.
/// </summary>
internal sealed class H264ParameterSets
{
    /// <summary>Parameter sets longer than this are not cached (real ones are tens of bytes).</summary>
    public const int MaxLength = 256;

    private readonly byte[] _sps = new byte[MaxLength];
    private readonly byte[] _pps = new byte[MaxLength];

    public int SpsLength { get; private set; }

    public int PpsLength { get; private set; }

    public bool HasBoth => SpsLength > 0 && PpsLength > 0;

    public ReadOnlySpan<byte> Sps => _sps.AsSpan(0, SpsLength);

    public ReadOnlySpan<byte> Pps => _pps.AsSpan(0, PpsLength);

    /// <summary>
    /// Primes the cache from an fmtp <c>sprop-parameter-sets</c> (RFC 6184 8.1: base64 NAL units,
    /// comma-separated), for sources that send their parameter sets only in the SDP.
    /// </summary>
    public void ObserveSdp(string? spropParameterSets)
    {
        if (string.IsNullOrWhiteSpace(spropParameterSets))
        {
            return;
        }

        Span<byte> nal = stackalloc byte[MaxLength];
        foreach (string item in spropParameterSets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (Convert.TryFromBase64String(item, nal, out int length))
            {
                Keep(nal[..length]);
            }
        }
    }

    /// <summary>Copies any SPS or PPS the payload carries.</summary>
    public void Observe(ReadOnlySpan<byte> payload, in H264PayloadInfo info)
    {
        if ((info.Flags & (H264PayloadFlags.ContainsSps | H264PayloadFlags.ContainsPps)) == 0 || !info.IsValid)
        {
            return;
        }

        if (info.PacketType is >= 1 and <= 23)
        {
            Keep(payload);
            return;
        }

        if (info.PacketType == H264Payload.StapA)
        {
            int offset = 1;
            while (offset + 2 <= payload.Length)
            {
                int size = BinaryPrimitives.ReadUInt16BigEndian(payload[offset..]);
                offset += 2;
                if (size == 0 || offset + size > payload.Length)
                {
                    return;
                }

                Keep(payload.Slice(offset, size));
                offset += size;
            }
        }
    }

    private void Keep(ReadOnlySpan<byte> nal)
    {
        if (nal.IsEmpty || nal.Length > MaxLength)
        {
            return;
        }

        switch (nal[0] & 0x1F)
        {
            case H264Payload.SequenceParameterSet:
                nal.CopyTo(_sps);
                SpsLength = nal.Length;
                break;
            case H264Payload.PictureParameterSet:
                nal.CopyTo(_pps);
                PpsLength = nal.Length;
                break;
        }
    }
}
