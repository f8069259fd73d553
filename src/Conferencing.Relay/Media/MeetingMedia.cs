using System.Net;
using Conferencing.Sip.Rtp;
using Conferencing.Sip.Sdp;
using Microsoft.Extensions.Logging;

namespace Conferencing.Relay.Media;

/// <summary>
/// The media of one relay meeting: an audio and a video channel, the legs, the program and its
/// return feed, keyframe requests (translated per source and rate-limited), and statistics.
/// Control calls are serialized by a lock; the packet path never takes it.
/// </summary>
internal sealed partial class MeetingMedia : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<LegMedia> _legs = [];
    private readonly MediaPortAllocator _ports;
    private readonly RelayOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private LegMedia? _program;
    private LegMedia? _returnFeed;
    private AudioMixRequest _mixRequest = AudioMixRequest.Off;
    private Mixing.MeetingMix? _mix;
    private LegMedia? _pictureLeg;
    private LegMedia? _videoProgram;
    private LegMedia? _videoReturn;
    private string? _pendingPicture;
    private readonly PictureWork _pictureWork;
    private int _version;
    private bool _disposed;
    private long _lastStatisticsAt;

    public MeetingMedia(string number, MediaProfile profile, RelayOptions options, MediaPortAllocator ports, ILogger logger, TimeProvider time)
    {
        Number = number;
        Profile = profile;
        _options = options;
        _ports = ports;
        _logger = logger;
        _time = time;
        MediaFormat audio = profile.AudioFormat;
        AudioCodecs = profile.TelephoneEvent ? [audio, MediaFormat.TelephoneEvent(audio.ClockRate)] : [audio];
        VideoCodecs = profile.Video ? [profile.VideoFormat] : [];
        CanonicalName = $"relay-{number}@{options.Name}";

        var (audioRtp, audioRtcp) = ports.AllocatePair();
        Audio = new MediaChannel(this, MediaKind.Audio, AudioCodecs, audioRtp, audioRtcp, options, logger);
        if (profile.Video)
        {
            try
            {
                var (videoRtp, videoRtcp) = ports.AllocatePair();
                Video = new MediaChannel(this, MediaKind.Video, VideoCodecs, videoRtp, videoRtcp, options, logger);
            }
            catch
            {
                Audio.Release(ports);
                Audio.Dispose();
                throw;
            }
        }

        Address = ports.Address;
        _pictureWork = new PictureWork(this);
        _lastStatisticsAt = time.GetTimestamp();
    }

    public string Number { get; }

    public MediaProfile Profile { get; }

    public IPAddress Address { get; }

    public string CanonicalName { get; }

    /// <summary>The profile's audio codecs: the main one, then telephone-event when enabled.</summary>
    public IReadOnlyList<MediaFormat> AudioCodecs { get; }

    /// <summary>The profile's video codecs (H.264), or none.</summary>
    public IReadOnlyList<MediaFormat> VideoCodecs { get; }

    public MediaChannel Audio { get; }

    public MediaChannel? Video { get; }

    public LegMedia? Program => Volatile.Read(ref _program);

    public LegMedia? ReturnFeed => Volatile.Read(ref _returnFeed);

    /// <summary>Whose picture everyone gets: the program, or in open discussion the loudest speaker.</summary>
    public LegMedia? VideoProgram => Volatile.Read(ref _videoProgram);

    /// <summary>Whose picture the <see cref="VideoProgram"/> leg itself gets.</summary>
    public LegMedia? VideoReturn => Volatile.Read(ref _videoReturn);

    /// <summary>The mix while the meeting's audio is mixed, else null.</summary>
    public Mixing.MeetingMix? Mix => Volatile.Read(ref _mix);

    /// <summary>What the controller asked of the mix, and whether it runs.</summary>
    public AudioMixInfo AudioMix
    {
        get
        {
            lock (_lock)
            {
                LegMedia? picture = _videoProgram != _program ? _videoProgram : null;
                return new AudioMixInfo(_mixRequest.Enabled, _mixRequest.OpenDiscussion, _mixRequest.MaxSpeakers ?? _options.AudioMix.MaxSpeakers, _mix is not null, PictureFollowsLocked, picture?.LegId);
            }
        }
    }

    /// <summary>
    /// Turns the mix on or off. It runs only while it has something to mix (a program and a return
    /// feed, or open discussion): otherwise the audio is forwarded as before, at forwarding's cost.
    /// </summary>
    public void SetAudioMix(AudioMixRequest request)
    {
        lock (_lock)
        {
            _mixRequest = request;
            PublishLocked();
        }
    }

    /// <summary>Keyframe requests that arrived inside the rate limit and were folded into a later one.</summary>
    internal long CoalescedKeyframeRequests;

    public MediaChannel? Channel(MediaKind kind) => kind == MediaKind.Audio ? Audio : Video;

    public MediaPorts Ports => new(Address.ToString(), Audio.RtpPort, Audio.RtcpPort, Video?.RtpPort, Video?.RtcpPort);

    public MediaDrops Drops
    {
        get
        {
            MediaChannel a = Audio;
            MediaChannel? v = Video;
            return new MediaDrops(
                a.TooShort + (v?.TooShort ?? 0),
                a.BadVersion + (v?.BadVersion ?? 0),
                a.Malformed + (v?.Malformed ?? 0),
                a.UnknownSource + (v?.UnknownSource ?? 0),
                a.UnknownPayloadType + (v?.UnknownPayloadType ?? 0),
                a.BadRtcp + (v?.BadRtcp ?? 0));
        }
    }

    public void Start()
    {
        Audio.Start($"relay {Number}");
        Video?.Start($"relay {Number}");
    }

    /// <summary>Adds a connected leg: it starts receiving its source at once (video from a keyframe, asked for now).</summary>
    public void Add(LegMedia leg)
    {
        lock (_lock)
        {
            _legs.Add(leg);
            PublishLocked();
        }

        RequestKeyframeFor(leg, "new leg");
    }

    /// <summary>
    /// Removes a leg. When it was the program, the return feed (the previous program) takes over, so
    /// a site hanging up while it has the floor hands the picture back rather than freezing it.
    /// Returns true when the program changed.
    /// </summary>
    public bool Remove(LegMedia leg)
    {
        bool programChanged = false;
        lock (_lock)
        {
            if (!_legs.Remove(leg))
            {
                return false;
            }

            if (leg.Audio is { } audio)
            {
                audio.Removed = true;
            }

            if (leg.Video is { } video)
            {
                video.Removed = true;
            }

            if (_program == leg)
            {
                _program = _returnFeed;
                _returnFeed = null;
                programChanged = true;
            }
            else if (_returnFeed == leg)
            {
                _returnFeed = null;
                programChanged = true;
            }

            PublishLocked();
            lock (leg.KeyframeLock)
            {
                leg.KeyframeTimer?.Dispose();
            }
        }

        if (programChanged && Program is { } program)
        {
            RequestKeyframe(program, "program left");
        }

        return programChanged;
    }

    /// <summary>Republishes after a leg's addresses or direction changed (re-INVITE).</summary>
    public void Update()
    {
        lock (_lock)
        {
            PublishLocked();
        }
    }

    /// <summary>Sets the program and what the program leg receives, then asks both sources for keyframes.</summary>
    public void SetProgram(LegMedia? program, LegMedia? returnFeed)
    {
        lock (_lock)
        {
            _program = program;
            _returnFeed = returnFeed == program ? null : returnFeed;

            // A floor given by hand shows the floor; open discussion follows the voices again from there.
            _pictureLeg = null;
            _mix?.ResetPicture();
            PublishLocked();
        }

        if (program is not null)
        {
            RequestKeyframe(program, "program switch");
        }

        if (returnFeed is not null && returnFeed != program)
        {
            RequestKeyframe(returnFeed, "return feed switch");
        }
    }

    /// <summary>Asks the source of what <paramref name="receiver"/> gets for a keyframe.</summary>
    public void RequestKeyframeFor(LegMedia receiver, string reason)
    {
        LegMedia? program = VideoProgram;
        LegMedia? source = receiver == program ? VideoReturn : program;
        if (source is not null && source != receiver)
        {
            RequestKeyframe(source, reason);
        }
    }

    /// <summary>A leg asked for a keyframe (RTCP or SIP INFO): ask the source it is getting, or about to get.</summary>
    public void OnKeyframeRequested(LegStream requester, string how)
    {
        Interlocked.Increment(ref requester.Leg.KeyframeRequestsReceived);
        LegStream? source = requester.Pending ?? requester.Current;
        if (source is not null)
        {
            RequestKeyframe(source.Leg, how + " from " + requester.Leg.LegId);
        }
        else
        {
            RequestKeyframeFor(requester.Leg, how + " from " + requester.Leg.LegId);
        }
    }

    /// <summary>
    /// Asks a source for a keyframe at most once per <see cref="RelayOptions.KeyframeRequestInterval"/>:
    /// a request inside the interval is folded into one sent when the interval ends, so none is lost
    /// and a thousand receivers asking at once cost the source one request.
    /// </summary>
    public void RequestKeyframe(LegMedia source, string reason)
    {
        if (source.Video is null || _disposed)
        {
            return;
        }

        long now = _time.GetTimestamp();
        lock (source.KeyframeLock)
        {
            if (source.LastKeyframeRequestAt != 0)
            {
                TimeSpan since = _time.GetElapsedTime(source.LastKeyframeRequestAt, now);
                if (since < _options.KeyframeRequestInterval)
                {
                    Interlocked.Increment(ref CoalescedKeyframeRequests);
                    if (!source.KeyframeRequestScheduled)
                    {
                        source.KeyframeRequestScheduled = true;
                        source.KeyframeTimer?.Dispose();
                        source.KeyframeTimer = _time.CreateTimer(
                            static state =>
                            {
                                var (media, leg) = ((MeetingMedia, LegMedia))state!;
                                media.SendScheduledKeyframeRequest(leg);
                            },
                            (this, source),
                            _options.KeyframeRequestInterval - since,
                            Timeout.InfiniteTimeSpan);
                    }

                    return;
                }
            }

            source.LastKeyframeRequestAt = now;
        }

        Log.KeyframeRequested(_logger, Number, source.LegId, source.KeyframeMethod, reason);
        SendKeyframeRequest(source);
    }

    private void SendScheduledKeyframeRequest(LegMedia source)
    {
        lock (source.KeyframeLock)
        {
            source.KeyframeRequestScheduled = false;
            source.LastKeyframeRequestAt = _time.GetTimestamp();
        }

        if (!_disposed && source.Video is { Removed: false })
        {
            Log.KeyframeRequested(_logger, Number, source.LegId, source.KeyframeMethod, "coalesced");
            SendKeyframeRequest(source);
        }
    }

    /// <summary>Sends the request the way the source understands: PLI, FIR, RFC 2032 FIR or SIP INFO.</summary>
    private void SendKeyframeRequest(LegMedia source)
    {
        LegStream? video = source.Video;
        if (video is null || Video is null)
        {
            return;
        }

        Interlocked.Increment(ref source.KeyframeRequestsSent);
        KeyframeMethod method = source.KeyframeMethod;
        if (method == KeyframeMethod.Info)
        {
            _ = SendInfoAsync(source);
            return;
        }

        // RFC 4585 3.1: feedback travels in a compound packet that starts with a report.
        Span<byte> buffer = stackalloc byte[160];
        var writer = new RtcpWriter(buffer);
        writer.TryWriteReceiverReport(video.OutSsrc, []);
        writer.TryWriteSourceDescription(video.OutSsrc, CanonicalName);
        switch (method)
        {
            case KeyframeMethod.Fir:
                byte sequence;
                lock (source.KeyframeLock)
                {
                    sequence = ++source.FirSequence;
                }

                writer.TryWriteFullIntraRequest(video.OutSsrc, [new RtcpFirEntry(video.InSsrc, sequence)]);
                break;
            case KeyframeMethod.LegacyFir:
                writer.TryWriteLegacyFullIntraRequest(video.InSsrc);
                break;
            default:
                writer.TryWritePictureLossIndication(video.OutSsrc, video.InSsrc);
                break;
        }

        Video.SendRtcp(video, writer.WrittenSpan);
    }

    private async Task SendInfoAsync(LegMedia source)
    {
        try
        {
            await source.SendPictureFastUpdate!().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.InfoFailed(_logger, e, Number, source.LegId);
        }
    }

    /// <summary>Sends every leg its RTCP report (node report loop).</summary>
    public void SendReports()
    {
        if (_disposed)
        {
            return;
        }

        Audio.SendReports(CanonicalName);
        Video?.SendReports(CanonicalName);
    }

    /// <summary>Statistics of one leg's streams since the last call (node report loop, after <see cref="SendReports"/>).</summary>
    public (StreamStatistics? Audio, StreamStatistics? Video, double? SinceKeyframe) Statistics(LegMedia leg, double seconds)
    {
        double? sinceKeyframe = leg.Video is { LastKeyframeSentAt: > 0 } v
            ? _time.GetElapsedTime(v.LastKeyframeSentAt).TotalSeconds
            : null;
        return (leg.Audio is { } a ? Snapshot(a, seconds) : null, leg.Video is { } b ? Snapshot(b, seconds) : null, sinceKeyframe);
    }

    /// <summary>Seconds since the last statistics interval began, and starts a new one.</summary>
    public double NextStatisticsInterval()
    {
        long now = _time.GetTimestamp();
        double seconds = Math.Max(0.001, _time.GetElapsedTime(_lastStatisticsAt, now).TotalSeconds);
        _lastStatisticsAt = now;
        return seconds;
    }

    private static StreamStatistics Snapshot(LegStream s, double seconds)
    {
        long bytesIn = s.BytesIn;
        long bytesOut = s.BytesOut;
        double inKbps = (bytesIn - s.PreviousBytesIn) * 8 / seconds / 1000;
        double outKbps = (bytesOut - s.PreviousBytesOut) * 8 / seconds / 1000;
        s.PreviousBytesIn = bytesIn;
        s.PreviousBytesOut = bytesOut;
        long lostIn = 0;
        double jitterIn = 0;
        lock (s.InLock)
        {
            if (s.InStats is { } stats)
            {
                lostIn = stats.CumulativeLost;
                jitterIn = stats.Jitter * 1000.0 / s.ClockRate;
            }
        }

        bool report = s.HasReport;
        return new StreamStatistics(
            s.PacketsIn,
            bytesIn,
            s.PacketsOut,
            bytesOut,
            Math.Round(inKbps, 1),
            Math.Round(outKbps, 1),
            Math.Round(s.FractionLostIn * 100 / 256.0, 2),
            lostIn,
            Math.Round(jitterIn, 2),
            report ? Math.Round(s.ReportFractionLost * 100 / 256.0, 2) : null,
            report ? s.ReportCumulativeLost : null,
            report ? Math.Round(s.ReportJitter * 1000.0 / s.ClockRate, 2) : null,
            double.IsNaN(s.RoundTripMs) ? null : Math.Round(s.RoundTripMs, 2),
            s.DroppedIn + s.HeldBack);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_mix is { } mix)
            {
                mix.Stop([.. _legs.Select(l => l.Audio).OfType<LegStream>()]);
                Audio.Mix = null;
                _mix = null;
                mix.Dispose();
            }

            foreach (LegMedia leg in _legs)
            {
                lock (leg.KeyframeLock)
                {
                    leg.KeyframeTimer?.Dispose();
                }
            }
        }

        Audio.Dispose();
        Audio.Release(_ports);
        if (Video is not null)
        {
            Video.Dispose();
            Video.Release(_ports);
        }
    }

    private void PublishLocked()
    {
        _version++;
        LegStream[] audio = [.. _legs.Select(l => l.Audio).OfType<LegStream>()];
        ApplyMixLocked(audio);
        Audio.Publish(_version, audio, _program, _returnFeed);
        var (videoProgram, videoReturn) = PictureLocked();
        Volatile.Write(ref _videoProgram, videoProgram);
        Volatile.Write(ref _videoReturn, videoReturn);
        Video?.Publish(_version, [.. _legs.Select(l => l.Video).OfType<LegStream>()], videoProgram, videoReturn);
    }

    private void ApplyMixLocked(LegStream[] audio)
    {
        AudioMixRequest request = _mixRequest;
        Mixing.AudioCodec? codec = Mixing.AudioCodec.For(Profile.AudioFormat);
        bool active = !_disposed && request.Enabled && codec is not null
            && ((_program is not null && _returnFeed is not null) || request.OpenDiscussion);
        int maxSpeakers = request.MaxSpeakers ?? _options.AudioMix.MaxSpeakers;
        if (active && _mix is null)
        {
            var mix = new Mixing.MeetingMix(Number, Audio, Audio.RtpSocket, codec!, _options.AudioMix, Audio.BatchedSend, _logger) { PictureChanged = OnPictureChanged };
            mix.UpdateRoles(audio, _program, _returnFeed, request.OpenDiscussion, maxSpeakers, PictureFollowsLocked);
            Volatile.Write(ref _mix, mix);
            Audio.Mix = mix;
            mix.Start();
            Log.MixStarted(_logger, Number, codec!.Name, request.OpenDiscussion);
        }
        else if (active)
        {
            _mix!.UpdateRoles(audio, _program, _returnFeed, request.OpenDiscussion, maxSpeakers, PictureFollowsLocked);
        }
        else if (_mix is { } mix)
        {
            // The forwarding path takes over from where the mix left each leg.
            mix.Stop(audio);
            Audio.Mix = null;
            Volatile.Write(ref _mix, null);
            _pictureLeg = null;
            mix.Dispose();
            Log.MixStopped(_logger, Number);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20111, Level = LogLevel.Debug, Message = "Meeting {Meeting}: keyframe requested from {Leg} by {Method} ({Reason})")]
        public static partial void KeyframeRequested(ILogger logger, string meeting, string leg, KeyframeMethod method, string reason);

        [LoggerMessage(EventId = 20112, Level = LogLevel.Warning, Message = "Meeting {Meeting}: picture_fast_update INFO to {Leg} failed")]
        public static partial void InfoFailed(ILogger logger, Exception exception, string meeting, string leg);

        [LoggerMessage(EventId = 17002, Level = LogLevel.Information, Message = "Meeting {Meeting}: audio mixed ({Codec}, open discussion {OpenDiscussion})")]
        public static partial void MixStarted(ILogger logger, string meeting, string codec, bool openDiscussion);

        [LoggerMessage(EventId = 17003, Level = LogLevel.Information, Message = "Meeting {Meeting}: audio forwarded again, the mix stopped")]
        public static partial void MixStopped(ILogger logger, string meeting);
    }
}
