namespace Conferencing.Sip.Rtp;

/// <summary>One RFC 8285 header extension element: its local identifier and its data.</summary>
public readonly ref struct RtpHeaderExtensionElement
{
    internal RtpHeaderExtensionElement(int id, ReadOnlySpan<byte> data)
    {
        Id = id;
        Data = data;
    }

    /// <summary>The local identifier negotiated with a=extmap (1-14 one-byte, 1-255 two-byte).</summary>
    public int Id { get; }

    /// <summary>The element's data bytes.</summary>
    public ReadOnlySpan<byte> Data { get; }
}

/// <summary>
/// Walks RFC 8285 one-byte and two-byte header extension elements without allocating. It stops
/// quietly at the first element that would run past the extension block, because a broken
/// extension must not stop the packet from being forwarded.
/// </summary>
public ref struct RtpHeaderExtensionEnumerator
{
    /// <summary>The "defined by profile" value announcing one-byte elements.</summary>
    public const ushort OneByteProfile = 0xBEDE;

    /// <summary>The upper 12 bits of the "defined by profile" value announcing two-byte elements.</summary>
    public const ushort TwoByteProfileMask = 0x1000;

    private readonly ReadOnlySpan<byte> _data;
    private readonly bool _oneByte;
    private int _offset;
    private RtpHeaderExtensionElement _current;

    internal RtpHeaderExtensionEnumerator(ushort profile, ReadOnlySpan<byte> data)
    {
        _oneByte = profile == OneByteProfile;
        bool twoByte = (profile & 0xFFF0) == TwoByteProfileMask;
        _data = _oneByte || twoByte ? data : default;
        _offset = 0;
        _current = default;
    }

    /// <summary>The element at the current position.</summary>
    public readonly RtpHeaderExtensionElement Current => _current;

    /// <summary>Allows <c>foreach</c> over the enumerator itself.</summary>
    public readonly RtpHeaderExtensionEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next element; false at the end or at a malformed element.</summary>
    public bool MoveNext()
    {
        while (_offset < _data.Length)
        {
            byte b = _data[_offset];
            if (b == 0)
            {
                _offset++; // padding between elements
                continue;
            }

            int id;
            int length;
            int dataOffset;
            if (_oneByte)
            {
                id = b >> 4;
                if (id == 15)
                {
                    // RFC 8285 4.2: id 15 means stop processing the rest of the block.
                    _offset = _data.Length;
                    return false;
                }

                length = (b & 0x0F) + 1;
                dataOffset = _offset + 1;
            }
            else
            {
                if (_offset + 2 > _data.Length)
                {
                    _offset = _data.Length;
                    return false;
                }

                id = b;
                length = _data[_offset + 1];
                dataOffset = _offset + 2;
            }

            if (dataOffset + length > _data.Length)
            {
                _offset = _data.Length;
                return false;
            }

            _current = new RtpHeaderExtensionElement(id, _data.Slice(dataOffset, length));
            _offset = dataOffset + length;
            return true;
        }

        return false;
    }
}
