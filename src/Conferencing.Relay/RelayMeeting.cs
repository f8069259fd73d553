using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Conferencing.Relay.Legs;
using Conferencing.Relay.Media;
using Conferencing.Sip;
using Conferencing.Sip.Sdp;
using Conferencing.Sip.Transport;
using Conferencing.Sip.UserAgent;
using Microsoft.Extensions.Logging;

namespace Conferencing.Relay;

/// <summary>
/// One relay meeting: its number and PIN, who may dial in, its legs and its media. Program and leg
/// commands are serialized by a lock; events go out after it is released.
/// </summary>
internal sealed partial class RelayMeeting
{
    private readonly RelayNode _node;
    private readonly Lock _lock = new();
    private readonly string _pin;
    private int _legCounter;
    private IReadOnlyList<LegStatistics> _statistics = [];
    private DialInList _dialIn;

    public RelayMeeting(RelayNode node, OpenMeetingRequest request, MediaProfile profile, MeetingMedia media, DateTimeOffset opened)
    {
        _node = node;
        Number = request.Number;
        _pin = request.Pin ?? "";
        Profile = profile;
        _dialIn = DialInList.Of(request.DialIn);
        Media = media;
        media.PictureMoved = PublishProgram;
        OpenedUtc = opened;
    }

    public string Number { get; }

    public MediaProfile Profile { get; }

    /// <summary>Who may dial in now; read once per decision, as it may be replaced at any moment.</summary>
    public DialInList DialIn => Volatile.Read(ref _dialIn);

    public MeetingMedia Media { get; }

    public DateTimeOffset OpenedUtc { get; }

    public ConcurrentDictionary<string, RelayLeg> Legs { get; } = new(StringComparer.Ordinal);

    public string? ProgramLegId { get; private set; }

    public string? ReturnFeedLegId { get; private set; }

    public IReadOnlyList<LegStatistics> LatestStatistics => Volatile.Read(ref _statistics);

    private ILogger Logger => _node.Logger;

    private DateTimeOffset Now => _node.Time.GetUtcNow();

