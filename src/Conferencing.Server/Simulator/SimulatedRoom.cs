using System.Net;
using Conferencing.Sip;
using Conferencing.Sip.Sdp;
using Conferencing.Sip.Stack;
using Conferencing.Sip.Transport;
using Conferencing.Sip.UserAgent;

namespace Conferencing.Server.Simulator;

/// <summary>Faults a simulated room can be told to show.</summary>
public sealed record RoomFaults
{
    /// <summary>Refuse every call with this status (e.g. 486), or null to answer.</summary>
    public int? RefuseCallsWith { get; init; }

    /// <summary>Share of the room's outgoing media packets lost (0 to 100).</summary>
    public double SendLossPercent { get; init; }

    /// <summary>Share of the media packets sent to the room that it loses (0 to 100).</summary>
    public double ReceiveLossPercent { get; init; }
}

/// <summary>
/// A room system simulated on our own SIP stack: it registers with digest credentials like a real
/// commune room, keeps its registration fresh, answers OPTIONS, and answers calls with a negotiated
/// H.264 + G.711 session whose media really flows (<see cref="SimulatedMedia"/>): a synthetic camera
/// and microphone, keyframes on request (RTCP or SIP INFO), and a record of what it received.
/// Stopping it makes it vanish from the network without a goodbye, as a room does when its power or
/// link drops.
/// </summary>
public sealed partial class SimulatedRoom : IAsyncDisposable
{
    private readonly NetworkCredential _credentials;
    private readonly SipEndPoint _registrar;
    private readonly TimeSpan _registration;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private SipUserAgent? _agent;
    private Task? _loop;

    private SimulatedMedia? _media;
    private readonly bool _register;

    /// <param name="register">False for a source that is only called (the test-call pattern): it binds beside <paramref name="registrar"/> and never registers.</param>
    public SimulatedRoom(string user, string password, SipEndPoint registrar, TimeSpan registration, ILogger logger, RoomFaults? faults = null, SimulatedMediaOptions? media = null, bool register = true)
    {
        _register = register;
        MediaOptions = media ?? new SimulatedMediaOptions();
        User = user;
        _credentials = new NetworkCredential(user, password);
        _registrar = registrar;
        _registration = registration;
        _logger = logger;
        Faults = faults ?? new RoomFaults();
    }

    public string User { get; }

    public RoomFaults Faults { get; set; }

    /// <summary>What the room's camera sends; applies to the next call.</summary>
    public SimulatedMediaOptions MediaOptions { get; set; }

    /// <summary>The media of the current (or last) call; null before the first call.</summary>
    public SimulatedMedia? Media => Volatile.Read(ref _media);

    /// <summary>True once the registrar accepted us.</summary>
    public bool Registered { get; private set; }

    /// <summary>Calls currently up.</summary>
    public int ActiveCalls => _agent?.Calls.Count ?? 0;

    /// <summary>Calls answered since the room started: a room dialled twice for one meeting shows it here.</summary>
    public int CallsAnswered => Volatile.Read(ref _callsAnswered);

    private int _callsAnswered;

    /// <summary>Where the room listens, once started.</summary>
    public SipEndPoint? EndPoint => _agent?.Stack.UdpEndPoint;

    public void Start()
    {
        _agent = new SipUserAgent(new SipUserAgentOptions
        {
            User = User,
            DisplayName = User,
            Credentials = _credentials,
            Stack = new SipStackOptions { Bind = new IPEndPoint(_registrar.Address.Address, 0), Product = "Conferencing simulated room" },
        });
        _agent.OnIncomingCall = AnswerAsync;
        _loop = _register ? Task.Run(() => KeepRegisteredAsync(_stop.Token)) : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        if (_agent is not null)
        {
            await _agent.DisposeAsync().ConfigureAwait(false);
        }

        if (Interlocked.Exchange(ref _media, null) is { } media)
        {
            await media.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task KeepRegisteredAsync(CancellationToken stop)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            SipResponse? response = null;
            try
            {
                response = await _agent!.RegisterAsync(SipUri.Create(null, _registrar.Address), _registrar, _registration, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Registered = response.StatusCode == 200;
            if (!Registered)
            {
                Log.RegisterFailed(_logger, User, response.StatusCode);
            }

            // Refresh at half the interval, or retry a failure a little later, as room systems do: soon
            // at first (a registrar refuses an endpoint added a moment ago once, while it learns its
            // password), then less and less often.
            failures = Registered ? 0 : failures + 1;
            var wait = Registered ? _registration / 2
                : TimeSpan.FromSeconds(Math.Min(Math.Min(30, Math.Max(1, _registration.TotalSeconds / 10)), Math.Pow(2, Math.Min(failures - 1, 5))));
            try
            {
                await Task.Delay(wait, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task AnswerAsync(IncomingCall incoming)
    {
        if (Faults.RefuseCallsWith is { } status)
        {
            await incoming.RejectAsync(status).ConfigureAwait(false);
            return;
        }

        await incoming.RingAsync().ConfigureAwait(false);
        if (!SessionDescription.TryParse(incoming.RemoteSdp, out var offer, out _))
        {
            await incoming.RejectAsync(488, "Offer required").ConfigureAwait(false);
            return;
        }

        var capabilities = new LocalCapabilities(EndPoint!.Value.Address.Address.ToString());
        var audio = new LocalMediaCapability("audio");
        audio.Codecs.Add(new LocalCodec(MediaFormat.Pcmu, 0));
        audio.Codecs.Add(new LocalCodec(MediaFormat.Pcma, 8));
        var video = new LocalMediaCapability("video");
        video.Codecs.Add(new LocalCodec(MediaFormat.H264(), 96).WithFeedback("nack pli", "ccm fir"));
        capabilities.Media.Add(audio);
        capabilities.Media.Add(video);
        var media = SimulatedMedia.Bind(EndPoint!.Value.Address.Address, [.. offer.Media.Select(m => m.Media)],
            MediaOptions with { SendLossPercent = Faults.SendLossPercent, ReceiveLossPercent = Faults.ReceiveLossPercent, SourceTag = MediaOptions.SourceTag ?? User });
        var result = new SdpNegotiator(capabilities).CreateAnswer(offer, media.Transports);
        if (result.Status != SdpNegotiationStatus.Accepted)
        {
            await media.DisposeAsync().ConfigureAwait(false);
            await incoming.RejectAsync(result.FailureStatusCode ?? 488).ConfigureAwait(false);
            return;
        }

        SipCall call;
        try
        {
            call = await incoming.AcceptAsync(result.Answer!.ToString()).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Cancelled while we were getting ready.
            await media.DisposeAsync().ConfigureAwait(false);
            return;
        }

        Interlocked.Increment(ref _callsAnswered);

        // One call at a time has the camera, as in a real room.
        if (Interlocked.Exchange(ref _media, media) is { } previous)
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }

        call.InfoReceived += (_, contentType, body) =>
        {
            // RFC 5168: application/media_control+xml with picture_fast_update.
            if (body.Contains("picture_fast_update", StringComparison.OrdinalIgnoreCase))
            {
                media.RequestKeyframe();
            }
        };
        media.Start(result.Streams);
        _ = call.Ended.ContinueWith(_ => media.DisposeAsync().AsTask(), TaskScheduler.Default).Unwrap();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "Simulated room {User}: REGISTER answered {Status}")]
        public static partial void RegisterFailed(ILogger logger, string user, int status);
    }
}
