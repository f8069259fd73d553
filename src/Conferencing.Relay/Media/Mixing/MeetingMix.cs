using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Conferencing.Sip.Rtp;
using Microsoft.Extensions.Logging;

namespace Conferencing.Relay.Media.Mixing;

/// <summary>
/// The audio of a meeting while it is mixed (at the root relay, with a floor or open discussion):
/// the audio channel hands every packet here instead of forwarding it; a clocked thread makes a
/// 20 ms frame, encodes the common mix once and fans it out to every listener with each leg's own
/// header (the payload shared, as the forwarding path does), and encodes and sends each heard
/// source its mix-minus. Each leg's sequence numbers and timestamps carry on from what the
/// forwarding path sent it and back again (<see cref="LegStream.LastSequence"/> and friends are
/// handed over, written only by whoever sends the leg audio at the time). Telephone-events of a
/// heard source pass through to everyone else, numbered into each leg's stream.
/// </summary>
internal sealed partial class MeetingMix : IDisposable
{
    private const int EventSlots = 32;
    private const int EventBytes = 64;

    private readonly MediaChannel _channel;
    private readonly string _number;
    private readonly ILogger _logger;
    private readonly AudioEncoder _commonEncoder;
    private readonly byte[] _common = GC.AllocateUninitializedArray<byte>(MediaSocket.BufferSize, pinned: true);
    private readonly byte[] _single = new byte[MediaSocket.BufferSize];
    private readonly FanOut _fanOut;
    private readonly Socket _socket;
    private readonly double _samplesPerTick;
    private readonly double _clockPerTick;
    private readonly int _frameTimestamp;
    private readonly long _frameTicks;

    // Telephone-events from the receive thread, under _eventLock (rare: a lock costs nothing here).
    private readonly Lock _eventLock = new();
    private readonly byte[][] _eventPayloads;
    private readonly int[] _eventLengths = new int[EventSlots];
    private readonly uint[] _eventTimestamps = new uint[EventSlots];
    private readonly bool[] _eventMarkers = new bool[EventSlots];
    private readonly LegStream?[] _eventSources = new LegStream?[EventSlots];
    private int _eventCount;
    private readonly byte[][] _drainPayloads;
    private readonly int[] _drainLengths = new int[EventSlots];
    private readonly uint[] _drainTimestamps = new uint[EventSlots];
    private readonly bool[] _drainMarkers = new bool[EventSlots];
    private readonly LegStream?[] _drainSources = new LegStream?[EventSlots];

    private readonly PictureFollower _picture;
    private SpeakerSample[] _samples = new SpeakerSample[16];
    private volatile bool _pictureFollows;
    private volatile bool _resetPicture;

    private Thread? _thread;
    private volatile bool _stopping;
    private long _frame;

    public MeetingMix(string number, MediaChannel channel, MediaSocket socket, AudioCodec codec, AudioMixOptions options, bool batched, ILogger logger)
    {
        _number = number;
        _channel = channel;
        _logger = logger;
        Codec = codec;
        Mixer = new AudioMixer(codec, options.MinDelayFrames, options.MaxDelayFrames, options.MaxSpeakers);
        _picture = new PictureFollower(options.PictureHoldFrames, options.PictureMarginDb);
        _commonEncoder = codec.CreateEncoder();
        _socket = socket.Socket;
        _fanOut = FanOut.Create(socket, _common, batched);
        _samplesPerTick = (double)codec.SampleRate / Stopwatch.Frequency;
        _clockPerTick = (double)codec.ClockRate / Stopwatch.Frequency;
        _frameTimestamp = codec.FrameTimestamp;
        _frameTicks = Stopwatch.Frequency * AudioCodec.FrameMilliseconds / 1000;
        _eventPayloads = new byte[EventSlots][];
        _drainPayloads = new byte[EventSlots][];
        for (int i = 0; i < EventSlots; i++)
        {
            _eventPayloads[i] = new byte[EventBytes];
            _drainPayloads[i] = new byte[EventBytes];
        }
    }

    public AudioCodec Codec { get; }

    public AudioMixer Mixer { get; }