    public bool PinMatches(string pin) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(pin), System.Text.Encoding.UTF8.GetBytes(_pin));

    /// <summary>Replaces the dial-in list; returns how many users lost their right to dial in.</summary>
    public int ReplaceDialIn(IReadOnlyDictionary<string, string> allowed)
    {
        lock (_lock)
        {
            DialInList before = _dialIn;
            Volatile.Write(ref _dialIn, before.Replace(allowed));
            return before.Allowed.Keys.Count(user => !allowed.ContainsKey(user));
        }
    }

    public RelayMeetingInfo ToInfo() => new(
        Number,
        _pin.Length > 0,
        Profile,
        ProgramLegId,
        ReturnFeedLegId,
        Media.Ports,
        [.. Legs.Values.OrderBy(l => l.CreatedUtc).Select(Info)],
        Media.Drops,
        OpenedUtc,
        [.. DialIn.Allowed.Keys.Order(StringComparer.Ordinal)],
        Media.AudioMix);

    public LegInfo Info(RelayLeg leg) => leg.ToInfo(leg.Id == ProgramLegId, leg.Id == ReturnFeedLegId);

    public RelayLeg Leg(string legId) =>
        Legs.TryGetValue(legId, out RelayLeg? leg) ? leg : throw RelayException.LegNotFound(Number, legId);

    // ---- dialing out ------------------------------------------------------------------------

    public LegInfo Dial(DialRequest request)
    {
        if (!SipUri.TryParse(request.Uri, out SipUri? uri, out string? error) || uri.Scheme != "sip" || uri.Host.Length == 0)
        {
            throw RelayException.Invalid("uri", $"'{SipLogText.Redact(request.Uri)}' is not a sip: URI ({error ?? "sip: with a host needed"}).");
        }

        if (request.LegId is { } requested && !LegIdPattern().IsMatch(requested))
        {
            throw RelayException.Invalid("legId", "A leg id is 1 to 64 letters, digits, '.', '_' or '-'.");
        }

        RelayLeg leg;
        lock (_lock)
        {
            string id = request.LegId ?? NextLegId("leg");
            if (Legs.TryGetValue(id, out RelayLeg? existing) && !existing.IsFinal)
            {
                throw new RelayException(RelayErrorKind.Conflict, "relay.leg-exists", $"Meeting {Number} already has an active leg '{id}'.");
            }

            CheckCapacity();
            leg = new RelayLeg(id, Number, LegDirection.Outgoing, request.Role, uri.ToString(), null, Now);
            Legs[id] = leg;
        }

        Publish(leg, LegEventKind.Dialing);
        _ = DialOutAsync(leg, uri);
        return Info(leg);
    }

    private async Task DialOutAsync(RelayLeg leg, SipUri uri)
    {
        try
        {
            SipEndPoint destination = await ResolveAsync(uri).ConfigureAwait(false);
            var negotiator = new SdpNegotiator(LegSdp.Capabilities(Media, answering: false));
            SessionDescription offer = negotiator.CreateOffer(LegSdp.OfferTransports(Media));
            Log.Dialing(Logger, Number, leg.Id, SipLogText.Redact(uri.ToString())!);
            SipCall call = await _node.Agent.InviteAsync(
                uri,
                destination,
                offer.ToString(),
                response =>
                {
                    if (response.StatusCode is 180 or 183 && leg.OnRinging())
                    {
                        Publish(leg, LegEventKind.Ringing);
                    }
                },
                leg.Dialing.Token).ConfigureAwait(false);

            if (!SessionDescription.TryParse(call.RemoteSdp, out SessionDescription? answer, out string? sdpError))
            {
                await call.HangUpAsync("unreadable SDP answer").ConfigureAwait(false);
                Fail(leg, 488, "unreadable SDP answer: " + sdpError);
                return;
            }

            SdpNegotiationResult result = negotiator.ProcessAnswer(answer);
            if (result.Status != SdpNegotiationStatus.Accepted)
            {
                await call.HangUpAsync("no common codec").ConfigureAwait(false);
                Fail(leg, 488, result.Reason ?? "no common codec");
                return;
            }

            await ConnectAsync(leg, call, negotiator, result.Streams).ConfigureAwait(false);
        }
        catch (SipCallFailedException e)
        {
            Fail(leg, e.StatusCode, e.Reason);
        }
        catch (OperationCanceledException)
        {
            Fail(leg, 487, "cancelled");
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidOperationException or ArgumentException or SipParseException)
        {
            Log.DialFailed(Logger, e, Number, leg.Id);
            Fail(leg, 503, e.Message);
        }
    }

    private static async Task<SipEndPoint> ResolveAsync(SipUri uri)
    {
        var protocol = string.Equals(uri.Parameters["transport"], "tcp", StringComparison.OrdinalIgnoreCase) ? SipProtocol.Tcp : SipProtocol.Udp;
        int port = uri.Port ?? 5060;
        if (IPAddress.TryParse(uri.HostWithoutBrackets, out IPAddress? address))
        {
            return new SipEndPoint(protocol, new IPEndPoint(address, port));
        }

        IPAddress[] addresses = await Dns.GetHostAddressesAsync(uri.Host).ConfigureAwait(false);
        IPAddress chosen = addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException($"{uri.Host} does not resolve.");
        return new SipEndPoint(protocol, new IPEndPoint(chosen, port));
    }

    // ---- dialing in -------------------------------------------------------------------------

    /// <summary>Answers an authenticated dial-in: 488 without a usable offer, 486 when the meeting is full.</summary>
    public async Task AcceptAsync(IncomingCall incoming, string user)
    {
        if (!SessionDescription.TryParse(incoming.RemoteSdp, out SessionDescription? offer, out string? error))
        {
            Log.DialInRefused(Logger, Number, user, 488, "no readable offer: " + error);
            await incoming.RejectAsync(488, "Offer required").ConfigureAwait(false);
            return;
        }

        var negotiator = new SdpNegotiator(LegSdp.Capabilities(Media, answering: true));
        SdpNegotiationResult result = negotiator.CreateAnswer(offer, LegSdp.AnswerTransports(offer, Media));
        if (result.Status != SdpNegotiationStatus.Accepted)
        {
            int status = result.FailureStatusCode ?? 488;
            Log.DialInRefused(Logger, Number, user, status, result.Reason ?? "not acceptable");
            await incoming.RejectAsync(status).ConfigureAwait(false);
            return;
        }

        RelayLeg? leg = null;
        lock (_lock)
        {
            if (ActiveLegs() < _node.Options.MaxLegsPerMeeting)
            {
                // A dial-in leg is named after its digest user; a second call from the same user gets a suffix.
                string id = Legs.TryGetValue(user, out RelayLeg? existing) && !existing.IsFinal ? NextLegId(user) : user;
                leg = new RelayLeg(id, Number, LegDirection.Incoming, LegRole.Endpoint, incoming.Invite.Request.From?.Uri.ToString() ?? user, user, Now);
                Legs[id] = leg;
            }
        }

        if (leg is null)
        {
            Log.DialInRefused(Logger, Number, user, 486, "meeting full");
            await incoming.RejectAsync(486, "Meeting full").ConfigureAwait(false);
            return;
        }

        LegMedia? media = LegSdp.BuildMedia(leg.Id, Media, result.Streams, incoming.Invite.Remote.Address.Address);
        if (media is null)
        {
            Fail(leg, 488, "no usable media stream");
            await incoming.RejectAsync(488).ConfigureAwait(false);
            return;
        }

        // The caller may send media as soon as it has our 200, before the relay has handled the ACK:
        // the leg's streams are in place first, so its first packets (often the SPS and PPS of its
        // first keyframe) are not dropped as coming from an unknown source.
        Media.Add(media);
        SipCall call;
        try
        {
            call = await incoming.AcceptAsync(result.Answer!.ToString()).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            RemoveMedia(media);
            Fail(leg, 487, "cancelled by the caller");
            return;
        }

        await ConnectAsync(leg, call, negotiator, result.Streams, media).ConfigureAwait(false);
    }

    // ---- connected legs ---------------------------------------------------------------------

    /// <summary>
    /// Puts a leg whose call is up into the meeting's media. <paramref name="added"/> is its media
    /// when already added (dial-in adds it before answering).
    /// </summary>
    private async Task ConnectAsync(RelayLeg leg, SipCall call, SdpNegotiator negotiator, IReadOnlyList<NegotiatedStream> streams, LegMedia? added = null)
    {
        LegMedia? media = added ?? LegSdp.BuildMedia(leg.Id, Media, streams, RelayLeg.PeerAddress(call));
        if (media is null)
        {
            await call.HangUpAsync("no usable media").ConfigureAwait(false);
            Fail(leg, 488, "no usable media stream");
            return;
        }

        media.SendPictureFastUpdate = () => SendPictureFastUpdateAsync(call);
        media.IsChildRelay = leg.Role == LegRole.ChildRelay;
        call.InfoReceived += (_, contentType, body) => OnInfo(leg, contentType, body);
        call.AnswerReInvite = sdp => OnReInvite(leg, call, sdp);
        if (!leg.OnConnected(call, negotiator, media, Now))
        {
            // Hung up while the answer was on its way.
            if (added is not null)
            {
                RemoveMedia(media);
            }

            await call.HangUpAsync("hung up").ConfigureAwait(false);
            return;
        }

        if (added is null)
        {
            Media.Add(media);
        }

        Log.Connected(Logger, Number, leg.Id, media.Audio?.CodecName, media.Video?.CodecName, media.KeyframeMethod);
        Publish(leg, LegEventKind.Answered);
        _ = WatchEndAsync(leg, call, media);
    }

    private async Task WatchEndAsync(RelayLeg leg, SipCall call, LegMedia media)
    {
        CallEnd end = await call.Ended.ConfigureAwait(false);
        bool programChanged = RemoveMedia(media);
        string reason = end.ByUs ? end.Reason : "far end: " + end.Reason;
        if (leg.Finish(LegState.Ended, null, reason, Now))
        {
            Log.Ended(Logger, Number, leg.Id, reason);
            Publish(leg, LegEventKind.Ended, reason: reason);
        }

        if (programChanged)
        {
            PublishProgram();
        }
    }

    private static async Task SendPictureFastUpdateAsync(SipCall call)
    {
        if (call.IsActive)
        {
            await call.SendInfoAsync(RelayLeg.MediaControlContentType, RelayLeg.PictureFastUpdate).ConfigureAwait(false);
        }
    }

    private void OnInfo(RelayLeg leg, string? contentType, string body)
    {
        // RFC 5168: a picture_fast_update in media_control XML. Some endpoints label it loosely, so the body decides.
        if (body.Contains("picture_fast_update", StringComparison.OrdinalIgnoreCase) && leg.Media?.Video is { } video)
        {
            Log.InfoKeyframeRequest(Logger, Number, leg.Id, contentType ?? "");
            Media.OnKeyframeRequested(video, "SIP INFO");
        }
    }

    private string OnReInvite(RelayLeg leg, SipCall call, string sdp)
    {
        if (leg.Negotiator is not { } negotiator || leg.Media is not { } media || !SessionDescription.TryParse(sdp, out SessionDescription? offer, out _))
        {
            return call.LocalSdp;
        }

        lock (negotiator)
        {
            SdpNegotiationResult result = negotiator.CreateAnswer(offer, LegSdp.AnswerTransports(offer, Media));
            if (result.Status != SdpNegotiationStatus.Accepted)
            {
                // Unchanged (a session refresh) or unusable: the session stays as it is.
                return call.LocalSdp;
            }

            LegSdp.Update(media, Media, result.Streams, RelayLeg.PeerAddress(call));
            Media.Update();
            Log.Renegotiated(Logger, Number, leg.Id);
            return result.Answer!.ToString();
        }
    }

    // ---- commands ---------------------------------------------------------------------------

    public async Task HangUpAsync(string legId)
    {
        RelayLeg leg = Leg(legId);
        if (leg.Call is { } call)
        {
            await call.HangUpAsync("hung up by the controller").ConfigureAwait(false);
            return;
        }

        if (!leg.IsFinal)
        {
            await leg.Dialing.CancelAsync().ConfigureAwait(false);
            Fail(leg, 487, "cancelled by the controller");
        }
    }

    public void SetProgram(ProgramRequest request)
    {
        lock (_lock)
        {
            LegMedia? program = request.LegId is null ? null : ConnectedMedia(request.LegId, "legId");
            LegMedia? returnFeed;
            if (request.ReturnFeedLegId is { } returnId)
            {
                returnFeed = ConnectedMedia(returnId, "returnFeedLegId");
            }
            else
            {
                // The previous program feeds the new one, unless it stays the program.
                returnFeed = Media.Program == program ? Media.ReturnFeed : Media.Program;
            }

            if (returnFeed == program)
            {
                returnFeed = null;
            }

            Media.SetProgram(program, returnFeed);
            ProgramLegId = program?.LegId;
            ReturnFeedLegId = returnFeed?.LegId;
        }

        Log.ProgramSet(Logger, Number, ProgramLegId, ReturnFeedLegId);
        PublishProgram();
    }

    public void SetAudioMuted(string legId, bool muted)
    {
        RelayLeg leg = Leg(legId);
        leg.AudioMuted = muted;
        if (leg.Media is { } media && media.AudioMuted != muted)
        {
            media.AudioMuted = muted;

            // Receivers re-base on the next packet, so the gap reads as a new talkspurt, not as loss.
            if (media.Audio is { } audio)
            {
                Interlocked.Increment(ref audio.Epoch);
            }

            // A mixed meeting hears or stops hearing the leg.
            Media.Update();
        }

        Publish(leg, muted ? LegEventKind.Muted : LegEventKind.Unmuted);
    }

    public void SetAudioMix(AudioMixRequest request)
    {
        Media.SetAudioMix(request);
        PublishProgram();
    }

    public void RequestKeyframe(string legId)
    {
        RelayLeg leg = Leg(legId);
        if (leg.Media is not { } media)
        {
            throw new RelayException(RelayErrorKind.Conflict, "relay.leg-not-connected", $"Leg '{legId}' of meeting {Number} is not connected.");
        }

        Media.RequestKeyframeFor(media, "controller");
    }

    /// <summary>Hangs up every leg; the caller disposes the media afterwards.</summary>
    public async Task CloseAsync()
    {
        var hangUps = new List<Task>();
        foreach (RelayLeg leg in Legs.Values)
        {
            if (leg.Call is { IsActive: true } call)
            {
                hangUps.Add(call.HangUpAsync("meeting closed"));
            }
            else if (!leg.IsFinal)
            {
                await leg.Dialing.CancelAsync().ConfigureAwait(false);
                Fail(leg, 487, "meeting closed");
            }
        }

        try
        {
            await Task.WhenAll(hangUps).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // BYEs still in flight finish on their own; the meeting is gone either way.
        }
    }

    /// <summary>RTCP reports to every leg, then one statistics interval; null when no leg is connected.</summary>
    public StatisticsEvent? Report()
    {
        Media.SendReports();
        double seconds = Media.NextStatisticsInterval();
        var list = new List<LegStatistics>();
        foreach (RelayLeg leg in Legs.Values)
        {
            if (leg.Media is { } media && leg.State == LegState.Connected)
            {
                var (audio, video, sinceKeyframe) = Media.Statistics(media, seconds);
                list.Add(new LegStatistics(leg.Id, LegState.Connected, audio, video, sinceKeyframe is null ? null : Math.Round(sinceKeyframe.Value, 3), media.Audio?.MixSource?.Statistics()));
            }
        }

        Volatile.Write(ref _statistics, list);
        return list.Count == 0 ? null : new StatisticsEvent(Now, Number, list, Media.Drops);
    }

    /// <summary>Takes a leg's media out of the meeting; true when that changed the program.</summary>
    private bool RemoveMedia(LegMedia media)
    {
        lock (_lock)
        {
            bool programChanged = Media.Remove(media);
            if (programChanged)
            {
                ProgramLegId = Media.Program?.LegId;
                ReturnFeedLegId = Media.ReturnFeed?.LegId;
            }

            return programChanged;
        }
    }

    private LegMedia ConnectedMedia(string legId, string field)
    {
        if (!Legs.TryGetValue(legId, out RelayLeg? leg))
        {
            throw new RelayException(RelayErrorKind.NotFound, "relay.leg-not-found", $"Meeting {Number} has no leg '{legId}'.", new Dictionary<string, string[]> { [field] = [$"No leg '{legId}'."] });
        }

        return leg.Media is { } media && leg.State == LegState.Connected
            ? media
            : throw new RelayException(RelayErrorKind.Conflict, "relay.leg-not-connected", $"Leg '{legId}' of meeting {Number} is not connected.", new Dictionary<string, string[]> { [field] = [$"Leg '{legId}' is {leg.State}."] });
    }

    private void Fail(RelayLeg leg, int status, string reason)
    {
        if (leg.Finish(LegState.Failed, status, reason, Now))
        {
            Log.Failed(Logger, Number, leg.Id, status, reason);
            Publish(leg, LegEventKind.Failed, status, reason);
        }
    }

    private void CheckCapacity()
    {
        if (ActiveLegs() >= _node.Options.MaxLegsPerMeeting)
        {
            throw new RelayException(RelayErrorKind.Unavailable, "relay.meeting-full", $"Meeting {Number} has {_node.Options.MaxLegsPerMeeting} legs, the most allowed.");
        }
    }

    private int ActiveLegs() => Legs.Values.Count(l => !l.IsFinal);

    private string NextLegId(string prefix)
    {
        string id;
        do
        {
            id = $"{prefix}-{Interlocked.Increment(ref _legCounter)}";
        }
        while (Legs.ContainsKey(id));
        return id;
    }

    private void Publish(RelayLeg leg, LegEventKind kind, int? status = null, string? reason = null) =>
        _node.Publish(new LegEvent(Now, Number, leg.Id, kind, status, reason, Info(leg)));

    private void PublishProgram() => _node.Publish(new ProgramEvent(Now, Number, ProgramLegId, ReturnFeedLegId, Media.AudioMix));

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex LegIdPattern();

    private static partial class Log
    {
        [LoggerMessage(EventId = 20201, Level = LogLevel.Information, Message = "Meeting {Meeting}: dialing leg {Leg} at {Uri}")]
        public static partial void Dialing(ILogger logger, string meeting, string leg, string uri);

        [LoggerMessage(EventId = 20202, Level = LogLevel.Information, Message = "Meeting {Meeting}: leg {Leg} connected (audio {Audio}, video {Video}, keyframes by {Method})")]
        public static partial void Connected(ILogger logger, string meeting, string leg, string? audio, string? video, KeyframeMethod method);

        [LoggerMessage(EventId = 20203, Level = LogLevel.Warning, Message = "Meeting {Meeting}: leg {Leg} failed with {Status}: {Reason}")]
        public static partial void Failed(ILogger logger, string meeting, string leg, int status, string reason);

        [LoggerMessage(EventId = 20204, Level = LogLevel.Information, Message = "Meeting {Meeting}: leg {Leg} ended ({Reason})")]
        public static partial void Ended(ILogger logger, string meeting, string leg, string reason);

        [LoggerMessage(EventId = 20205, Level = LogLevel.Warning, Message = "Meeting {Meeting}: dial-in by {User} refused with {Status}: {Reason}")]
        public static partial void DialInRefused(ILogger logger, string meeting, string user, int status, string reason);

        [LoggerMessage(EventId = 20206, Level = LogLevel.Information, Message = "Meeting {Meeting}: program {Program}, return feed {ReturnFeed}")]
        public static partial void ProgramSet(ILogger logger, string meeting, string? program, string? returnFeed);

        [LoggerMessage(EventId = 20207, Level = LogLevel.Debug, Message = "Meeting {Meeting}: leg {Leg} asked for a keyframe by INFO ({ContentType})")]
        public static partial void InfoKeyframeRequest(ILogger logger, string meeting, string leg, string contentType);

        [LoggerMessage(EventId = 20208, Level = LogLevel.Information, Message = "Meeting {Meeting}: leg {Leg} renegotiated its media")]
        public static partial void Renegotiated(ILogger logger, string meeting, string leg);

        [LoggerMessage(EventId = 20209, Level = LogLevel.Warning, Message = "Meeting {Meeting}: dialing leg {Leg} failed")]
        public static partial void DialFailed(ILogger logger, Exception exception, string meeting, string leg);
    }
}
