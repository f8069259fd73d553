using System.Buffers.Binary;

namespace Conferencing.Sip.Rtp;

/// <summary>SDES item types (RFC 3550 section 6.5).</summary>
public enum RtcpSdesType : byte
{
    /// <summary>End of the item list of a chunk.</summary>
    End = 0,

    /// <summary>Canonical end-point identifier.</summary>
    CanonicalName = 1,

    /// <summary>User name.</summary>
    Name = 2,

    /// <summary>Electronic mail address.</summary>
    Email = 3,

    /// <summary>Phone number.</summary>
    Phone = 4,

    /// <summary>Geographic location.</summary>
    Location = 5,

    /// <summary>Application or tool name.</summary>
    Tool = 6,

    /// <summary>Notice or status.</summary>
    Note = 7,

    /// <summary>Private extension.</summary>
    Private = 8,
}

/// <summary>One SDES item together with the SSRC of the chunk it belongs to.</summary>
public readonly ref struct RtcpSdesItem
{
    internal RtcpSdesItem(uint ssrc, RtcpSdesType type, ReadOnlySpan<byte> value)
    {
        Ssrc = ssrc;
        Type = type;
        Value = value;
    }

    /// <summary>The source described.</summary>
    public uint Ssrc { get; }

    /// <summary>The item type.</summary>
    public RtcpSdesType Type { get; }

    /// <summary>The item text, UTF-8.</summary>
    public ReadOnlySpan<byte> Value { get; }
}

/// <summary>
/// Enumerates the items of every chunk of an SDES packet. Stops at the first item or chunk that
/// runs past the packet; <see cref="IsMalformed"/> then says so.
/// </summary>
public ref struct RtcpSourceDescriptionReader
{
    private readonly ReadOnlySpan<byte> _body;
    private int _chunksLeft;
    private int _offset;
    private uint _ssrc;
    private bool _inChunk;
    private RtcpSdesItem _current;

    /// <summary>Reads the SDES packet <paramref name="packet"/>; yields nothing if it is not SDES.</summary>
    public RtcpSourceDescriptionReader(RtcpPacket packet)
    {
        bool isSdes = packet.Type == RtcpPacketType.SourceDescription;
        _body = isSdes ? packet.Body : default;
        _chunksLeft = isSdes ? packet.Count : 0;
        _offset = 0;
        _ssrc = 0;
        _inChunk = false;
        _current = default;
        IsMalformed = false;
    }

    /// <summary>The item at the current position.</summary>
    public readonly RtcpSdesItem Current => _current;

    /// <summary>True when enumeration stopped at a malformed chunk.</summary>
    public bool IsMalformed { get; private set; }

    /// <summary>Allows <c>foreach</c>.</summary>
    public readonly RtcpSourceDescriptionReader GetEnumerator() => this;

    /// <summary>Advances to the next item.</summary>
    public bool MoveNext()
    {
        while (true)
        {
            if (!_inChunk)
            {
                if (_chunksLeft == 0)
                {
                    return false;
                }

                if (_offset + 4 > _body.Length)
                {
                    return Fail();
                }

                _ssrc = BinaryPrimitives.ReadUInt32BigEndian(_body[_offset..]);
                _offset += 4;
                _chunksLeft--;
                _inChunk = true;
            }

            if (_offset >= _body.Length)
            {
                return Fail();
            }

            var type = (RtcpSdesType)_body[_offset];
            if (type == RtcpSdesType.End)
            {
                // The null item ends the chunk; the chunk is padded to the next 32-bit boundary.
                _offset = (_offset + 4) & ~3;
                _inChunk = false;
                continue;
            }

            if (_offset + 2 > _body.Length)
            {
                return Fail();
            }

            int length = _body[_offset + 1];
            if (_offset + 2 + length > _body.Length)
            {
                return Fail();
            }

            _current = new RtcpSdesItem(_ssrc, type, _body.Slice(_offset + 2, length));
            _offset += 2 + length;
            return true;
        }
    }

    /// <summary>Finds the first CNAME of an SDES packet.</summary>
    public static bool TryGetCanonicalName(RtcpPacket packet, out uint ssrc, out ReadOnlySpan<byte> canonicalName)
    {
        foreach (RtcpSdesItem item in new RtcpSourceDescriptionReader(packet))
        {
            if (item.Type == RtcpSdesType.CanonicalName)
            {
                ssrc = item.Ssrc;
                canonicalName = item.Value;
                return true;
            }
        }

        ssrc = 0;
        canonicalName = default;
        return false;
    }

    private bool Fail()
    {
        IsMalformed = true;
        _chunksLeft = 0;
        _inChunk = false;
        return false;
    }
}
