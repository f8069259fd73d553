using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Conferencing.Sip.Rtp;
using Conferencing.Sip.Sdp;

namespace Conferencing.Server.Simulator;

/// <summary>What a simulated room sends and how its link misbehaves.</summary>
public sealed record SimulatedMediaOptions
{
    /// <summary>Video bitrate when nothing else is set: 256 kbps, so a whole demo province fits on one machine.</summary>
    public const int DefaultVideoKbps = 256;

    /// <summary>Frames per second of the synthetic camera: 15.</summary>
    public const int DefaultFramesPerSecond = 15;

    /// <summary>A keyframe every 10 s unless one is asked for sooner, as room systems do.</summary>
    public static readonly TimeSpan DefaultKeyframeInterval = TimeSpan.FromSeconds(10);

    public int VideoKbps { get; init; } = DefaultVideoKbps;

    public int FramesPerSecond { get; init; } = DefaultFramesPerSecond;

    public TimeSpan KeyframeInterval { get; init; } = DefaultKeyframeInterval;

    /// <summary>Share of outgoing packets lost on the way out (0 to 100): the relay sees loss from this room.</summary>
    public double SendLossPercent { get; init; }

    /// <summary>Share of incoming packets lost on the way in (0 to 100): this room reports loss in its RTCP.</summary>
    public double ReceiveLossPercent { get; init; }

    /// <summary>
    /// A name the camera writes into the first fragment of every frame (after "SRC:" and a length
    /// byte), like a test pattern showing the site's name: a receiver can tell whose picture the
    /// relay forwards it. Null writes none.
    /// </summary>
    public string? SourceTag { get; init; }

    /// <summary>
    /// Where the camera's real picture comes from (<see cref="SimulatedVideoLibrary"/>), asked for
    /// when the call first sends video. Null, or a null clip, sends H.264-shaped frames that cannot
    /// be decoded. With a clip the camera runs at the clip's rate and keyframe interval, and the
    /// <see cref="SourceTag"/> travels in an SEI (user data unregistered) in front of each picture.
    /// </summary>
    public Func<Task<SimulatedVideoClip?>>? Clip { get; init; }
}

/// <summary>What a simulated room saw of one incoming media stream.</summary>
/// <param name="Media">audio or video.</param>
/// <param name="Packets">RTP packets received.</param>
/// <param name="Lost">Packets lost by RFC 3550 A.3 accounting, over every source seen.</param>
/// <param name="SequenceGaps">Times a packet's sequence number was not the previous one plus one.</param>
/// <param name="SsrcChanges">Times the sending source changed; a relay that rewrites well keeps this at 0.</param>
/// <param name="JitterMs">Interarrival jitter (RFC 3550 A.8) of the current source.</param>
/// <param name="FirstPacketAfter">From the start of media to the first packet.</param>
/// <param name="FirstKeyframeAfter">From the start of media to the first keyframe (video).</param>
/// <param name="PacketsBeforeKeyframe">Video packets that arrived before the first keyframe (undecodable).</param>
/// <param name="Keyframes">Keyframes received.</param>
/// <param name="Source">
/// Whose picture arrives now (video): the <see cref="SimulatedMediaOptions.SourceTag"/> of the room
/// that sent it, "csrc:XXXXXXXX" for packets carrying a CSRC (central's feed in the tests),
/// <see cref="SimulatedMedia.UntaggedSource"/> for another camera's picture (a real room system), or
/// null before any was seen.
/// </param>
/// <param name="SourceChanges">Times <paramref name="Source"/> changed after the first: a floor change seen at this room.</param>
/// <param name="SourceSinceAfter">From the start of media to the last change of source.</param>
public sealed record ReceivedStream(
    string Media,
    long Packets,
    long Lost,
    long SequenceGaps,
    int SsrcChanges,
    double JitterMs,
    TimeSpan? FirstPacketAfter,
    TimeSpan? FirstKeyframeAfter,
    long PacketsBeforeKeyframe,
    long Keyframes,
    string? Source = null,
    int SourceChanges = 0,
    TimeSpan? SourceSinceAfter = null);

