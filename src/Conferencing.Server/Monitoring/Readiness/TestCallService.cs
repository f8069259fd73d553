using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Conferencing.Relay;
using Conferencing.Server.Common;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Relaying;
using Conferencing.Server.Simulator;
using Conferencing.Sip.Transport;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Monitoring.Readiness;

/// <summary>Test calls. Bound from <c>Readiness</c>, validated at start.</summary>
public sealed class ReadinessOptions
{
    public const string Section = "Readiness";

    /// <summary>The default time an endpoint has to answer a test call: 20 s (a room system rings a few seconds, some auto-answer after 10).</summary>
    public static readonly TimeSpan DefaultAnswerTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The default time media is measured once both ways are up: 5 s, enough RTCP reports (one a second) for loss and round trip.</summary>
    public static readonly TimeSpan DefaultMeasureFor = TimeSpan.FromSeconds(5);

    /// <summary>The default age after which a test result no longer counts for readiness: 2 h (technicians test the morning of the meeting).</summary>
    public static readonly TimeSpan DefaultValidFor = TimeSpan.FromHours(2);

    /// <summary>The default number of test calls a readiness run makes at once: 8.</summary>
    public const int DefaultParallel = 8;

    /// <summary>How long an endpoint has to answer. The default is <see cref="DefaultAnswerTimeout"/>.</summary>
    public TimeSpan AnswerTimeout { get; set; } = DefaultAnswerTimeout;

    /// <summary>How long media is measured. The default is <see cref="DefaultMeasureFor"/>.</summary>
    public TimeSpan MeasureFor { get; set; } = DefaultMeasureFor;

    /// <summary>How long a result counts. The default is <see cref="DefaultValidFor"/>.</summary>
    public TimeSpan ValidFor { get; set; } = DefaultValidFor;

    /// <summary>Test calls at once. The default is <see cref="DefaultParallel"/>.</summary>
    public int Parallel { get; set; } = DefaultParallel;
}

public sealed class ReadinessOptionsValidator : IValidateOptions<ReadinessOptions>
{
    public ValidateOptionsResult Validate(string? name, ReadinessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.AnswerTimeout < TimeSpan.FromSeconds(1) || options.AnswerTimeout > TimeSpan.FromMinutes(2))
        {
            failures.Add($"Readiness:AnswerTimeout must be between 1 s and 2 min; it is {options.AnswerTimeout}.");
        }

        if (options.MeasureFor < TimeSpan.FromSeconds(2) || options.MeasureFor > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Readiness:MeasureFor must be between 2 s and 1 min (two seconds at least, for a receiver report); it is {options.MeasureFor}.");
        }

        if (options.ValidFor < TimeSpan.FromMinutes(1) || options.ValidFor > TimeSpan.FromDays(2))
        {
            failures.Add($"Readiness:ValidFor must be between 1 min and 2 days; it is {options.ValidFor}.");
        }

