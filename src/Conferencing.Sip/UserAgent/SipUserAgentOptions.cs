using System.Net;
using Conferencing.Sip.Auth;
using Conferencing.Sip.Stack;

namespace Conferencing.Sip.UserAgent;

/// <summary>Settings of a user agent.</summary>
public sealed class SipUserAgentOptions
{
    /// <summary>The stack settings (bind address, timers, clock).</summary>
    public SipStackOptions Stack { get; init; } = new();

    /// <summary>The user part of our From and Contact. The default is "conferencing".</summary>
    public string User { get; init; } = "conferencing";

    /// <summary>Display name in From, or null.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Credentials used when a peer challenges our requests (401/407), or null.</summary>
    public NetworkCredential? Credentials { get; init; }

    /// <summary>Digest server for challenging REGISTER (and INVITE when <see cref="AuthenticateInvites"/>), or null for none.</summary>
    public DigestServer? Authenticator { get; init; }

    /// <summary>Looks up the password of a digest user name; null for an unknown user.</summary>
    public Func<string, string?>? PasswordOf { get; init; }

    /// <summary>
    /// Decides whether an authenticated digest user (first argument) may register an address of record
    /// (second). Null applies the default rule: the address of record's user part is the digest user
    /// name. A REGISTER for any other address of record is refused with 403.
    /// </summary>
    public Func<string, SipUri, bool>? MayRegister { get; init; }

    /// <summary>
    /// Which digest users may answer with MD5 (for room systems that know nothing stronger). With a
    /// function, MD5 is offered (after <see cref="DigestServer.Algorithm"/>, RFC 8760 2.4) only when
    /// the request's From user is such a user, and an MD5 answer from anyone else is rejected. Null
    /// keeps the old behaviour: MD5 offered to and accepted from everyone.
    /// </summary>
    public Func<string, bool>? AllowsMd5 { get; init; }

    /// <summary>Slows down and then refuses repeated failed authentication; null for none. The default is a throttle with default limits.</summary>
    public AuthThrottle? Throttle { get; init; } = new();

    /// <summary>The default cap on calls up and being answered: 1,000.</summary>
    public const int DefaultMaxCalls = 1000;

    /// <summary>Calls up or being answered at once; a new INVITE beyond it gets 503. The default is <see cref="DefaultMaxCalls"/>.</summary>
    public int MaxCalls { get; init; } = DefaultMaxCalls;

    /// <summary>The default cap on registrations held: 10,000.</summary>
    public const int DefaultMaxRegistrations = 10_000;

    /// <summary>Registrations the registrar holds at most; a new one beyond it gets 503. The default is <see cref="DefaultMaxRegistrations"/>.</summary>
    public int MaxRegistrations { get; init; } = DefaultMaxRegistrations;

    /// <summary>Challenge incoming INVITEs too (dial-in). The default is false.</summary>
    public bool AuthenticateInvites { get; init; }

    /// <summary>The session interval we ask for and accept (RFC 4028). The default is 1800 s.</summary>
    public TimeSpan SessionExpires { get; init; } = TimeSpan.FromSeconds(1800);

    /// <summary>The smallest session interval we accept: RFC 4028's minimum of 90 s.</summary>
    public TimeSpan MinSessionExpires { get; init; } = TimeSpan.FromSeconds(90);
}

/// <summary>A registration the user agent's registrar holds.</summary>
/// <param name="AddressOfRecord">The To URI of the REGISTER (the latest one: an authenticated user holds one binding whatever address of record it used).</param>
/// <param name="Contact">The contact address.</param>
/// <param name="Source">Where the REGISTER came from (what NATed endpoints are reached at).</param>
/// <param name="ExpiresUtc">When the binding lapses.</param>
/// <param name="Username">The authenticated digest user, if authentication was on.</param>
public sealed record SipRegistration(string AddressOfRecord, SipUri Contact, Transport.SipEndPoint Source, DateTimeOffset ExpiresUtc, string? Username);
