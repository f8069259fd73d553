using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Conferencing.Sip.Rtp;
using Conferencing.Sip.Sdp;
using Microsoft.Extensions.Logging;

namespace Conferencing.Relay.Media;

/// <summary>
/// One media kind of one meeting: a shared RTP socket and a shared RTCP socket that every leg sends
/// to, told apart by source address, each with its receive thread. The RTP thread forwards each
/// packet of a source to every leg that receives it (<see cref="MediaChannel.Forward"/>); the RTCP
/// thread reads reports and keyframe requests; the node's report loop sends SR/RR.
/// </summary>
internal sealed partial class MediaChannel : IDisposable
{
    private readonly MeetingMedia _meeting;
    private readonly MediaSocket _rtp;
    private readonly MediaSocket _rtcp;
    private readonly FanOut _fanOut;
    private readonly ILogger _logger;
    private readonly bool _gateKeyframes;
    private readonly bool _latching;
    private readonly long _switchTimeoutTicks;
    private readonly double _clockPerTick;
    private readonly byte[] _injection = new byte[RtpPacket.FixedHeaderLength + (15 * 4) + H264ParameterSets.MaxLength];
    private readonly Lock _publishLock = new();
    private Routing _routing = Routing.Empty;

    /// <summary>The meeting's mix while its audio is mixed: audio packets go there instead of being forwarded.</summary>
    internal volatile Mixing.MeetingMix? Mix;
    private int _appliedVersion;

    // Datagrams dropped on this channel's ports, by reason (see MediaDrops).
    internal long TooShort;
    internal long BadVersion;
    internal long Malformed;
    internal long UnknownSource;
    internal long UnknownPayloadType;
    internal long BadRtcp;
    internal long Latched;

    public MediaChannel(MeetingMedia meeting, MediaKind kind, IReadOnlyList<MediaFormat> codecs, MediaSocket rtp, MediaSocket rtcp, RelayOptions options, ILogger logger)
    {
        _meeting = meeting;
        Kind = kind;
        Codecs = codecs;
        ClockRate = codecs[0].ClockRate;
        _rtp = rtp;
        _rtcp = rtcp;
        _logger = logger;
        _fanOut = FanOut.Create(rtp, options.BatchedSend);
        BatchedSend = options.BatchedSend;
        _gateKeyframes = kind == MediaKind.Video && codecs[0].IsH264;
        _latching = options.Latching;
        _switchTimeoutTicks = (long)(options.SwitchTimeout.TotalSeconds * Stopwatch.Frequency);
        _clockPerTick = (double)ClockRate / Stopwatch.Frequency;
    }

    public MediaKind Kind { get; }

    /// <summary>The profile's codecs of this kind; a stream's codec index points in here.</summary>
    public IReadOnlyList<MediaFormat> Codecs { get; }

    /// <summary>The RTP clock rate of the main codec.</summary>
    public int ClockRate { get; }

    public int RtpPort => _rtp.Port;

    public int RtcpPort => _rtcp.Port;

    public bool IsBatched => _fanOut.IsBatched;

    public long SendErrors => _fanOut.SendErrors;

    public long SystemCalls => _fanOut.SystemCalls;

    /// <summary>Bytes the RTP receive thread (the packet path) has allocated so far.</summary>
    public long PacketPathAllocatedBytes => Volatile.Read(ref _rtp.ThreadAllocatedBytes);

    public Routing Routing => Volatile.Read(ref _routing);

    /// <summary>The RTP socket, which the mix sends from.</summary>
    internal MediaSocket RtpSocket => _rtp;

    internal bool BatchedSend { get; }

    public void Start(string name)
    {
        _rtp.Start($"{name} {Kind} rtp", new RtpReceiver(this), OnHandlerError);
        _rtcp.Start($"{name} {Kind} rtcp", new RtcpReceiver(this), OnHandlerError);
    }

    /// <summary>Publishes a new set of streams and program, built under the channel's lock so latching cannot interleave.</summary>
    public void Publish(int version, LegStream[] streams, LegMedia? program, LegMedia? returnFeed)
    {
        lock (_publishLock)
        {
            Volatile.Write(ref _routing, new Routing(version, streams, program, returnFeed));
        }
    }

    /// <summary>Sends an RTCP packet to a leg: to its RTCP port, or to its RTP port from the RTP socket with rtcp-mux.</summary>
    public void SendRtcp(LegStream stream, ReadOnlySpan<byte> packet)
    {
        try
        {
            (stream.RtcpMux ? _rtp : _rtcp).Socket.SendTo(packet, SocketFlags.None, stream.RtcpAddress);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _fanOut.SendErrors);
        }
    }

    public void Dispose()
    {
        _rtp.Dispose();
        _rtcp.Dispose();
        _fanOut.Dispose();
    }

    internal void Release(MediaPortAllocator ports) => ports.Release(_rtp, _rtcp);

    /// <summary>One datagram on the RTP port (the receive thread, or a test or benchmark driving it directly).</summary>
    internal void OnRtp(Span<byte> datagram, SocketAddress from)
    {
        Routing routing = Volatile.Read(ref _routing);

        // RFC 5761 4: with rtcp-mux, RTCP shares the port; its packet types 192-223 cannot be RTP payload types.
        if (datagram.Length >= 2 && datagram[1] is >= 192 and <= 223)
        {
            HandleRtcp(datagram, from, routing, muxed: true);
            return;
        }

        if (datagram.Length >= MediaSocket.BufferSize)
        {
            Interlocked.Increment(ref Malformed);
            return;
        }

        if (!RtpPacket.TryRead(datagram, out RtpPacket packet, out RtpReadError error))
        {
            CountDrop(error);
            return;
        }

        if (!routing.ByRtp.TryGetValue(from, out LegStream? source))
        {
            source = _latching ? TryLatch(from, packet.PayloadType) : null;
            if (source is null)
            {
                Interlocked.Increment(ref UnknownSource);
                return;
            }

            routing = Volatile.Read(ref _routing);
        }

        Forward(datagram, packet, source, routing);
    }

    private void CountDrop(RtpReadError error)
    {
        switch (error)
        {
            case RtpReadError.TooShort:
                Interlocked.Increment(ref TooShort);
                break;
            case RtpReadError.BadVersion:
                Interlocked.Increment(ref BadVersion);
                break;
            default:
                Interlocked.Increment(ref Malformed);
                break;
        }
    }

    private void OnHandlerError(Exception e) => Log.HandlerFailed(_logger, e, _meeting.Number, Kind);

    private sealed class RtpReceiver(MediaChannel channel) : IDatagramHandler
    {
        public void OnDatagram(Span<byte> datagram, SocketAddress from) => channel.OnRtp(datagram, from);
    }

    private sealed class RtcpReceiver(MediaChannel channel) : IDatagramHandler
    {
        public void OnDatagram(Span<byte> datagram, SocketAddress from) => channel.OnRtcp(datagram, from);
    }
}