/// <summary>
/// The media of one simulated call: a camera and a microphone (G.711, 20 ms frames), RTCP sender
/// and receiver reports, keyframes on request, and a record of everything received. The camera
/// plays its site's clip (<see cref="SimulatedMediaOptions.Clip"/>: real H.264 a decoder shows) or,
/// without one, sends H.264-shaped packets (SPS and PPS in a STAP-A, IDR and P slices in FU-A
/// fragments, at the set bitrate and frame rate) that only have the shape a relay must handle.
/// </summary>
public sealed class SimulatedMedia : IAsyncDisposable
{
    private const int ReportIntervalMs = 5000;
    private readonly List<Stream> _streams;
    private readonly SimulatedMediaOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly List<Task> _loops = [];
    private int _keyframeRequested;
    private int _disposed;

    private readonly byte[]? _sourceTag;
    private readonly byte[]? _sourceTagSei;

    /// <summary>The UUID of the SEI (user data unregistered, H.264 D.1.6) that carries a camera's tag.</summary>
    private static ReadOnlySpan<byte> TagUuid => [0x5C, 0x0F, 0x3E, 0x52, 0x9A, 0x41, 0x4B, 0x7D, 0x8E, 0x26, 0x11, 0xC4, 0x63, 0xA8, 0x2B, 0x9D];

    private SimulatedMedia(List<Stream> streams, SimulatedMediaOptions options)
    {
        _streams = streams;
        _options = options;
        if (options.SourceTag is { Length: > 0 } tag)
        {
            var name = System.Text.Encoding.UTF8.GetBytes(tag);
            _sourceTag = [.. "SRC:"u8, (byte)Math.Min(name.Length, 200), .. name.AsSpan(0, Math.Min(name.Length, 200))];

            // NAL type 6, payload type 5, size, UUID, the tag, RBSP trailing bits. Text holds no 00 00, so needs no emulation prevention.
            _sourceTagSei = [0x06, 0x05, (byte)(TagUuid.Length + _sourceTag.Length), .. TagUuid, .. _sourceTag, 0x80];
        }
    }

    /// <summary>Keyframe requests received (RTCP PLI/FIR or SIP INFO).</summary>
    public int KeyframeRequests => Volatile.Read(ref _keyframeRequestsSeen);

    private int _keyframeRequestsSeen;

    /// <summary>The local RTP ports, one per media line of the offer, for the SDP answer.</summary>
    public IReadOnlyList<MediaTransport> Transports => [.. _streams.Select(s => new MediaTransport(null, s.RtpPort))];

    /// <summary>Binds an RTP/RTCP port pair for each media line (audio and video) on <paramref name="address"/>.</summary>
    public static SimulatedMedia Bind(IPAddress address, IReadOnlyList<string> mediaTypes, SimulatedMediaOptions options)
    {
        ArgumentNullException.ThrowIfNull(mediaTypes);
        var streams = new List<Stream>();
        try
        {
            foreach (var media in mediaTypes)
            {
                streams.Add(new Stream(media, address));
            }
        }
        catch
        {
            streams.ForEach(s => s.Dispose());
            throw;
        }

        return new SimulatedMedia(streams, options);
    }

    /// <summary>What was received so far, per accepted stream.</summary>
    public IReadOnlyList<ReceivedStream> Reception => [.. _streams.Where(s => s.Negotiated is not null).Select(s => s.Snapshot(_started))];

    /// <summary>Whose picture a frame that starts in this packet shows, for a camera that does not tag its frames.</summary>
    public const string UntaggedSource = "untagged";

