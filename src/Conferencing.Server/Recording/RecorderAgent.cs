using System.Net;
using Conferencing.Sip.Sdp;
using Conferencing.Sip.Stack;
using Conferencing.Sip.UserAgent;

namespace Conferencing.Server.Recording;

/// <summary>
/// The recorder's SIP side: the top relay dials <c>sip:rec-{recording}@</c> this agent as it dials
/// a room, and the answer names the ports where that recording's ffmpeg listens, so the relay's
/// packet path hands the recorder exactly what every listener gets (the program as forwarded and
/// the common mix) with no new relay API. A recording id the service does not run gets 404.
/// </summary>
internal sealed class RecorderAgent : IAsyncDisposable
{
    private const string MediaControlContentType = "application/media_control+xml";

    private const string PictureFastUpdate =
        "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n<media_control>\r\n  <vc_primitive>\r\n    <to_encoder>\r\n      <picture_fast_update/>\r\n    </to_encoder>\r\n  </vc_primitive>\r\n</media_control>\r\n";

    private readonly RecordingOptions _options;
    private readonly Func<Guid, ActiveRecording?> _find;
    private readonly ILogger _logger;
    private SipUserAgent? _agent;

    public RecorderAgent(RecordingOptions options, Func<Guid, ActiveRecording?> find, ILogger logger)
    {
        _options = options;
        _find = find;
        _logger = logger;
    }

    /// <summary>Where relays call the recorder, once started.</summary>
    public IPEndPoint? EndPoint => _agent?.Stack.UdpEndPoint.Address;

    public void Start()
    {
        _agent = new SipUserAgent(new SipUserAgentOptions
        {
            User = "recorder",
            DisplayName = "Conferencing recorder",
            Stack = new SipStackOptions { Bind = new IPEndPoint(IPAddress.Parse(_options.Address), 0), Product = "Conferencing recorder" },
        });
        _agent.OnIncomingCall = AnswerAsync;
    }

    public static string UserOf(Guid recordingId) => "rec-" + recordingId.ToString("N");

    private async Task AnswerAsync(IncomingCall incoming)
    {
        var user = incoming.Invite.Request.RequestUri.UnescapedUser ?? "";
        if (!user.StartsWith("rec-", StringComparison.Ordinal) || !Guid.TryParseExact(user.AsSpan(4), "N", out var id) || _find(id) is not { } recording)
        {
            await incoming.RejectAsync(404, "No such recording").ConfigureAwait(false);
            return;
        }

        if (!SessionDescription.TryParse(incoming.RemoteSdp, out var offer, out _))
        {
            await incoming.RejectAsync(488, "Offer required").ConfigureAwait(false);
            return;
        }

        var capabilities = new LocalCapabilities(_options.Address) { Username = "recorder", SessionName = "Conferencing recorder" };
        var audio = new LocalMediaCapability("audio") { Direction = MediaDirection.RecvOnly };
        audio.Codecs.Add(new LocalCodec(MediaFormat.Pcmu, 0));
        audio.Codecs.Add(new LocalCodec(MediaFormat.Pcma, 8));
        audio.Codecs.Add(new LocalCodec(MediaFormat.G722, 9));
        audio.Codecs.Add(new LocalCodec(MediaFormat.Opus(), 111));
        capabilities.Media.Add(audio);
        var wantsVideo = offer.Media.Any(m => string.Equals(m.Media, "video", StringComparison.OrdinalIgnoreCase));
        if (wantsVideo)
        {
            var video = new LocalMediaCapability("video") { Direction = MediaDirection.RecvOnly };
            video.Codecs.Add(new LocalCodec(MediaFormat.H264(), 96));
            capabilities.Media.Add(video);
        }

        var process = recording.Process ??= RecorderProcess.Reserve(recording.Row.Id, recording.Folder, _options, _logger, wantsVideo);
        var transports = offer.Media.Select(m => new MediaTransport(null,
            string.Equals(m.Media, "video", StringComparison.OrdinalIgnoreCase) ? process.VideoPort ?? 0 : process.AudioPort)).ToList();
        var result = new SdpNegotiator(capabilities).CreateAnswer(offer, transports);
        var audioCodec = result.Streams.FirstOrDefault(s => s.IsAccepted && string.Equals(s.MediaType, "audio", StringComparison.OrdinalIgnoreCase))?.Codec;
        if (result.Status != SdpNegotiationStatus.Accepted || audioCodec is null)
        {
            RecordingLog.CallRefused(_logger, recording.Row.Id, 488, result.Reason ?? "no audio");
            await incoming.RejectAsync(result.FailureStatusCode ?? 488).ConfigureAwait(false);
            return;
        }

        var videoCodec = result.Streams.FirstOrDefault(s => s.IsAccepted && string.Equals(s.MediaType, "video", StringComparison.OrdinalIgnoreCase))?.Codec;
        if (process.ProcessId is null)
        {
            // ffmpeg listens before the answer goes out: the relay starts sending on our 200.
            await process.StartAsync(audioCodec, videoCodec, CancellationToken.None).ConfigureAwait(false);
            process.Restarted += restarted => { _ = AskForKeyframeAsync(recording); };
        }

        SipCall call;
        try
        {
            call = await incoming.AcceptAsync(result.Answer!.ToString()).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            return;
        }

        recording.Call = call;
        _ = Task.Run(async () =>
        {
            await call.Confirmed.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            await AskForKeyframeAsync(recording).ConfigureAwait(false);
        });
    }

    /// <summary>Asks, through the relay, the program's source for a keyframe: ffmpeg can start a file only at one.</summary>
    private static async Task AskForKeyframeAsync(ActiveRecording recording)
    {
        if (recording.Call is { IsActive: true } call)
        {
            try
            {
                await call.SendInfoAsync(MediaControlContentType, PictureFastUpdate).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
            {
                // The relay also asks for one by itself every time a leg joins; a lost INFO costs at most a keyframe interval.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync().ConfigureAwait(false);
        }
    }
}