    /// <summary>
    /// Called on the mix thread when open discussion's picture should move: to a heard source, or
    /// back to the program (null). The handler must not block: the control side may be waiting
    /// for this thread to stop.
    /// </summary>
    public Action<MixSource?>? PictureChanged { get; set; }

    /// <summary>Frames sent.</summary>
    public long FramesSent => Volatile.Read(ref _frame);

    /// <summary>Ticks that came late enough that the clock started over rather than catch up.</summary>
    public long ClockResets;

    /// <summary>Bytes the mix thread has allocated (after each frame), which should stop growing once it runs.</summary>
    public long ThreadAllocatedBytes;

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = $"relay {_number} mix", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>
    /// Gives every audio stream of <paramref name="streams"/> its source and role (control side):
    /// the program and the return feed are always heard, others in open discussion by voice, muted
    /// legs never. Sources of legs that left are removed.
    /// </summary>
    public void UpdateRoles(LegStream[] streams, LegMedia? program, LegMedia? returnFeed, bool openDiscussion, int maxSpeakers, bool pictureFollows = false)
    {
        Mixer.OpenDiscussion = openDiscussion;
        Mixer.MaxSpeakers = maxSpeakers;
        _pictureFollows = pictureFollows && openDiscussion;
        foreach (LegStream s in streams)
        {
            MixRole role = s.Leg.AudioMuted || s.Removed ? MixRole.Off
                : s.Leg == program || s.Leg == returnFeed ? MixRole.Forced
                : openDiscussion ? MixRole.Candidate
                : MixRole.Off;
            if (s.MixSource is { } source)
            {
                source.Role = role;
            }
            else
            {
                s.MixSource = Mixer.Add(s.Leg.LegId, role);
            }

            s.MixSource.PictureEligible = !s.Leg.IsChildRelay || s.Leg == program;
        }

        foreach (MixSource source in Mixer.Sources)
        {
            if (!streams.Any(s => s.MixSource == source && !s.Removed))
            {
                source.Role = MixRole.Off;
                Mixer.Remove(source);
            }
        }
    }

    /// <summary>The picture went back to the program by the controller's hand (a new floor): follow afresh from there.</summary>
    public void ResetPicture() => _resetPicture = true;

    /// <summary>A packet of a source while mixing (receive thread): audio to its jitter buffer, telephone-events queued.</summary>
    public void OnPacket(LegStream source, int codec, in RtpPacket packet, long now)
    {
        if (source.MixSource is not { } mixSource)
        {
            return;
        }

        if (codec == 0)
        {
            mixSource.Receive(packet.Ssrc, packet.Timestamp, packet.Marker, packet.Payload, (long)(now * _samplesPerTick));
            return;
        }

        // RFC 4733 events of a source that is heard go to everyone else.
        if (mixSource.Role == MixRole.Off || packet.PayloadLength > EventBytes)
        {
            return;
        }

        lock (_eventLock)
        {
            if (_eventCount == EventSlots)
            {
                return;
            }

            int i = _eventCount++;
            packet.Payload.CopyTo(_eventPayloads[i]);
            _eventLengths[i] = packet.PayloadLength;
            _eventTimestamps[i] = packet.Timestamp;
            _eventMarkers[i] = packet.Marker;
            _eventSources[i] = source;
        }
    }

