using System.Buffers.Binary;

namespace Conferencing.Sip.Rtp;

/// <summary>
/// Puts H.264 RTP payloads (RFC 6184: single NAL units, STAP-A, FU-A) back into access units in
/// Annex B form (each unit after a 00 00 00 01 start code), one access unit per RTP timestamp. An
/// access unit with a lost packet (a sequence gap or a fragment missing its start) is dropped
/// whole rather than handed on broken. For receivers off the packet path (a preview, a test);
/// the relay itself never reassembles.
/// </summary>
public sealed class H264Depacketizer
{
    private static readonly byte[] StartCode = [0, 0, 0, 1];

    private readonly MemoryStream _unit = new();
    private uint _timestamp;
    private int _lastSequence = -1;
    private bool _broken;
    private bool _inFragment;
    private bool _hasData;

    /// <summary>Access units dropped because a packet of theirs was lost or malformed.</summary>
    public long DroppedAccessUnits { get; private set; }

    /// <summary>
    /// Takes one RTP packet; returns the access unit it completes (on the marker bit, or when a
    /// packet of the next timestamp shows the previous one ended), or null.
    /// </summary>
    public H264AccessUnit? Push(in RtpPacket packet)
    {
        // A lost packet may have ended the previous picture or begun this one: both are dropped.
        bool gap = _lastSequence >= 0 && packet.SequenceNumber != (ushort)(_lastSequence + 1);
        H264AccessUnit? done = null;
        if (_hasData && packet.Timestamp != _timestamp)
        {
            _broken |= gap;
            done = Complete();
        }

        _broken |= gap;
        _lastSequence = packet.SequenceNumber;
        _timestamp = packet.Timestamp;
        _hasData = true;
        Append(packet.Payload);
        if (packet.Marker)
        {
            done ??= Complete();
        }

        return done;
    }

    private void Append(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty || (payload[0] & 0x80) != 0)
        {
            _broken = true;
            return;
        }

        int type = payload[0] & 0x1F;
        switch (type)
        {
            case >= 1 and <= 23:
                _inFragment = false;
                WriteUnit(payload);
                break;
            case H264Payload.StapA:
                _inFragment = false;
                for (int offset = 1; offset < payload.Length;)
                {
                    if (offset + 2 > payload.Length)
                    {
                        _broken = true;
                        return;
                    }

                    int size = BinaryPrimitives.ReadUInt16BigEndian(payload[offset..]);
                    offset += 2;
                    if (size == 0 || offset + size > payload.Length)
                    {
                        _broken = true;
                        return;
                    }

                    WriteUnit(payload.Slice(offset, size));
                    offset += size;
                }

                break;
            case H264Payload.FuA when payload.Length > 2:
                bool start = (payload[1] & 0x80) != 0;
                bool end = (payload[1] & 0x40) != 0;
                if (start)
                {
                    _unit.Write(StartCode);
                    _unit.WriteByte((byte)((payload[0] & 0xE0) | (payload[1] & 0x1F)));
                    _inFragment = true;
                }
                else if (!_inFragment)
                {
                    _broken = true;
                    return;
                }

                _unit.Write(payload[2..]);
                if (end)
                {
                    _inFragment = false;
                }

                break;
            default:
                // STAP-B, MTAPs and FU-B need interleaved mode, which nobody negotiates with us.
                _broken = true;
                break;
        }
    }

    private void WriteUnit(ReadOnlySpan<byte> nal)
    {
        _unit.Write(StartCode);
        _unit.Write(nal);
    }

    private H264AccessUnit? Complete()
    {
        H264AccessUnit? unit = null;
        if (!_broken && !_inFragment && _unit.Length > 0)
        {
            unit = new H264AccessUnit(_timestamp, _unit.ToArray());
        }
        else
        {
            DroppedAccessUnits++;
        }

        _unit.SetLength(0);
        _broken = false;
        _inFragment = false;
        _hasData = false;
        return unit;
    }
}

/// <summary>One picture's NAL units in Annex B form, with the RTP timestamp they carried.</summary>
/// <param name="Timestamp">The RTP timestamp of the access unit.</param>
/// <param name="AnnexB">The units, each after a four-byte start code.</param>
public sealed record H264AccessUnit(uint Timestamp, byte[] AnnexB)
{
    /// <summary>True when the access unit holds an IDR slice: a decoder can start here (with SPS and PPS).</summary>
    public bool IsKeyframe => Contains(H264Payload.IdrSlice);

    /// <summary>True when the access unit carries a NAL unit of this type.</summary>
    public bool Contains(int nalType)
    {
        foreach (ReadOnlyMemory<byte> nal in H264Packetizer.SplitAnnexB(AnnexB))
        {
            if ((nal.Span[0] & 0x1F) == nalType)
            {
                return true;
            }
        }

        return false;
    }
}
