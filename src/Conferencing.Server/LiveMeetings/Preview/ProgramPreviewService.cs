using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using Conferencing.Relay;
using Conferencing.Server.Hosting.Supervision;
using Conferencing.Server.Meetings;
using Conferencing.Server.Relaying;
using Conferencing.Sip.Sdp;
using Conferencing.Sip.Stack;
using Conferencing.Sip.UserAgent;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.LiveMeetings.Preview;

/// <summary>What a request for a meeting's still got.</summary>
public abstract record PreviewStill
{
    private PreviewStill()
    {
    }

    /// <summary>A JPEG of the program's latest keyframe, decoded at <paramref name="AtUtc"/>.</summary>
    public sealed record Picture(byte[] Jpeg, DateTimeOffset AtUtc) : PreviewStill;

    /// <summary>No keyframe has reached the preview yet (the leg is being dialled, or the source has sent none).</summary>
    public sealed record NotYet : PreviewStill;

    /// <summary>The meeting is not live at a relay, or the preview is off.</summary>
    public sealed record NotLive : PreviewStill;
}

/// <summary>
/// The program preview: while someone watches a live meeting's page, the top relay dials a preview
/// leg here (<c>sip:preview-{meeting}@</c>, video only, the recorder's listening role), whose RTP is
/// put back into pictures in this process, keeping the latest keyframe. A still is decoded from it
/// by ffmpeg only when asked for and at most once per keyframe and <see cref="ProgramPreviewOptions.CacheFor"/>.
/// The relay's packet path is untouched: it forwards to this leg as to any listener and never decodes.
/// The leg is hung up once nobody has asked for a still for <see cref="ProgramPreviewOptions.IdleHangUp"/>.
/// </summary>
public sealed partial class ProgramPreviewService(
    LoopSupervisor supervisor, LiveCalls live, RelayConductor conductor, IOptionsMonitor<ProgramPreviewOptions> options, TimeProvider time, ILogger<ProgramPreviewService> logger)
    : SupervisedService(supervisor, Loop)
{
    public const string Loop = "preview";

    /// <summary>The preview's SIP agent runs beside the conductor; other nodes ask it for stills.</summary>
    protected override string? Role => Hosting.Cluster.ClusterRoles.Conductor;

    /// <summary>The preview's leg id at the top relay.</summary>
    public const string LegId = "preview";

    private const string MediaControlContentType = "application/media_control+xml";

    private const string PictureFastUpdate =
        "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n<media_control>\r\n  <vc_primitive>\r\n    <to_encoder>\r\n      <picture_fast_update/>\r\n    </to_encoder>\r\n  </vc_primitive>\r\n</media_control>\r\n";

    private static readonly TimeSpan RedialAfter = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<Guid, PreviewLeg> _legs = new();
    private SipUserAgent? _agent;

    private ProgramPreviewOptions Options => options.CurrentValue;

    /// <summary>Whether a meeting's preview leg is up (tests).</summary>
    public bool HasLeg(Guid meetingId) => _legs.TryGetValue(meetingId, out var leg) && leg.Call is { IsActive: true };

    /// <summary>The still of a live meeting's program; asking keeps (or starts) its preview leg.</summary>
    public async Task<PreviewStill> StillAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        // One preview leg per meeting in the cluster: beside the conductor, which dials it.
        if (!conductor.IsDriving && conductor.Forwarder is { } forward)
        {
            var answer = ConductorRequests.Read<ForwardedStill>(await forward(ForwardTopic, ConductorRequests.Write(meetingId), cancellationToken).ConfigureAwait(false));
            return answer.Jpeg is { } jpeg ? new PreviewStill.Picture(jpeg, answer.AtUtc) : answer.NotYet ? new PreviewStill.NotYet() : new PreviewStill.NotLive();
        }

        return await StillHereAsync(meetingId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The topic of preview stills asked of the driving node.</summary>
    public const string ForwardTopic = "preview";

    /// <summary>Answers another node's request for a still; the answer is written for <see cref="ConductorRequests.Read{T}"/>.</summary>
    public Task<string> AnswerAsync(string body, CancellationToken cancellationToken) => ConductorRequests.AnswerAsync(async () =>
        await StillHereAsync(ConductorRequests.ReadBody<Guid>(body), cancellationToken).ConfigureAwait(false) switch
        {
            PreviewStill.Picture p => new ForwardedStill(p.Jpeg, p.AtUtc, false),
            PreviewStill.NotYet => new ForwardedStill(null, default, true),
            _ => new ForwardedStill(null, default, false),
        });

    /// <summary>A still as it travels between nodes (JPEG bytes as base64 in JSON, a few KB).</summary>
    public sealed record ForwardedStill(byte[]? Jpeg, DateTimeOffset AtUtc, bool NotYet);

    private async Task<PreviewStill> StillHereAsync(Guid meetingId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!Options.Enabled || live.Get(meetingId) is not { Status: MeetingStatus.Live, Number: { } number })
        {
            return new PreviewStill.NotLive();
        }

        var leg = _legs.GetOrAdd(meetingId, id => new PreviewLeg(id, number));
        leg.LastWatchedUtc = now;
        if (leg.Still is { } still && now - still.AtUtc < Options.CacheFor)
        {
            return new PreviewStill.Picture(still.Jpeg, still.AtUtc);
        }

        if (leg.Keyframe is not { } keyframe)
        {
            return new PreviewStill.NotYet();
        }

        await leg.Decoding.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (leg.Still is { } made && (made.Serial == keyframe.Serial || now - made.AtUtc < Options.CacheFor))
            {
                // The same keyframe (or another request decoded meanwhile): the JPEG is still true.
                leg.Still = (made.Jpeg, made.Serial, now);
                return new PreviewStill.Picture(made.Jpeg, now);
            }

            var jpeg = await DecodeAsync(keyframe.AnnexB, cancellationToken).ConfigureAwait(false);
            if (jpeg is null)
            {
                return leg.Still is { } old ? new PreviewStill.Picture(old.Jpeg, old.AtUtc) : new PreviewStill.NotYet();
            }

            leg.Still = (jpeg, keyframe.Serial, now);
            return new PreviewStill.Picture(jpeg, now);
        }
        finally
        {
            leg.Decoding.Release();
        }
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var agent = new SipUserAgent(new SipUserAgentOptions
        {
            User = "preview",
            DisplayName = "Conferencing preview",
            Stack = new SipStackOptions { Bind = new IPEndPoint(IPAddress.Parse(Options.Address), 0), Product = "Conferencing preview" },
        });
        agent.OnIncomingCall = AnswerAsync;
        _agent = agent;
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
            do
            {
                Beat();
                await RoundAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _agent = null;
            foreach (var meetingId in _legs.Keys.ToList())
            {
                if (_legs.TryRemove(meetingId, out var leg))
                {
                    await leg.DisposeAsync().ConfigureAwait(false);
                }
            }

            await agent.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RoundAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var (meetingId, leg) in _legs.ToList())
        {
            var current = live.Get(meetingId);
            if (now - leg.LastWatchedUtc > Options.IdleHangUp || current is not { Status: MeetingStatus.Live } || current.Number != leg.Number)
            {
                if (_legs.TryRemove(meetingId, out _))
                {
                    Log.HungUp(logger, meetingId);
                    await leg.DisposeAsync().ConfigureAwait(false);
                }

                continue;
            }

            if (leg.Call is not { IsActive: true })
            {
                await DialAsync(leg, now, cancellationToken).ConfigureAwait(false);
            }
            else if ((leg.Keyframe is not { } keyframe || now - keyframe.AtUtc > Options.KeyframeRequestAfter)
                && now - leg.LastKeyframeRequestUtc > Options.KeyframeRequestAfter)
            {
                leg.LastKeyframeRequestUtc = now;
                _ = AskForKeyframeAsync(leg);
            }
        }
    }

    private async Task DialAsync(PreviewLeg leg, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_agent is not { } agent || now - leg.LastDialUtc < RedialAfter)
        {
            return;
        }

        TopRelayRoute? route;
        try
        {
            route = await conductor.TopRelayAsync(leg.MeetingId, LegId).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return;
        }

        if (route is null || route.Leg is { State: not (LegState.Ended or LegState.Failed) })
        {
            return;
        }

        leg.LastDialUtc = now;
        try
        {
            // A listener like the recorder: the conductor keeps it apart from the sites and does not watch it for silence.
            var uri = $"sip:{UserOf(leg.MeetingId)}@{agent.Stack.UdpEndPoint.Address}";
            await route.Control.DialAsync(route.Number, new DialRequest(uri, LegId, LegRole.Recorder), cancellationToken).ConfigureAwait(false);
            Log.Dialled(logger, leg.MeetingId, route.Relay);
        }
        catch (RelayException e)
        {
            Log.DialFailed(logger, leg.MeetingId, e.Message);
        }
    }

    private static string UserOf(Guid meetingId) => "preview-" + meetingId.ToString("N");

    private async Task AnswerAsync(IncomingCall incoming)
    {
        var user = incoming.Invite.Request.RequestUri.UnescapedUser ?? "";
        if (!user.StartsWith("preview-", StringComparison.Ordinal) || !Guid.TryParseExact(user.AsSpan(8), "N", out var id) || !_legs.TryGetValue(id, out var leg))
        {
            await incoming.RejectAsync(404, "No such preview").ConfigureAwait(false);
            return;
        }

        if (!SessionDescription.TryParse(incoming.RemoteSdp, out var offer, out _))
        {
            await incoming.RejectAsync(488, "Offer required").ConfigureAwait(false);
            return;
        }

        // Video only: the still needs no sound, and an m-line without a capability is answered with port 0.
        var capabilities = new LocalCapabilities(Options.Address) { Username = "preview", SessionName = "Conferencing preview" };
        var video = new LocalMediaCapability("video") { Direction = MediaDirection.RecvOnly };
        video.Codecs.Add(new LocalCodec(MediaFormat.H264(), 96));
        capabilities.Media.Add(video);
        var port = leg.Bind(IPAddress.Parse(Options.Address));
        var transports = offer.Media.Select(m => new MediaTransport(null, string.Equals(m.Media, "video", StringComparison.OrdinalIgnoreCase) ? port : 0)).ToList();
        var result = new SdpNegotiator(capabilities).CreateAnswer(offer, transports);
        if (result.Status != SdpNegotiationStatus.Accepted)
        {
            await incoming.RejectAsync(result.FailureStatusCode ?? 488).ConfigureAwait(false);
            return;
        }

        leg.StartReceiving(time);
        try
        {
            leg.Call = await incoming.AcceptAsync(result.Answer!.ToString()).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            await leg.Call.Confirmed.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            leg.LastKeyframeRequestUtc = time.GetUtcNow();
            await AskForKeyframeAsync(leg).ConfigureAwait(false);
        });
    }

    /// <summary>Asks, through the relay, the program's source for a keyframe: a still can only be decoded from one.</summary>
    private static async Task AskForKeyframeAsync(PreviewLeg leg)
    {
        if (leg.Call is { IsActive: true } call)
        {
            try
            {
                await call.SendInfoAsync(MediaControlContentType, PictureFastUpdate).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
            {
                // The next round asks again.
            }
        }
    }

    /// <summary>ffmpeg decodes the keyframe (Annex B on its stdin) into one JPEG on its stdout.</summary>
    private async Task<byte[]?> DecodeAsync(byte[] annexB, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Options.Ffmpeg)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-hide_banner", "-loglevel", "error", "-nostdin", "-f", "h264", "-i", "pipe:0", "-frames:v", "1", "-q:v", "5", "-f", "image2", "-c:v", "mjpeg", "pipe:1"])
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            using var output = new MemoryStream();
            var reading = process.StandardOutput.BaseStream.CopyToAsync(output, timeout.Token);
            await process.StandardInput.BaseStream.WriteAsync(annexB, timeout.Token).ConfigureAwait(false);
            process.StandardInput.Close();
            await reading.ConfigureAwait(false);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            if (process.ExitCode != 0 || output.Length == 0)
            {
                Log.DecodeFailed(logger, $"ffmpeg exited {process.ExitCode}: {(await errors.ConfigureAwait(false)).Trim()}");
                return null;
            }

            return output.ToArray();
        }
        catch (Exception e) when (e is Win32Exception or IOException or OperationCanceledException)
        {
            Log.DecodeFailed(logger, e.Message);
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20610, Level = LogLevel.Information, Message = "Program preview of meeting {Meeting} dialled from relay {Relay}")]
        public static partial void Dialled(ILogger logger, Guid meeting, string relay);

        [LoggerMessage(EventId = 20611, Level = LogLevel.Warning, Message = "Program preview of meeting {Meeting} could not be dialled: {Reason}")]
        public static partial void DialFailed(ILogger logger, Guid meeting, string reason);

        [LoggerMessage(EventId = 20612, Level = LogLevel.Information, Message = "Program preview of meeting {Meeting} hung up: nobody watches or the meeting ended")]
        public static partial void HungUp(ILogger logger, Guid meeting);

        [LoggerMessage(EventId = 20613, Level = LogLevel.Warning, Message = "Program preview: a keyframe could not be decoded ({Reason})")]
        public static partial void DecodeFailed(ILogger logger, string reason);
    }
}
