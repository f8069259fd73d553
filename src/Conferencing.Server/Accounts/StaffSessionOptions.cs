namespace Conferencing.Server.Accounts;

/// <summary>How long a staff sign-in lasts and how quickly a revoked one ends (section <c>Sessions</c>).</summary>
public sealed class StaffSessionOptions
{
    public const string Section = "Sessions";

    /// <summary>The default of <see cref="AbsoluteLifetime"/>: 12 hours, a long working day.</summary>
    public static readonly TimeSpan DefaultAbsoluteLifetime = TimeSpan.FromHours(12);

    /// <summary>The default of <see cref="IdleTimeout"/>: 10 hours.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromHours(10);

    /// <summary>The default of <see cref="RevalidateInterval"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultRevalidateInterval = TimeSpan.FromSeconds(30);

    /// <summary>The most <see cref="RevalidateInterval"/> may be: a revoked session ends within it.</summary>
    public static readonly TimeSpan MaxRevalidateInterval = TimeSpan.FromSeconds(30);

    /// <summary>A sign-in ends this long after it was made, however active it stays. The default is 12 hours.</summary>
    public TimeSpan AbsoluteLifetime { get; set; } = DefaultAbsoluteLifetime;

    /// <summary>A sign-in unused this long ends (the cookie's sliding expiry). The default is 10 hours.</summary>
    public TimeSpan IdleTimeout { get; set; } = DefaultIdleTimeout;

    /// <summary>
    /// How long an account's stamp, role and disabled flag are cached for cookie checks, and how
    /// often open Blazor circuits and hub connections are checked against the store. At most 30 s.
    /// The default is 30 seconds.
    /// </summary>
    public TimeSpan RevalidateInterval { get; set; } = DefaultRevalidateInterval;
}

/// <summary>Failed sign-in throttling (section <c>LoginThrottle</c>).</summary>
public sealed class LoginThrottleOptions
{
    public const string Section = "LoginThrottle";

    public const int DefaultMaxFailuresPerAccount = 5;

    public const int DefaultMaxFailuresPerAddress = 20;

    /// <summary>The default of <see cref="LockoutDuration"/>: 1 minute.</summary>
    public static readonly TimeSpan DefaultLockoutDuration = TimeSpan.FromMinutes(1);

    /// <summary>The default of <see cref="Window"/>: 15 minutes.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(15);

    /// <summary>Failures for one user name (known or not) before it is locked. The default is 5.</summary>
    public int MaxFailuresPerAccount { get; set; } = DefaultMaxFailuresPerAccount;

    /// <summary>
    /// Failures from one source address, whatever the user names, before it is locked: stops one
    /// machine trying one password on every account. The default is 20.
    /// </summary>
    public int MaxFailuresPerAddress { get; set; } = DefaultMaxFailuresPerAddress;

    /// <summary>How long a locked account or address is refused. The default is 1 minute.</summary>
    public TimeSpan LockoutDuration { get; set; } = DefaultLockoutDuration;

    /// <summary>
    /// Failures further apart than this start counting again; rows older than this (and no longer
    /// locked) are pruned. The default is 15 minutes.
    /// </summary>
    public TimeSpan Window { get; set; } = DefaultWindow;
}
