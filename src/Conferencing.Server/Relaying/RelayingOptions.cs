using Microsoft.Extensions.Options;

namespace Conferencing.Server.Relaying;

/// <summary>
/// How the server drives its relays and reads their statistics. Bound from <c>Relaying</c>; the
/// in-process relay's own settings (SIP port, media ports) are the relay's <c>Relay</c> section.
/// </summary>
public sealed class RelayingOptions
{
    public const string Section = "Relaying";

    /// <summary>The default digest user the central MCU dials in with: "trung-uong".</summary>
    public const string DefaultCentralUser = "trung-uong";

    /// <summary>The default first wait before a failed dial is tried again: 2 s (then doubled each time).</summary>
    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>The default longest wait between two dials of a failing endpoint: 30 s.</summary>
    public static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>The default interval of the reconciliation pass when nothing wakes it sooner: 2 s.</summary>
    public static readonly TimeSpan DefaultReconcileInterval = TimeSpan.FromSeconds(2);

    /// <summary>The default interval at which standalone relays are checked for life: 1 s.</summary>
    public static readonly TimeSpan DefaultProbeInterval = TimeSpan.FromSeconds(1);

    /// <summary>The default time the server waits for a standalone relay's HTTP answer: 5 s.</summary>
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The default share of lost packets (either way) from which a call counts as degraded: 3 %.</summary>
    public const double DefaultDegradedLossPercent = 3.0;

    /// <summary>The default time loss must last before an endpoint shows Degraded: 5 s.</summary>
    public static readonly TimeSpan DefaultDegradedAfter = TimeSpan.FromSeconds(5);

    /// <summary>The default time without loss before a degraded endpoint shows InCall again: 10 s.</summary>
    public static readonly TimeSpan DefaultRecoveredAfter = TimeSpan.FromSeconds(10);

    /// <summary>The default width of a stored history bucket: 10 s.</summary>
    public static readonly TimeSpan DefaultHistoryBucket = TimeSpan.FromSeconds(10);

    /// <summary>The default interval at which per-meeting quality summaries are written while a meeting runs: 30 s.</summary>
    public static readonly TimeSpan DefaultQualityFlushInterval = TimeSpan.FromSeconds(30);

    /// <summary>The default time the site tree, endpoints, relays and active meetings are re-read: 5 s.</summary>
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromSeconds(5);

    /// <summary>The default time a connected call may send nothing before it is hung up and dialled again: 15 s.</summary>
    public static readonly TimeSpan DefaultMediaTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The default time a relay link may look up at one end and not at the other before it is redialled: 5 s.</summary>
    public static readonly TimeSpan DefaultLinkGrace = TimeSpan.FromSeconds(5);

    /// <summary>The default of <see cref="PictureFollowsSpeaker"/>: true.</summary>
    public const bool DefaultPictureFollowsSpeaker = true;

    /// <summary>
    /// In open discussion, whether the top relay moves the picture to the loudest heard site (after
    /// the relay's <c>Relay:AudioMix:PictureHold</c>), rather than keep it on the chair or the floor.
    /// The default is <see cref="DefaultPictureFollowsSpeaker"/>.
    /// </summary>
    public bool PictureFollowsSpeaker { get; set; } = DefaultPictureFollowsSpeaker;

    /// <summary>The digest user the central MCU dials in with. The default is <see cref="DefaultCentralUser"/>.</summary>
    public string CentralUser { get; set; } = DefaultCentralUser;

    /// <summary>
    /// Its password. Null (the default) accepts no dial-in from central: a relayed meeting then needs
    /// a feed URI the province relay dials.
    /// </summary>
    public string? CentralPassword { get; set; }

    /// <summary>
    /// The SIP address endpoints dial in to on the in-process relay, host:port, as shown to the
    /// secretariat. Null (the default) shows the address the relay bound.
    /// </summary>
    public string? DialInAddress { get; set; }

    /// <summary>The video bandwidth each relay meeting declares (b=AS), kbit/s. The default is the relay's 2048.</summary>
    public int VideoKbps { get; set; } = Conferencing.Relay.MediaProfile.DefaultVideoKbps;

    /// <summary>First wait before a failed dial is retried. The default is <see cref="DefaultRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = DefaultRetryDelay;

    /// <summary>Longest wait between two retries. The default is <see cref="DefaultMaxRetryDelay"/>.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = DefaultMaxRetryDelay;

    /// <summary>Reconciliation interval. The default is <see cref="DefaultReconcileInterval"/>.</summary>
    public TimeSpan ReconcileInterval { get; set; } = DefaultReconcileInterval;

    /// <summary>Standalone relay liveness checks. The default is <see cref="DefaultProbeInterval"/>.</summary>
    public TimeSpan ProbeInterval { get; set; } = DefaultProbeInterval;