    /// <summary>Stops the clock and hands every leg back to the forwarding path, which re-bases from where the mix left off.</summary>
    public void Stop(LegStream[] streams)
    {
        _stopping = true;
        if (_thread is { } thread && thread != Thread.CurrentThread)
        {
            thread.Join();
        }

        foreach (LegStream s in streams)
        {
            s.Rebase = true;
            s.MixSource = null;
            s.MixFrame = long.MinValue;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        if (_thread is { } thread && thread != Thread.CurrentThread)
        {
            thread.Join();
        }

        _fanOut.Dispose();
    }

    private void Run()
    {
        // The first frame a frame from now: a packet the forwarding path is sending as the mix
        // takes over is out before the mix numbers its first.
        long start = Stopwatch.GetTimestamp();
        long frames = 1;
        while (!_stopping)
        {
            long due = start + (frames * _frameTicks);
            long now = Stopwatch.GetTimestamp();
            if (now < due)
            {
                int ms = (int)((due - now) * 1000 / Stopwatch.Frequency);
                Thread.Sleep(Math.Max(1, ms));
                continue;
            }

            if (now - due > 5 * _frameTicks)
            {
                // Far behind (a stalled machine): start the clock over rather than send a burst.
                start = now;
                frames = 0;
                Interlocked.Increment(ref ClockResets);
                due = now;
            }

            try
            {
                Tick(due);
            }
            catch (Exception e)
            {
                Log.TickFailed(_logger, e, _number);
            }

            Volatile.Write(ref ThreadAllocatedBytes, GC.GetAllocatedBytesForCurrentThread());
            frames++;
        }
    }

    /// <summary>One frame: mix, pass queued telephone-events, send the common mix and each mix-minus.</summary>
    internal void Tick(long now)
    {
        Mixer.MixFrame();
        FollowPicture();
        long frame = _frame;
        LegStream[] streams = _channel.Routing.Streams;
        SendEvents(streams, frame);

        Span<byte> header = stackalloc byte[RtpPacket.FixedHeaderLength];
        int commonLength = _commonEncoder.Encode(Mixer.Common, _common.AsSpan(RtpPacket.FixedHeaderLength));
        _fanOut.Begin(RtpPacket.FixedHeaderLength + commonLength);
        foreach (LegStream r in streams)
        {
            if (r.Removed || !r.SendEnabled || r.Kind != MediaKind.Audio)
            {
                continue;
            }

            byte payloadType = r.PayloadTypeOfCodec[0];
            if (payloadType == LegStream.NoPayloadType)
            {
                continue;
            }

            bool marker = Next(r, frame, now, out ushort sequence, out uint timestamp);
            header[0] = 0x80;
            header[1] = (byte)((marker ? 0x80 : 0) | payloadType);
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], sequence);
            BinaryPrimitives.WriteUInt32BigEndian(header[4..], timestamp);
            BinaryPrimitives.WriteUInt32BigEndian(header[8..], r.OutSsrc);
            int length;
            if (r.MixSource is { Heard: true } own)
            {
                // A heard source gets everyone but itself, encoded for it alone.
                own.MinusEncoder ??= Codec.CreateEncoder();
                header.CopyTo(_single);
                length = RtpPacket.FixedHeaderLength + own.MinusEncoder.Encode(own.Minus, _single.AsSpan(RtpPacket.FixedHeaderLength));
                SendOne(_single.AsSpan(0, length), r);
            }
            else
            {
                length = RtpPacket.FixedHeaderLength + commonLength;
                _fanOut.Add(header, r.RtpAddress);
            }

            r.PacketsOut++;
            r.BytesOut += length;
            r.PayloadBytesOut += length - RtpPacket.FixedHeaderLength;
        }

