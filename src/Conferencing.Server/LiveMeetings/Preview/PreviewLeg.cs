using System.Net;
using System.Net.Sockets;
using Conferencing.Sip.Rtp;
using Conferencing.Sip.UserAgent;

namespace Conferencing.Server.LiveMeetings.Preview;

/// <summary>
/// One meeting's preview leg: the video the top relay sends it (the program, as every listener gets
/// it), put back into pictures off the relay's packet path, keeping only the latest keyframe with its
/// parameter sets; and the last still decoded from it.
/// </summary>
internal sealed class PreviewLeg : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private byte[]? _sps;
    private byte[]? _pps;
    private (byte[] AnnexB, long Serial, DateTimeOffset AtUtc)? _keyframe;
    private long _serial;
    private Task? _receive;

    public PreviewLeg(Guid meetingId, string number)
    {
        MeetingId = meetingId;
        Number = number;
    }

    public Guid MeetingId { get; }

    /// <summary>The relay meeting number, so a meeting re-opened under another number is dialled again.</summary>
    public string Number { get; }

    public DateTimeOffset LastWatchedUtc { get; set; }

    public DateTimeOffset LastDialUtc { get; set; }

    public DateTimeOffset LastKeyframeRequestUtc { get; set; }

    public SipCall? Call { get; set; }

    public Socket? Socket { get; private set; }

    public SemaphoreSlim Decoding { get; } = new(1, 1);

    /// <summary>The last still: its JPEG, the keyframe it was decoded from, when it was made.</summary>
    public (byte[] Jpeg, long Serial, DateTimeOffset AtUtc)? Still { get; set; }

    /// <summary>The latest keyframe as a decoder can start from it (SPS, PPS, then the picture), or null before one came.</summary>
    public (byte[] AnnexB, long Serial, DateTimeOffset AtUtc)? Keyframe
    {
        get
        {
            lock (_lock)
            {
                return _keyframe;
            }
        }
    }

    /// <summary>Binds the RTP socket (and the RTCP one beside it, which nobody reads) for the answer.</summary>
    public int Bind(IPAddress address)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var rtp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            rtp.Bind(new IPEndPoint(address, 0));
            var port = ((IPEndPoint)rtp.LocalEndPoint!).Port;
            if (port % 2 == 0)
            {
                Socket?.Dispose();
                Socket = rtp;
                return port;
            }

            rtp.Dispose();
        }

        throw new SocketException((int)SocketError.AddressAlreadyInUse);
    }

    public void StartReceiving(TimeProvider time) => _receive ??= Task.Run(() => ReceiveAsync(time, _stop.Token));

    private async Task ReceiveAsync(TimeProvider time, CancellationToken stop)
    {
        var depacketizer = new H264Depacketizer();
        var buffer = new byte[2048];
        while (!stop.IsCancellationRequested && Socket is { } socket)
        {
            int length;
            try
            {
                length = await socket.ReceiveAsync(buffer, SocketFlags.None, stop).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (RtpPacket.TryRead(buffer.AsSpan(0, length), out var packet) && depacketizer.Push(packet) is { } unit)
            {
                Keep(unit, time.GetUtcNow());
            }
        }
    }

    private void Keep(H264AccessUnit unit, DateTimeOffset now)
    {
        byte[]? sps = null, pps = null;
        var idr = false;
        foreach (var nal in H264Packetizer.SplitAnnexB(unit.AnnexB))
        {
            switch (nal.Span[0] & 0x1F)
            {
                case H264Payload.SequenceParameterSet:
                    sps = nal.ToArray();
                    break;
                case H264Payload.PictureParameterSet:
                    pps = nal.ToArray();
                    break;
                case H264Payload.IdrSlice:
                    idr = true;
                    break;
            }
        }

        lock (_lock)
        {
            _sps = sps ?? _sps;
            _pps = pps ?? _pps;
            if (!idr || _sps is null || _pps is null)
            {
                return;
            }

            // The relay may give an IDR its parameter sets in packets of their own, or a camera only once: put them in front.
            byte[] annexB = sps is null || pps is null ? [0, 0, 0, 1, .. _sps, 0, 0, 0, 1, .. _pps, .. unit.AnnexB] : unit.AnnexB;
            _keyframe = (annexB, ++_serial, now);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Socket?.Dispose();
        if (_receive is not null)
        {
            await _receive.ConfigureAwait(false);
        }

        if (Call is { IsActive: true } call)
        {
            try
            {
                await call.HangUpAsync("preview no longer watched").ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
        Decoding.Dispose();
    }
}
