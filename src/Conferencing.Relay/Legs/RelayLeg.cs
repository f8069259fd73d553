using System.Net;
using Conferencing.Relay.Media;
using Conferencing.Sip.Sdp;
using Conferencing.Sip.UserAgent;

namespace Conferencing.Relay.Legs;

/// <summary>
/// The SIP side of one leg: its call, its state and its negotiator. Once connected it owns a
/// <see cref="LegMedia"/> in the meeting's media.
/// </summary>
internal sealed class RelayLeg
{
    /// <summary>The RFC 5168 body asking for a keyframe.</summary>
    public const string PictureFastUpdate =
        "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n<media_control>\r\n  <vc_primitive>\r\n    <to_encoder>\r\n      <picture_fast_update/>\r\n    </to_encoder>\r\n  </vc_primitive>\r\n</media_control>\r\n";

    /// <summary>The RFC 5168 content type.</summary>
    public const string MediaControlContentType = "application/media_control+xml";

    private readonly Lock _lock = new();
    private LegState _state = LegState.Dialing;

    public RelayLeg(string id, string meeting, LegDirection direction, LegRole role, string remoteUri, string? authenticatedUser, DateTimeOffset created)
    {
        Id = id;
        Meeting = meeting;
        Direction = direction;
        Role = role;
        RemoteUri = remoteUri;
        AuthenticatedUser = authenticatedUser;
        CreatedUtc = created;
    }

    public string Id { get; }

    public string Meeting { get; }

    public LegDirection Direction { get; }

    public LegRole Role { get; }

    public string RemoteUri { get; }

    public string? AuthenticatedUser { get; }

    public DateTimeOffset CreatedUtc { get; }

    public LegState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    public bool IsFinal => State is LegState.Ended or LegState.Failed;

    public int? StatusCode { get; private set; }

    public string? Reason { get; private set; }

    public DateTimeOffset? ConnectedUtc { get; private set; }

    public DateTimeOffset? EndedUtc { get; private set; }

    public SipCall? Call { get; private set; }

    public LegMedia? Media { get; private set; }

    public SdpNegotiator? Negotiator { get; private set; }

    /// <summary>Cancelled to give up while the call rings.</summary>
    public CancellationTokenSource Dialing { get; } = new();

    /// <summary>Muted before the call connected: applied when it does.</summary>
    public bool AudioMuted { get; set; }

    public bool OnRinging()
    {
        lock (_lock)
        {
            if (_state != LegState.Dialing)
            {
                return false;
            }

            _state = LegState.Ringing;
            return true;
        }
    }

    public bool OnConnected(SipCall call, SdpNegotiator negotiator, LegMedia media, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (_state is LegState.Ended or LegState.Failed)
            {
                return false;
            }

            _state = LegState.Connected;
            Call = call;
            Negotiator = negotiator;
            Media = media;
            media.AudioMuted = AudioMuted;
            ConnectedUtc = now;
            return true;
        }
    }

    /// <summary>Moves to a final state once; false when it already was final.</summary>
    public bool Finish(LegState state, int? statusCode, string reason, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (_state is LegState.Ended or LegState.Failed)
            {
                return false;
            }

            _state = state;
            StatusCode = statusCode;
            Reason = reason;
            EndedUtc = now;
            return true;
        }
    }

    public LegInfo ToInfo(bool isProgram, bool isReturnFeed)
    {
        lock (_lock)
        {
            LegMedia? media = Media;
            return new LegInfo(
                Id,
                Meeting,
                Direction,
                Role,
                RemoteUri,
                AuthenticatedUser,
                _state,
                StatusCode,
                Reason,
                media?.AudioMuted ?? AudioMuted,
                isProgram,
                isReturnFeed,
                media?.Audio?.CodecName,
                media?.Video?.CodecName,
                media?.Video is null ? null : media.KeyframeMethod switch
                {
                    KeyframeMethod.Pli => "pli",
                    KeyframeMethod.Fir => "fir",
                    KeyframeMethod.LegacyFir => "fir-rfc2032",
                    KeyframeMethod.Info => "info",
                    _ => "pli-unnegotiated",
                },
                CreatedUtc,
                ConnectedUtc,
                EndedUtc);
        }
    }

    /// <summary>The address to use when the peer's SDP names none.</summary>
    public static IPAddress PeerAddress(SipCall call) => call.Dialog.Peer.Address.Address;
}