        _fanOut.Flush();
        Volatile.Write(ref _frame, frame + 1);
    }

    /// <summary>
    /// In open discussion with the picture following, feeds the frame's heard sources to the
    /// decision and reports a change; otherwise (or when the one in the picture is no longer heard
    /// at all: muted, left) the picture goes back to the program.
    /// </summary>
    private void FollowPicture()
    {
        if (_resetPicture)
        {
            _resetPicture = false;
            _picture.Reset();
        }

        int before = _picture.Current;
        if (!_pictureFollows)
        {
            _picture.Reset();
        }
        else
        {
            ReadOnlySpan<MixSource> heard = Mixer.Heard;
            if (_samples.Length < heard.Length)
            {
                // Only when sources were added: grows, never per frame.
                _samples = new SpeakerSample[heard.Length * 2];
            }

            for (int i = 0; i < heard.Length; i++)
            {
                MixSource s = heard[i];
                _samples[i] = new SpeakerSample(s.Key, s.Speaking, s.SpeechDb, s.PictureEligible);
            }

            _picture.Update(_samples.AsSpan(0, heard.Length));
            if (_picture.Current != PictureFollower.None && Find(_picture.Current) is not { Role: not MixRole.Off, PictureEligible: true })
            {
                _picture.Reset();
            }
        }

        if (_picture.Current != before)
        {
            PictureChanged?.Invoke(_picture.Current == PictureFollower.None ? null : Find(_picture.Current));
        }
    }

    private MixSource? Find(int key)
    {
        foreach (MixSource s in Mixer.Sources)
        {
            if (s.Key == key)
            {
                return s;
            }
        }

        return null;
    }

    /// <summary>
    /// The leg's next sequence number and timestamp: one more and one frame on while the mix feeds
    /// it; on from what it last got (the forwarding path's, or before a pause) when the mix starts
    /// feeding it, with the marker set as a new talkspurt.
    /// </summary>
    private bool Next(LegStream r, long frame, long now, out ushort sequence, out uint timestamp)
    {
        bool restart = r.MixFrame != frame - 1;
        if (!restart)
        {
            sequence = (ushort)(r.LastSequence + 1);
            timestamp = r.LastTimestamp + (uint)_frameTimestamp;
        }
        else if (r.HasSent)
        {
            sequence = (ushort)(r.LastSequence + 1);
            double elapsed = Math.Max(0, now - r.LastSentAt) * _clockPerTick;
            timestamp = r.LastTimestamp + (uint)Math.Max(_frameTimestamp, Math.Min(elapsed, int.MaxValue));
        }
        else
        {
            sequence = r.InitialSequence;
            timestamp = r.InitialTimestamp;
        }

        r.LastSequence = sequence;
        r.LastTimestamp = timestamp;
        r.LastSentAt = now;
        r.HasSent = true;
        r.MixFrame = frame;
        return restart;
    }

    private void SendEvents(LegStream[] streams, long frame)
    {
        int count;
        lock (_eventLock)
        {
            count = _eventCount;
            for (int i = 0; i < count; i++)
            {
                _eventPayloads[i].AsSpan(0, _eventLengths[i]).CopyTo(_drainPayloads[i]);
                _drainLengths[i] = _eventLengths[i];
                _drainTimestamps[i] = _eventTimestamps[i];
                _drainMarkers[i] = _eventMarkers[i];
                _drainSources[i] = _eventSources[i];
                _eventSources[i] = null;
            }

            _eventCount = 0;
        }

        for (int i = 0; i < count; i++)
        {
            LegStream source = _drainSources[i]!;
            _drainSources[i] = null;

            // RFC 4733 2.5.1.2: every packet of one event carries the event's start timestamp. The
            // start is placed at the frame in which the event's first packet reached the mix.
            if (!source.HasMixEvent || source.MixEventIn != _drainTimestamps[i])
            {
                source.HasMixEvent = true;
                source.MixEventIn = _drainTimestamps[i];
                source.MixEventFrame = frame;
            }

            foreach (LegStream r in streams)
            {
                byte payloadType = r.PayloadTypeOfCodec[1];
                if (r == source || r.Removed || !r.SendEnabled || payloadType == LegStream.NoPayloadType || r.MixFrame != frame - 1)
                {
                    continue;
                }

                ushort sequence = ++r.LastSequence;
                uint timestamp = r.LastTimestamp + (uint)((source.MixEventFrame - r.MixFrame) * _frameTimestamp);
                int length = new RtpHeader(payloadType, sequence, timestamp, r.OutSsrc, _drainMarkers[i]).WriteTo(_single);
                _drainPayloads[i].AsSpan(0, _drainLengths[i]).CopyTo(_single.AsSpan(length));
                length += _drainLengths[i];
                SendOne(_single.AsSpan(0, length), r);
                r.PacketsOut++;
                r.BytesOut += length;
                r.PayloadBytesOut += _drainLengths[i];
            }
        }
    }

    private void SendOne(ReadOnlySpan<byte> packet, LegStream r)
    {
        try
        {
            _socket.SendTo(packet, SocketFlags.None, r.RtpAddress);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _fanOut.SendErrors++;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 17001, Level = LogLevel.Error, Message = "Meeting {Meeting}: a mix frame failed")]
        public static partial void TickFailed(ILogger logger, Exception exception, string meeting);
    }
}