    /// <summary>HTTP timeout of commands to a standalone relay. The default is <see cref="DefaultCommandTimeout"/>.</summary>
    public TimeSpan CommandTimeout { get; set; } = DefaultCommandTimeout;

    /// <summary>Loss from which a call is degraded, percent. The default is <see cref="DefaultDegradedLossPercent"/>.</summary>
    public double DegradedLossPercent { get; set; } = DefaultDegradedLossPercent;

    /// <summary>How long loss must last. The default is <see cref="DefaultDegradedAfter"/>.</summary>
    public TimeSpan DegradedAfter { get; set; } = DefaultDegradedAfter;

    /// <summary>How long a degraded call must be clean again. The default is <see cref="DefaultRecoveredAfter"/>.</summary>
    public TimeSpan RecoveredAfter { get; set; } = DefaultRecoveredAfter;

    /// <summary>History bucket width. The default is <see cref="DefaultHistoryBucket"/>.</summary>
    public TimeSpan HistoryBucket { get; set; } = DefaultHistoryBucket;

    /// <summary>Quality summary writes while live. The default is <see cref="DefaultQualityFlushInterval"/>.</summary>
    public TimeSpan QualityFlushInterval { get; set; } = DefaultQualityFlushInterval;

    /// <summary>Store re-read interval. The default is <see cref="DefaultRefreshInterval"/>.</summary>
    public TimeSpan RefreshInterval { get; set; } = DefaultRefreshInterval;

    /// <summary>
    /// A call whose media stopped this long (a room that lost power sends no BYE) is hung up and
    /// redialled; zero turns it off. The default is <see cref="DefaultMediaTimeout"/>.
    /// </summary>
    public TimeSpan MediaTimeout { get; set; } = DefaultMediaTimeout;

    /// <summary>Grace of a half-up relay link. The default is <see cref="DefaultLinkGrace"/>.</summary>
    public TimeSpan LinkGrace { get; set; } = DefaultLinkGrace;

    /// <summary>How each standalone relay's HTTPS certificate is trusted, by relay name. Empty by default (the system's roots).</summary>
    public IDictionary<string, RelayTlsOptions> Tls { get; } = new Dictionary<string, RelayTlsOptions>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Checks <see cref="RelayingOptions"/> at start so a bad setting stops the server with a clear message.</summary>
public sealed class RelayingOptionsValidator : IValidateOptions<RelayingOptions>
{
    public ValidateOptionsResult Validate(string? name, RelayingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void Range(string key, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                failures.Add($"Relaying:{key} must be between {min} and {max}; it is {value}.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.CentralUser) || options.CentralUser.Length > 64)
        {
            failures.Add($"Relaying:CentralUser must be 1 to 64 characters; it has {options.CentralUser?.Length ?? 0}.");
        }

        if (options.CentralPassword is { Length: < 8 })
        {
            failures.Add($"Relaying:CentralPassword must be at least 8 characters (or unset to refuse central dial-in); it has {options.CentralPassword.Length}.");
        }

        if (options.DialInAddress is { } address && !RegisteredRelayStore.TryParseSipAddress(address, out _, out _))
        {
            failures.Add($"Relaying:DialInAddress '{address}' must be host:port.");
        }

        if (options.VideoKbps is < 64 or > 20000)
        {
            failures.Add($"Relaying:VideoKbps must be between 64 and 20000; it is {options.VideoKbps}.");
        }

        Range(nameof(options.RetryDelay), options.RetryDelay, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        Range(nameof(options.MaxRetryDelay), options.MaxRetryDelay, options.RetryDelay, TimeSpan.FromMinutes(30));
        Range(nameof(options.ReconcileInterval), options.ReconcileInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        Range(nameof(options.ProbeInterval), options.ProbeInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        Range(nameof(options.CommandTimeout), options.CommandTimeout, TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(2));
        Range(nameof(options.DegradedAfter), options.DegradedAfter, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        Range(nameof(options.RecoveredAfter), options.RecoveredAfter, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        Range(nameof(options.HistoryBucket), options.HistoryBucket, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        Range(nameof(options.QualityFlushInterval), options.QualityFlushInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Range(nameof(options.RefreshInterval), options.RefreshInterval, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(10));
        Range(nameof(options.MediaTimeout), options.MediaTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        Range(nameof(options.LinkGrace), options.LinkGrace, TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(1));
        foreach (var (relay, tls) in options.Tls)
        {
            if (tls.Validate(relay) is { } problem)
            {
                failures.Add(problem);
            }
        }

        if (options.DegradedLossPercent is <= 0 or > 100 || double.IsNaN(options.DegradedLossPercent))
        {
            failures.Add($"Relaying:DegradedLossPercent must be above 0 and at most 100; it is {options.DegradedLossPercent}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
