using System.Net;
using System.Net.Sockets;

namespace Conferencing.Relay.Media;

/// <summary>
/// Hands out RTP/RTCP socket pairs from the configured range (RTP even, RTCP the next odd port, as
/// RFC 3550 11 suggests and older room systems assume) or, with range 0, from ports the system
/// picks, trying for an adjacent pair and falling back to any RTCP port (announced with a=rtcp).
/// </summary>
internal sealed class MediaPortAllocator
{
    private const int EphemeralPairAttempts = 16;
    private readonly IPAddress _address;
    private readonly int _first;
    private readonly int _last;
    private readonly int _bufferBytes;
    private readonly HashSet<int> _inUse = [];
    private readonly Lock _lock = new();
    private int _cursor;

    public MediaPortAllocator(IPAddress address, (int First, int Last) range, int bufferBytes)
    {
        _address = address;
        _first = range.First + (range.First % 2);
        _last = range.Last;
        _bufferBytes = bufferBytes;
        _cursor = _first;
    }

    public IPAddress Address => _address;

    /// <summary>Binds an RTP and an RTCP socket; throws <see cref="RelayException"/> when the range is used up.</summary>
    public (MediaSocket Rtp, MediaSocket Rtcp) AllocatePair()
    {
        return _first == 0 ? AllocateEphemeral() : AllocateFromRange();
    }

    public void Release(MediaSocket rtp, MediaSocket rtcp)
    {
        lock (_lock)
        {
            _inUse.Remove(rtp.Port);
        }
    }

    private (MediaSocket, MediaSocket) AllocateFromRange()
    {
        lock (_lock)
        {
            int pairs = (_last - _first + 1) / 2;
            for (int i = 0; i < pairs; i++)
            {
                int port = _cursor;
                _cursor += 2;
                if (_cursor + 1 > _last)
                {
                    _cursor = _first;
                }

                if (_inUse.Contains(port) || TryBind(port) is not { } rtp)
                {
                    continue;
                }

                if (TryBind(port + 1) is not { } rtcp)
                {
                    rtp.Dispose();
                    continue;
                }

                _inUse.Add(port);
                return (rtp, rtcp);
            }
        }

        throw new RelayException(RelayErrorKind.Unavailable, "relay.ports-exhausted", $"No free media port pair in {_first}-{_last}.");
    }

    private (MediaSocket, MediaSocket) AllocateEphemeral()
    {
        for (int attempt = 0; attempt < EphemeralPairAttempts; attempt++)
        {
            var rtp = MediaSocket.Bind(_address, 0, _bufferBytes);
            if (rtp.Port < 65535 && TryBind(rtp.Port + 1) is { } rtcp)
            {
                return (rtp, rtcp);
            }

            rtp.Dispose();
        }

        return (MediaSocket.Bind(_address, 0, _bufferBytes), MediaSocket.Bind(_address, 0, _bufferBytes));
    }

    private MediaSocket? TryBind(int port)
    {
        try
        {
            return MediaSocket.Bind(_address, port, _bufferBytes);
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
