using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Conferencing.Relay.Media;
using Conferencing.Sip.Auth;
using Conferencing.Sip.Stack;
using Conferencing.Sip.Transport;
using Conferencing.Sip.UserAgent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conferencing.Relay;

/// <summary>
/// A cascade relay node: one SIP user agent, a media port range, and the relay meetings keyed by
/// meeting number. The server runs one in-process; a district or province host runs one alone
/// behind the HTTP API. Implements <see cref="IRelayControl"/> directly.
/// </summary>
public sealed partial class RelayNode : IRelayControl, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RelayMeeting> _meetings = new(StringComparer.Ordinal);
    private readonly EventHub _events = new();
    private readonly MediaPortAllocator _ports;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _meetingsLock = new();
    private SipUserAgent? _agent;
    private Task? _reportLoop;
    private int _disposed;

    /// <summary>Creates a node; nothing listens until <see cref="StartAsync"/>.</summary>
    public RelayNode(RelayOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validation = new RelayOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(options));
        }

        Options = options;
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Conferencing.Relay");
        Time = time ?? TimeProvider.System;
        MediaAddress = options.ResolveMediaAddress();
        _ports = new MediaPortAllocator(MediaAddress, options.MediaPortRange, options.SocketBufferBytes);
    }

    /// <summary>The settings.</summary>
    public RelayOptions Options { get; }

    /// <summary>The node's name.</summary>
    public string Name => Options.Name;

    /// <summary>The address media sockets bind to and SDP carries.</summary>
    public IPAddress MediaAddress { get; }

    /// <summary>Where SIP listens (UDP), once started.</summary>
    public SipEndPoint SipEndPoint => Agent.Stack.UdpEndPoint;

    /// <summary>Malformed SIP messages received (answered 400 or dropped by the stack).</summary>
    public long MalformedSipCount => _agent?.Stack.MalformedCount ?? 0;

    internal ILogger Logger { get; }

    internal TimeProvider Time { get; }

    internal SipUserAgent Agent => _agent ?? throw new InvalidOperationException("The relay node is not started.");

    /// <summary>Binds SIP and starts the report loop (RTCP reports and statistics each interval).</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_agent is not null)
        {
            return Task.CompletedTask;
        }

        var algorithm = Options.DigestAlgorithm == "MD5" ? DigestAlgorithm.Md5 : DigestAlgorithm.Sha256;
        _agent = new SipUserAgent(new SipUserAgentOptions
        {
            User = Options.SipUser,
            DisplayName = "Relay " + Options.Name,
            Credentials = Options.SipPassword is null ? null : new NetworkCredential(Options.SipUser, Options.SipPassword),
            Authenticator = new DigestServer(Options.Realm, RandomNumberGenerator.GetBytes(32), Time, algorithm: algorithm),
            PasswordOf = PasswordOf,
            AuthenticateInvites = true,
            Stack = new SipStackOptions { Bind = Options.SipEndPoint, Product = "Conferencing relay", Time = Time },
        });
        _agent.OnIncomingCall = OnIncomingCallAsync;
        _agent.Stack.MalformedReceived += (remote, reason) => Log.MalformedSip(Logger, remote.ToString(), reason);
        _reportLoop = Task.Run(() => ReportLoopAsync(_stop.Token), CancellationToken.None);
        Log.Started(Logger, Name, _agent.Stack.UdpEndPoint.ToString(), MediaAddress, Options.MediaPorts);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<RelayMeetingInfo> OpenMeetingAsync(OpenMeetingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        MediaProfile profile = request.Profile ?? MediaProfile.Default;
        Validate(request, profile);
        RelayMeeting meeting;
        lock (_meetingsLock)
        {
            if (_meetings.ContainsKey(request.Number))
            {
                throw new RelayException(RelayErrorKind.Conflict, "relay.meeting-exists", $"Meeting {request.Number} is already open on relay {Name}.");
            }

            var media = new MeetingMedia(request.Number, profile, Options, _ports, Logger, Time);
            meeting = new RelayMeeting(this, request, profile, media, Time.GetUtcNow());
            _meetings[request.Number] = meeting;
            media.Start();
        }

        Log.MeetingOpened(Logger, request.Number, meeting.Media.Ports.AudioRtp, meeting.Media.Ports.VideoRtp);
        Publish(new MeetingEvent(Time.GetUtcNow(), request.Number, MeetingEventKind.Opened));
        return Task.FromResult(meeting.ToInfo());
    }

    /// <inheritdoc />
    public async Task CloseMeetingAsync(string number, CancellationToken cancellationToken = default)
    {
        RelayMeeting meeting;
        lock (_meetingsLock)
        {
            if (!_meetings.TryRemove(number ?? "", out meeting!))
            {
                throw RelayException.MeetingNotFound(number ?? "");
            }
        }

        await meeting.CloseAsync().ConfigureAwait(false);
        meeting.Media.Dispose();
        Log.MeetingClosed(Logger, number!);
        Publish(new MeetingEvent(Time.GetUtcNow(), number!, MeetingEventKind.Closed));
    }

    /// <inheritdoc />
    public Task SetDialInAsync(string number, IReadOnlyDictionary<string, string> dialIn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dialIn);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        ValidateDialIn(dialIn, errors);
        if (errors.Count > 0)
        {
            throw new RelayException(RelayErrorKind.Invalid, "validation", "The dial-in list is invalid.", errors);
        }

        RelayMeeting meeting = Meeting(number);
        int removed = meeting.ReplaceDialIn(dialIn);
        Log.DialInReplaced(Logger, meeting.Number, dialIn.Count, removed);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RelayMeetingInfo>> ListMeetingsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RelayMeetingInfo>>([.. _meetings.Values.OrderBy(m => m.OpenedUtc).Select(m => m.ToInfo())]);

    /// <inheritdoc />
    public Task<RelayMeetingInfo> GetMeetingAsync(string number, CancellationToken cancellationToken = default) =>
        Task.FromResult(Meeting(number).ToInfo());

    /// <inheritdoc />
    public Task<LegInfo> DialAsync(string number, DialRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        RelayMeeting meeting = Meeting(number);
        if (_agent is null)
        {
            throw new RelayException(RelayErrorKind.Unavailable, "relay.not-started", $"Relay {Name} is not started.");
        }

        return Task.FromResult(meeting.Dial(request));
    }

    /// <inheritdoc />
    public Task HangUpAsync(string number, string legId, CancellationToken cancellationToken = default) =>
        Meeting(number).HangUpAsync(legId);

    /// <inheritdoc />
    public Task SetProgramAsync(string number, ProgramRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Meeting(number).SetProgram(request);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SetAudioMixAsync(string number, AudioMixRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.MaxSpeakers is < 0 or > 16)
        {
            throw RelayException.Invalid("maxSpeakers", "maxSpeakers must be between 0 and 16.");
        }

        Meeting(number).SetAudioMix(request);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SetAudioMutedAsync(string number, string legId, bool muted, CancellationToken cancellationToken = default)
    {
        Meeting(number).SetAudioMuted(legId, muted);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RequestKeyframeAsync(string number, string legId, CancellationToken cancellationToken = default)
    {
        Meeting(number).RequestKeyframe(legId);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<LegStatistics>> GetStatisticsAsync(string number, CancellationToken cancellationToken = default) =>
        Task.FromResult(Meeting(number).LatestStatistics);

    /// <inheritdoc />
    public IAsyncEnumerable<RelayEvent> WatchAsync(CancellationToken cancellationToken = default) =>
        _events.WatchAsync(Snapshot, cancellationToken);

    /// <summary>The whole node as one event.</summary>
    public SnapshotEvent Snapshot() =>
        new(Time.GetUtcNow(), Name, [.. _meetings.Values.OrderBy(m => m.OpenedUtc).Select(m => m.ToInfo())]);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_reportLoop is not null)
        {
            await _reportLoop.ConfigureAwait(false);
        }

        foreach (string number in _meetings.Keys.ToList())
        {
            try
            {
                await CloseMeetingAsync(number).ConfigureAwait(false);
            }
            catch (RelayException)
            {
                // Closed meanwhile.
            }
        }

        _events.CompleteAll();
        if (_agent is not null)
        {
            await _agent.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    internal void Publish(RelayEvent relayEvent) => _events.Publish(relayEvent);

    internal RelayMeeting Meeting(string number) =>
        _meetings.TryGetValue(number ?? "", out RelayMeeting? meeting) ? meeting : throw RelayException.MeetingNotFound(number ?? "");

    /// <summary>Test hook: the media of an open meeting.</summary>
    internal MeetingMedia MediaOf(string number) => Meeting(number).Media;

    private static void Validate(OpenMeetingRequest request, MediaProfile profile)
    {
        var errors = new Dictionary<string, string[]>(profile.Validate("profile."), StringComparer.Ordinal);
        if (request.Number is null || !NumberPattern().IsMatch(request.Number))
        {
            errors["number"] = ["A meeting number is 1 to 20 digits."];
        }

        if (request.Pin is { Length: > 0 } pin && !PinPattern().IsMatch(pin))
        {
            errors["pin"] = ["A PIN is up to 16 digits."];
        }

        ValidateDialIn(request.DialIn, errors);
        if (errors.Count > 0)
        {
            throw new RelayException(RelayErrorKind.Invalid, "validation", "The meeting request is invalid.", errors);
        }
    }

    private static void ValidateDialIn(IReadOnlyDictionary<string, string>? dialIn, Dictionary<string, string[]> errors)
    {
        foreach (var (user, password) in dialIn ?? new Dictionary<string, string>())
        {
            if (string.IsNullOrWhiteSpace(user) || user.Length > 128 || string.IsNullOrEmpty(password))
            {
                errors["dialIn"] = ["Each dial-in entry needs a user name (at most 128 characters) and a password."];
            }
        }
    }

    /// <summary>
    /// Digest passwords for dial-in: any open meeting's list, then users removed from one (so they
    /// hear 403, not invited, rather than a new challenge); the meeting then checks the user is
    /// invited to it now.
    /// </summary>
    private string? PasswordOf(string user)
    {
        foreach (RelayMeeting meeting in _meetings.Values)
        {
            if (meeting.DialIn.Allowed.TryGetValue(user, out string? password))
            {
                return password;
            }
        }

        foreach (RelayMeeting meeting in _meetings.Values)
        {
            if (meeting.DialIn.Former.TryGetValue(user, out string? password))
            {
                return password;
            }
        }

        return null;
    }

    /// <summary>
    /// Dial-in: the Request-URI user is the meeting number, then the PIN after '*' (or '**', as some
    /// room systems dial it): <c>sip:1234*5678@relay</c>. The stack has already checked the digest.
    /// </summary>
    private async Task OnIncomingCallAsync(IncomingCall incoming)
    {
        string target = incoming.Invite.Request.RequestUri.UnescapedUser ?? "";
        int star = target.IndexOf('*', StringComparison.Ordinal);
        string number = star < 0 ? target : target[..star];
        string pin = star < 0 ? "" : target[(star + 1)..].TrimStart('*');
        string user = incoming.AuthenticatedUser ?? "";
        if (!_meetings.TryGetValue(number, out RelayMeeting? meeting))
        {
            Log.DialInRefused(Logger, number, user, 404, "no such meeting");
            await incoming.RejectAsync(404, "No such meeting").ConfigureAwait(false);
            return;
        }

        if (!meeting.PinMatches(pin))
        {
            Log.DialInRefused(Logger, number, user, 403, "wrong PIN");
            await incoming.RejectAsync(403, "Wrong PIN").ConfigureAwait(false);
            return;
        }

        if (!meeting.DialIn.Allowed.ContainsKey(user))
        {
            Log.DialInRefused(Logger, number, user, 403, "not invited");
            await incoming.RejectAsync(403, "Not invited to this meeting").ConfigureAwait(false);
            return;
        }

        await meeting.AcceptAsync(incoming, user).ConfigureAwait(false);
    }

    private async Task ReportLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Options.ReportInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                foreach (RelayMeeting meeting in _meetings.Values)
                {
                    try
                    {
                        if (meeting.Report() is { } statistics)
                        {
                            Publish(statistics);
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        Log.ReportFailed(Logger, e, meeting.Number);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [GeneratedRegex("^[0-9]{1,20}$")]
    private static partial Regex NumberPattern();

    [GeneratedRegex("^[0-9]{1,16}$")]
    private static partial Regex PinPattern();

    private static partial class Log
    {
        [LoggerMessage(EventId = 20001, Level = LogLevel.Information, Message = "Relay {Name} started: SIP {Sip}, media {MediaAddress} ports {Ports}")]
        public static partial void Started(ILogger logger, string name, string sip, IPAddress mediaAddress, string ports);

        [LoggerMessage(EventId = 20002, Level = LogLevel.Information, Message = "Meeting {Meeting} opened: audio port {AudioPort}, video port {VideoPort}")]
        public static partial void MeetingOpened(ILogger logger, string meeting, int audioPort, int? videoPort);

        [LoggerMessage(EventId = 20003, Level = LogLevel.Information, Message = "Meeting {Meeting} closed")]
        public static partial void MeetingClosed(ILogger logger, string meeting);

        [LoggerMessage(EventId = 20004, Level = LogLevel.Warning, Message = "Dial-in to meeting {Meeting} by {User} refused with {Status}: {Reason}")]
        public static partial void DialInRefused(ILogger logger, string meeting, string user, int status, string reason);

        [LoggerMessage(EventId = 20005, Level = LogLevel.Warning, Message = "Dropped malformed SIP from {Remote}: {Reason}")]
        public static partial void MalformedSip(ILogger logger, string remote, string reason);

        [LoggerMessage(EventId = 20006, Level = LogLevel.Error, Message = "Reports of meeting {Meeting} failed")]
        public static partial void ReportFailed(ILogger logger, Exception exception, string meeting);

        [LoggerMessage(EventId = 20007, Level = LogLevel.Information, Message = "Meeting {Meeting}: dial-in list replaced, {Count} user(s) may dial in, {Removed} removed")]
        public static partial void DialInReplaced(ILogger logger, string meeting, int count, int removed);
    }
}