    /// <summary>
    /// Whose picture an H.264 RTP packet carries: a CSRC ("csrc:XXXXXXXX"), the <see cref="SimulatedMediaOptions.SourceTag"/>
    /// in the first fragment of a simulated camera's frame, <see cref="UntaggedSource"/> for the start of a frame from any
    /// other camera (a real encoder, which never writes the tag), or null for a packet that tells nothing (a later
    /// fragment, parameter sets, not RTP). Public so tests can read the same thing from a probe's packets.
    /// </summary>
    public static string? PictureSource(ReadOnlySpan<byte> rtp) => RtpPacket.TryRead(rtp, out var packet) ? PictureSource(packet) : null;

    private static string? PictureSource(RtpPacket packet)
    {
        if (packet.CsrcCount > 0)
        {
            return "csrc:" + packet.GetCsrc(0).ToString("X8", System.Globalization.CultureInfo.InvariantCulture);
        }

        var payload = packet.Payload;
        if (payload.Length < 2)
        {
            return null;
        }

        var type = payload[0] & 0x1F;
        if (type == 6)
        {
            return TagOfSei(payload);
        }

        if (type == H264Payload.StapA)
        {
            // A camera playing a clip: its tag SEI, alone or with the picture's parameter sets or slice.
            string? found = null;
            for (var offset = 1; offset + 2 < payload.Length;)
            {
                var size = BinaryPrimitives.ReadUInt16BigEndian(payload[offset..]);
                offset += 2;
                if (size == 0 || offset + size > payload.Length)
                {
                    break;
                }

                var unit = payload.Slice(offset, size);
                if ((unit[0] & 0x1F) == 6 && TagOfSei(unit) is { } tag)
                {
                    return tag;
                }

                if ((unit[0] & 0x1F) is >= 1 and <= 5)
                {
                    found = UntaggedSource;
                }

                offset += size;
            }

            return found;
        }

        var frameStart = type is >= 1 and <= 5 || (type == 28 && (payload[1] & 0x80) != 0 && (payload[1] & 0x1F) is >= 1 and <= 5);
        if (!frameStart)
        {
            return null;
        }

        if (type != 28 || payload.Length < 8 || !payload[2..].StartsWith("SRC:"u8))
        {
            return UntaggedSource;
        }

        var length = payload[6];
        return payload.Length >= 7 + length ? System.Text.Encoding.UTF8.GetString(payload.Slice(7, length)) : UntaggedSource;
    }

    private static string? TagOfSei(ReadOnlySpan<byte> sei)
    {
        var at = sei.IndexOf("SRC:"u8);
        if (at < 0 || !sei[..at].EndsWith(TagUuid) || at + 5 > sei.Length)
        {
            return null;
        }

        var length = sei[at + 4];
        return at + 5 + length <= sei.Length ? System.Text.Encoding.UTF8.GetString(sei.Slice(at + 5, length)) : null;
    }

    /// <summary>
    /// Reads whose picture a run of H.264 RTP packets shows, as <see cref="PictureSource(ReadOnlySpan{byte})"/>
    /// does for one, with the memory a camera playing a clip needs: its tag travels in an SEI ahead of
    /// the slices, so a slice of the same source and timestamp as the last tag is that tag's picture,
    /// not an untagged camera's.
    /// </summary>
    public sealed class PictureSourceReader
    {
        private string? _tag;
        private uint _ssrc;
        private uint _timestamp;

        /// <summary>Whose picture this packet shows, or null when it tells nothing.</summary>
        public string? Read(ReadOnlySpan<byte> rtp) => RtpPacket.TryRead(rtp, out var packet) ? Read(packet) : null;

        internal string? Read(in RtpPacket packet)
        {
            var source = PictureSource(packet);
            if (source == UntaggedSource && _tag is not null && packet.Ssrc == _ssrc && packet.Timestamp == _timestamp)
            {
                return _tag;
            }

            if (source is not null)
            {
                _tag = source == UntaggedSource ? null : source;
                _ssrc = packet.Ssrc;
                _timestamp = packet.Timestamp;
            }

            return source;
        }
    }