        if (options.Parallel is < 1 or > 64)
        {
            failures.Add($"Readiness:Parallel must be between 1 and 64; it is {options.Parallel}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>One test call's outcome.</summary>
public sealed record TestCallResult(
    Guid EndpointId, string SiteCode, string Relay, DateTimeOffset StartedUtc, DateTimeOffset EndedUtc, string By,
    TestCallMeasurement Measurement, ReadinessVerdict Verdict);

/// <summary>
/// A test call: a short meeting of its own on the relay that serves the endpoint's site, with two
/// legs, the endpoint and a test pattern (a synthetic camera and tone, the simulator's media, called
/// by the relay like any room). The pattern is the program, so the endpoint receives it; the
/// endpoint's own media is the pattern's return feed, so the relay receives and measures it. After
/// <see cref="ReadinessOptions.MeasureFor"/> the endpoint leg's statistics are the measurement;
/// the meeting is then closed. Results are kept in memory per endpoint (the latest).
/// </summary>
public sealed partial class TestCallService(
    RelayConductor conductor, LiveCalls live, EndpointStore endpoints, RelayNode local, Endpoints.Presence.PresenceService presence, TestCallResultStore stored,
    IOptions<ReadinessOptions> options, TimeProvider time, ILoggerFactory loggers)
{
    private const string PatternLeg = "test-pattern";
    private readonly ConcurrentDictionary<Guid, TestCallResult> _results = new();
    private readonly ConcurrentDictionary<Guid, byte> _running = new();
    private readonly ILogger _logger = loggers.CreateLogger<TestCallService>();
    private readonly Lock _gate = new();
    private Task? _load;

    /// <summary>Raised after each finished test call.</summary>
    public event Action<TestCallResult>? Finished;

    /// <summary>The latest result of an endpoint, if any.</summary>
    public TestCallResult? Latest(Guid endpointId) => _results.GetValueOrDefault(endpointId);

    /// <summary>Reads the stored results once (after a restart, or what another node tested); a newer one in memory wins.</summary>
    public Task LoadAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _load ??= LoadOnceAsync();
            return _load.WaitAsync(cancellationToken);
        }
    }

    private async Task LoadOnceAsync()
    {
        try
        {
            foreach (var result in await stored.ListAsync(CancellationToken.None).ConfigureAwait(false))
            {
                _results.AddOrUpdate(result.EndpointId, result, (_, known) => known.EndedUtc >= result.EndedUtc ? known : result);
            }
        }
        catch
        {
            // Tried again by the next caller.
            lock (_gate)
            {
                _load = null;
            }

            throw;
        }
    }

    /// <summary>Whether a test call to the endpoint is under way.</summary>
    public bool IsRunning(Guid endpointId) => _running.ContainsKey(endpointId);

    /// <summary>Runs one test call and returns its result.</summary>
    /// <exception cref="DomainException">Unknown endpoint (404); in a call, already being tested, or its relay down (409).</exception>
    public async Task<TestCallResult> RunAsync(Guid endpointId, string actor, CancellationToken cancellationToken)
    {
        // Only the node that drives the relays can place the call: another node of the cluster asks it.
        if (!conductor.IsDriving && conductor.Forwarder is { } forward)
        {
            var answer = await forward(ForwardTopic, ConductorRequests.Write(new TestCallAsk(endpointId, actor)), cancellationToken).ConfigureAwait(false);
            var result = ConductorRequests.Read<TestCallResult>(answer);
            _results[endpointId] = result;
            Finished?.Invoke(result);
            return result;
        }

        return await RunHereAsync(endpointId, actor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The topic of test calls asked of the driving node.</summary>
    public const string ForwardTopic = "test-call";

    /// <summary>A test call another node asks this one to run.</summary>
    public sealed record TestCallAsk(Guid EndpointId, string Actor);

    /// <summary>Runs a test call another node forwarded; the answer is written for <see cref="ConductorRequests.Read{T}"/>.</summary>
    public Task<string> AnswerAsync(string body, CancellationToken cancellationToken) => ConductorRequests.AnswerAsync(() =>
    {
        var ask = ConductorRequests.ReadBody<TestCallAsk>(body);
        return RunHereAsync(ask.EndpointId, ask.Actor, cancellationToken);
    });

    private async Task<TestCallResult> RunHereAsync(Guid endpointId, string actor, CancellationToken cancellationToken)
    {
        var endpoint = await endpoints.GetAsync(endpointId, cancellationToken).ConfigureAwait(false) ?? throw DomainException.NotFound("endpoint", endpointId.ToString());
        if (live.Meetings.Any(m => m.Endpoints.Any(e => e.EndpointId == endpointId && e.State is CallState.InCall or CallState.Dialing or CallState.Ringing)))
        {
            throw new DomainException(DomainErrorKind.Conflict, "endpoint.in-call", "The endpoint is in a meeting's call; a test call would take it out.");
        }

        if (!_running.TryAdd(endpointId, 0))
        {
            throw new DomainException(DomainErrorKind.Conflict, "endpoint.test-running", "A test call to this endpoint is already under way.");
        }

        try
        {
            var route = await conductor.TestCallRouteAsync(endpoint).ConfigureAwait(false);
            var started = time.GetUtcNow();
            Log.Starting(_logger, endpoint.SipUri, route.Relay);
            var measurement = await MeasureAsync(route, cancellationToken).ConfigureAwait(false);
            var result = new TestCallResult(endpointId, endpoint.SiteCode, route.Relay, started, time.GetUtcNow(), actor, measurement, ReadinessRule.Judge(measurement));
            _results[endpointId] = result;
            await stored.SaveAsync(result, CancellationToken.None).ConfigureAwait(false);
            Log.Finished(_logger, endpoint.SipUri, result.Verdict.Color, result.Verdict.Reason);
            Finished?.Invoke(result);
            return result;
        }
        finally
        {
            _running.TryRemove(endpointId, out _);
        }
    }

    private async Task<TestCallMeasurement> MeasureAsync(TestCallRoute route, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var reads = route.Reads;
        var relay = route.RelayKey;
        Task SendAsync(RelayCommand command, CancellationToken ct) => conductor.SendTestCallCommandAsync(command, ct);

        // Test meetings have numbers of their own shape (RelayConductor.IsTestCallNumber), which the conductor leaves alone.
        var number = RelayConductor.TestCallNumberPrefix + RandomNumberGenerator.GetInt32(0, 1_000_000_000).ToString("D10", System.Globalization.CultureInfo.InvariantCulture);
        var bind = presence.UdpEndPoint?.Address.Address is { } registrar && !registrar.Equals(IPAddress.Any) && !registrar.Equals(IPAddress.IPv6Any) ? registrar : local.MediaAddress;
        await using var pattern = new SimulatedRoom("kiem-tra", "-", new SipEndPoint(SipProtocol.Udp, new IPEndPoint(bind, 0)), TimeSpan.FromMinutes(1),
            _logger, media: new SimulatedMediaOptions { SourceTag = "kiem-tra" }, register: false);
        pattern.Start();
        // Every change goes through the conductor, the relays' one writer; only reads go straight to the relay.
        await SendAsync(new OpenMeetingCommand(relay, number, null, null, null), cancellationToken).ConfigureAwait(false);
        try
        {
            var at = pattern.EndPoint!.Value.Address;
            await SendAsync(new DialCommand(relay, number, PatternLeg, $"sip:kiem-tra@{(at.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{at.Address}]" : at.Address.ToString())}:{at.Port}", LegRole.Endpoint), cancellationToken).ConfigureAwait(false);
            await SendAsync(new DialCommand(relay, number, route.LegId, route.Target, LegRole.Endpoint), cancellationToken).ConfigureAwait(false);

            // Wait for the endpoint to answer (or fail), polling the relay: a test is short and rare.
            var deadline = time.GetUtcNow() + settings.AnswerTimeout;
            LegInfo? leg = null;
            while (time.GetUtcNow() < deadline)
            {
                var info = await reads.GetMeetingAsync(number, cancellationToken).ConfigureAwait(false);
                leg = info.Legs.FirstOrDefault(l => l.LegId == route.LegId);
                var source = info.Legs.FirstOrDefault(l => l.LegId == PatternLeg);
                if (leg?.State is LegState.Failed or LegState.Ended)
                {
                    return Unanswered(leg.StatusCode, leg.Reason);
                }

                if (leg?.State == LegState.Connected && source?.State == LegState.Connected)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
            }

            if (leg?.State != LegState.Connected)
            {
                return Unanswered(408, "no answer in " + settings.AnswerTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + " s");
            }

            await SendAsync(new SetProgramCommand(relay, number, PatternLeg, route.LegId), cancellationToken).ConfigureAwait(false);
            await SendAsync(new RequestKeyframeCommand(relay, number, route.LegId), cancellationToken).ConfigureAwait(false);

            // Packets are counted over the measured window; loss, jitter and round trip are the last second's.
            // The far end's first receiver report is the only proof that what the relay sends arrives,
            // and RTCP may take up to its 5 s minimum interval (RFC 3550 6.2) to send one: a window
            // that ends without one is stretched by up to that interval, so a slow reporter is not
            // judged on a report it had no chance to send yet.
            var measureUntil = time.GetUtcNow() + settings.MeasureFor;
            var waitForReportUntil = measureUntil + ReportGrace;
            LegStatistics? first = null;
            LegStatistics? last = null;
            while (time.GetUtcNow() < measureUntil
                   || (time.GetUtcNow() < waitForReportUntil && last is not null && last.Audio?.LossOutPercent is null && last.Video?.LossOutPercent is null))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
                var statistics = (await reads.GetStatisticsAsync(number, cancellationToken).ConfigureAwait(false)).FirstOrDefault(s => s.LegId == route.LegId);
                if (statistics is null)
                {
                    // It hung up while measured.
                    return Unanswered(null, "the endpoint hung up during the test");
                }

                first ??= statistics;
                last = statistics;
            }

            var s = last!;
            return new TestCallMeasurement(true, null, null,
                s.PacketsIn, s.PacketsOut,
                s.BitrateInKbps, s.BitrateOutKbps,
                Math.Max(s.Audio?.LossInPercent ?? 0, s.Video?.LossInPercent ?? 0),
                s.Audio?.LossOutPercent is { } a ? Math.Max(a, s.Video?.LossOutPercent ?? 0) : s.Video?.LossOutPercent,
                s.Audio?.JitterInMs ?? s.Video?.JitterInMs ?? 0,
                s.Audio?.RoundTripMs ?? s.Video?.RoundTripMs);
        }
        finally
        {
            try
            {
                using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await SendAsync(new CloseMeetingCommand(relay, number), closing.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RelayException or HttpRequestException or OperationCanceledException or DomainException or InvalidOperationException)
            {
                Log.CloseFailed(_logger, e, number);
            }
        }
    }

    /// <summary>How much longer a test call waits for the endpoint's first receiver report: RTCP's 5 s minimum interval and a second.</summary>
    private static readonly TimeSpan ReportGrace = TimeSpan.FromSeconds(6);

    private static TestCallMeasurement Unanswered(int? status, string? reason) => new(false, status, reason, 0, 0, 0, 0, 0, null, 0, null);

    private static partial class Log
    {
        [LoggerMessage(EventId = 12201, Level = LogLevel.Information, Message = "Test call to {SipUri} through relay {Relay}")]
        public static partial void Starting(ILogger logger, string sipUri, string relay);

        [LoggerMessage(EventId = 12202, Level = LogLevel.Information, Message = "Test call to {SipUri}: {Color}, {Reason}")]
        public static partial void Finished(ILogger logger, string sipUri, ReadinessColor color, string reason);

        [LoggerMessage(EventId = 12203, Level = LogLevel.Warning, Message = "Test meeting {Number} could not be closed")]
        public static partial void CloseFailed(ILogger logger, Exception exception, string number);
    }
}