    /// <summary>Starts sending and receiving on the streams the negotiation accepted.</summary>
    public void Start(IReadOnlyList<NegotiatedStream> negotiated)
    {
        ArgumentNullException.ThrowIfNull(negotiated);
        for (var i = 0; i < _streams.Count && i < negotiated.Count; i++)
        {
            if (negotiated[i].IsAccepted && negotiated[i].Codec is not null && IPAddress.TryParse(negotiated[i].RemoteAddress, out var remote))
            {
                _streams[i].Negotiated = negotiated[i];
                _streams[i].RemoteRtp = new IPEndPoint(remote, negotiated[i].RemotePort);
                _streams[i].RemoteRtcp = new IPEndPoint(remote, negotiated[i].RtcpMux ? negotiated[i].RemotePort : negotiated[i].RemoteRtcpPort);
            }
        }

        foreach (var stream in _streams.Where(s => s.Negotiated is not null))
        {
            _loops.Add(Task.Run(() => ReceiveRtpAsync(stream, _stop.Token)));
            _loops.Add(Task.Run(() => ReceiveRtcpAsync(stream, _stop.Token)));
        }

        _loops.Add(Task.Run(() => SendAsync(_stop.Token)));
    }

    /// <summary>Asks the camera for a keyframe next (a PLI, FIR or INFO picture_fast_update arrived).</summary>
    public void RequestKeyframe()
    {
        Interlocked.Increment(ref _keyframeRequestsSeen);
        Volatile.Write(ref _keyframeRequested, 1);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var stream in _streams)
        {
            stream.Dispose();
        }

        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task SendAsync(CancellationToken stop)
    {
        var audio = _streams.FirstOrDefault(s => s.Negotiated?.MediaType == "audio" && s.Sends);
        var video = _streams.FirstOrDefault(s => s.Negotiated?.MediaType == "video" && s.Sends);
        var buffer = new byte[1500];
        var frame = 0L;
        var lastKeyframe = long.MinValue;
        // RFC 3550 6.2: the first report goes out at half the minimum interval, so a receiver (a
        // readiness test call measuring a few seconds) hears from a new participant early.
        var lastReport = -ReportIntervalMs / 2L;
        var fps = Math.Clamp(_options.FramesPerSecond, 1, 60);
        var frameBytes = Math.Max(200, _options.VideoKbps * 1000 / 8 / fps);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var audioFrames = 0L;
        var clip = video is not null ? _options.Clip?.Invoke() : null;
        SimulatedCamera? camera = null;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var elapsedMs = (long)Stopwatch.GetElapsedTime(_started).TotalMilliseconds;

                // Audio: one 20 ms G.711 frame per tick, catching up if a tick was late.
                while (audio is not null && audioFrames * 20 <= elapsedMs)
                {
                    var length = audio.WriteHeader(buffer, audio.Negotiated!.Codec!.PayloadType, (uint)(audioFrames * 160), marker: audioFrames == 0);
                    buffer.AsSpan(length, 160).Fill(0xFF); // µ-law silence
                    audio.Send(buffer.AsSpan(0, length + 160), _options.SendLossPercent);
                    audioFrames++;
                }

                if (clip is { IsCompleted: true })
                {
                    // The site's clip is ready (or cannot be made): from now on the camera plays it, at its rate.
                    if (clip.IsCompletedSuccessfully && clip.Result is { } ready)
                    {
                        camera = new SimulatedCamera(ready, _sourceTagSei);
                        fps = ready.FramesPerSecond;
                        frame = elapsedMs * fps / 1000;
                    }

                    clip = null;
                }

                while (video is not null && frame * 1000 / fps <= elapsedMs)
                {
                    var timestamp = (uint)(frame * 90000 / fps);
                    if (clip is not null)
                    {
                        // No picture until the clip is there: shape-only frames in front would only confuse a decoder.
                        frame++;
                        continue;
                    }

                    if (camera is not null)
                    {
                        var requested = Interlocked.Exchange(ref _keyframeRequested, 0) == 1;
                        camera.SendFrame(requested, (payload, marker) =>
                        {
                            var header = video.WriteHeader(buffer, video.Negotiated!.Codec!.PayloadType, timestamp, marker);
                            payload.CopyTo(buffer.AsSpan(header));
                            video.Send(buffer.AsSpan(0, header + payload.Length), _options.SendLossPercent);
                        });
                        frame++;
                        continue;
                    }

                    var idr = Interlocked.Exchange(ref _keyframeRequested, 0) == 1
                        || lastKeyframe == long.MinValue
                        || (frame - lastKeyframe) * 1000 / fps >= _options.KeyframeInterval.TotalMilliseconds;
                    if (idr)
                    {
                        lastKeyframe = frame;
                        SendParameterSets(video, buffer, timestamp);
                    }

                    SendSlice(video, buffer, timestamp, idr, idr ? frameBytes * 3 : frameBytes);
                    frame++;
                }

                if (elapsedMs - lastReport >= ReportIntervalMs)
                {
                    lastReport = elapsedMs;
                    foreach (var stream in _streams.Where(s => s.Negotiated is not null))
                    {
                        stream.SendReport(buffer);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void SendParameterSets(Stream video, byte[] buffer, uint timestamp)
    {
        // STAP-A (RFC 6184 5.7.1) carrying a constrained-baseline level 3.1 SPS and a PPS.
        ReadOnlySpan<byte> sps = [0x67, 0x42, 0xE0, 0x1F, 0x8D, 0x68, 0x14, 0x05, 0x1A, 0x10];
        ReadOnlySpan<byte> pps = [0x68, 0xCE, 0x3C, 0x80];
        var length = video.WriteHeader(buffer, video.Negotiated!.Codec!.PayloadType, timestamp, marker: false);
        var span = buffer.AsSpan(length);
        span[0] = 0x78;
        BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)sps.Length);
        sps.CopyTo(span[3..]);
        BinaryPrimitives.WriteUInt16BigEndian(span[(3 + sps.Length)..], (ushort)pps.Length);
        pps.CopyTo(span[(5 + sps.Length)..]);
        video.Send(buffer.AsSpan(0, length + 5 + sps.Length + pps.Length), _options.SendLossPercent);
    }

    private void SendSlice(Stream video, byte[] buffer, uint timestamp, bool idr, int bytes)
    {
        // One slice per frame, cut into FU-A fragments (RFC 6184 5.8) of at most 1,100 bytes.
        const int Fragment = 1100;
        var nalHeader = (byte)(idr ? 0x65 : 0x41);
        var remaining = bytes;
        var first = true;
        while (remaining > 0)
        {
            var chunk = Math.Min(Fragment, remaining);
            remaining -= chunk;
            var length = video.WriteHeader(buffer, video.Negotiated!.Codec!.PayloadType, timestamp, marker: remaining == 0);
            buffer[length] = (byte)((nalHeader & 0x60) | 28);
            buffer[length + 1] = (byte)((first ? 0x80 : 0) | (remaining == 0 ? 0x40 : 0) | (nalHeader & 0x1F));
            buffer.AsSpan(length + 2, chunk).Fill((byte)(timestamp & 0x7F));
            if (first && _sourceTag is { } tag && chunk >= tag.Length)
            {
                tag.CopyTo(buffer.AsSpan(length + 2));
            }

            video.Send(buffer.AsSpan(0, length + 2 + chunk), _options.SendLossPercent);
            first = false;
        }
    }

    private delegate void PacketHandler(ReadOnlySpan<byte> packet);

    private Task ReceiveRtpAsync(Stream stream, CancellationToken stop) => ReceiveAsync(stream.Rtp, packet =>
    {
        if (_options.ReceiveLossPercent <= 0 || Random.Shared.NextDouble() * 100 >= _options.ReceiveLossPercent)
        {
            stream.OnRtp(packet, _started);
        }
    }, stop);

    private Task ReceiveRtcpAsync(Stream stream, CancellationToken stop) => ReceiveAsync(stream.Rtcp, packet =>
    {
        if (RtcpCompoundReader.ContainsKeyframeRequest(packet, out _))
        {
            RequestKeyframe();
        }

        stream.OnRtcp(packet);
    }, stop);

    private static async Task ReceiveAsync(Socket socket, PacketHandler handle, CancellationToken stop)
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stop).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // An ICMP unreachable from an earlier send; the socket is fine.
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            handle(buffer.AsSpan(0, received.ReceivedBytes));
        }
    }

    /// <summary>One media line: its sockets, what it sends, what it received.</summary>
    private sealed class Stream : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly uint _ssrc = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
        private readonly ushort _firstSequence = (ushort)Random.Shared.Next(ushort.MaxValue);
        private readonly uint _timestampBase = (uint)Random.Shared.NextInt64(uint.MaxValue);
        private RtpReceiveStatistics? _source;
        private ushort _sequence;
        private uint _packetsSent;
        private uint _octetsSent;
        private uint _lastTimestamp;
        private long _packets;
        private long _lostBefore;
        private long _gaps;
        private int _ssrcChanges = -1;
        private long _firstPacket = -1;
        private long _firstKeyframe = -1;
        private long _beforeKeyframe;
        private long _keyframes;
        private int _lastSequence = -1;
        private string? _pictureSource;
        private readonly PictureSourceReader _pictureReader = new();
        private int _sourceChanges;
        private long _sourceSince = -1;

        public Stream(string media, IPAddress address)
        {
            Media = media;
            (Rtp, Rtcp) = BindPair(address);
            _sequence = _firstSequence;
        }

        public string Media { get; }

        public Socket Rtp { get; }

        public Socket Rtcp { get; }

        public int RtpPort => ((IPEndPoint)Rtp.LocalEndPoint!).Port;

        public NegotiatedStream? Negotiated { get; set; }

        public IPEndPoint? RemoteRtp { get; set; }

        public IPEndPoint? RemoteRtcp { get; set; }

        public bool Sends => Negotiated is { Direction: MediaDirection.SendRecv or MediaDirection.SendOnly };

        public int WriteHeader(Span<byte> buffer, int payloadType, uint timestamp, bool marker)
        {
            _lastTimestamp = _timestampBase + timestamp;
            return new RtpHeader(payloadType, _sequence++, _lastTimestamp, _ssrc, marker).WriteTo(buffer);
        }

        public void Send(ReadOnlySpan<byte> packet, double lossPercent)
        {
            _packetsSent++;
            _octetsSent += (uint)(packet.Length - RtpPacket.FixedHeaderLength);
            if (lossPercent > 0 && Random.Shared.NextDouble() * 100 < lossPercent)
            {
                return;
            }

            try
            {
                Rtp.SendTo(packet, SocketFlags.None, RemoteRtp!);
            }
            catch (SocketException)
            {
                // Nobody listening yet (ICMP unreachable on loopback): a room keeps sending regardless.
            }
        }

        public void SendReport(Span<byte> buffer)
        {
            var writer = new RtcpWriter(buffer);
            RtcpReportBlock[] blocks;
            lock (_gate)
            {
                blocks = _source is null ? [] : [_source.CreateReportBlock(Stopwatch.GetTimestamp())];
            }

            var ok = Sends
                ? writer.TryWriteSenderReport(_ssrc, NtpTimestamp.Now, _lastTimestamp, _packetsSent, _octetsSent, blocks)
                : writer.TryWriteReceiverReport(_ssrc, blocks);
            if (ok && writer.TryWriteSourceDescription(_ssrc, "room@simulated"))
            {
                try
                {
                    Rtcp.SendTo(writer.WrittenSpan, SocketFlags.None, RemoteRtcp!);
                }
                catch (SocketException)
                {
                }
            }
        }

        public void OnRtp(ReadOnlySpan<byte> data, long started)
        {
            if (!RtpPacket.TryRead(data, out var packet))
            {
                return;
            }

            var now = Stopwatch.GetTimestamp();
            lock (_gate)
            {
                if (_source is null || _source.Ssrc != packet.Ssrc)
                {
                    _lostBefore += _source?.CumulativeLost ?? 0;
                    _source = new RtpReceiveStatistics(packet.Ssrc, Media == "video" ? 90000 : 8000);
                    _ssrcChanges++;
                }

                _source.UpdateAt(packet.SequenceNumber, packet.Timestamp, now);
                if (_lastSequence >= 0 && packet.SequenceNumber != (ushort)(_lastSequence + 1))
                {
                    _gaps++;
                }

                _lastSequence = packet.SequenceNumber;
                _packets++;
                if (_firstPacket < 0)
                {
                    _firstPacket = now;
                }

                if (Media == "video")
                {
                    if (_pictureReader.Read(packet) is { } source && source != _pictureSource)
                    {
                        if (_pictureSource is not null)
                        {
                            _sourceChanges++;
                        }

                        _pictureSource = source;
                        _sourceSince = now;
                    }

                    var info = H264Payload.Classify(packet.Payload);
                    if (info.IsKeyframeStart)
                    {
                        _keyframes++;
                        if (_firstKeyframe < 0)
                        {
                            _firstKeyframe = now;
                        }
                    }
                    else if (_firstKeyframe < 0 && (info.Flags & (H264PayloadFlags.ContainsSps | H264PayloadFlags.ContainsPps)) == 0)
                    {
                        // Parameter sets lead a keyframe; anything else before it cannot be decoded.
                        _beforeKeyframe++;
                    }
                }
            }
        }

        public void OnRtcp(ReadOnlySpan<byte> data)
        {
            foreach (var packet in new RtcpCompoundReader(data))
            {
                if (packet.Type == RtcpPacketType.SenderReport && packet.Body.Length >= 12)
                {
                    lock (_gate)
                    {
                        if (_source is not null && _source.Ssrc == packet.SenderSsrc)
                        {
                            _source.OnSenderReport(new NtpTimestamp(BinaryPrimitives.ReadUInt64BigEndian(packet.Body[4..])), Stopwatch.GetTimestamp());
                        }
                    }
                }
            }
        }

        public ReceivedStream Snapshot(long started)
        {
            lock (_gate)
            {
                return new ReceivedStream(
                    Media,
                    _packets,
                    _lostBefore + (_source?.CumulativeLost ?? 0),
                    _gaps,
                    Math.Max(0, _ssrcChanges),
                    _source is null ? 0 : _source.JitterTime.TotalMilliseconds,
                    _firstPacket < 0 ? null : Stopwatch.GetElapsedTime(started, _firstPacket),
                    _firstKeyframe < 0 ? null : Stopwatch.GetElapsedTime(started, _firstKeyframe),
                    _beforeKeyframe,
                    _keyframes,
                    _pictureSource,
                    _sourceChanges,
                    _sourceSince < 0 ? null : Stopwatch.GetElapsedTime(started, _sourceSince));
            }
        }

        public void Dispose()
        {
            Rtp.Dispose();
            Rtcp.Dispose();
        }

        private static (Socket Rtp, Socket Rtcp) BindPair(IPAddress address)
        {
            // RTP on an even port and RTCP on the next one (RFC 3550 11): ask the system for a port,
            // take it if it is even and its neighbour is free, otherwise try again.
            for (var attempt = 0; attempt < 100; attempt++)
            {
                var rtp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                rtp.Bind(new IPEndPoint(address, 0));
                var port = ((IPEndPoint)rtp.LocalEndPoint!).Port;
                if (port % 2 == 0 && port < IPEndPoint.MaxPort)
                {
                    var rtcp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                    try
                    {
                        rtcp.Bind(new IPEndPoint(address, port + 1));
                        return (rtp, rtcp);
                    }
                    catch (SocketException)
                    {
                        rtcp.Dispose();
                    }
                }

                rtp.Dispose();
            }

            throw new SocketException((int)SocketError.AddressAlreadyInUse);
        }
    }
}
