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

    /// <summary>Challenge incoming INVITEs too (dial-in). The default is false.</summary>
    public bool AuthenticateInvites { get; init; }

    /// <summary>The session interval we ask for and accept (RFC 4028). The default is 1800 s.</summary>
    public TimeSpan SessionExpires { get; init; } = TimeSpan.FromSeconds(1800);

    /// <summary>The smallest session interval we accept: RFC 4028's minimum of 90 s.</summary>
    public TimeSpan MinSessionExpires { get; init; } = TimeSpan.FromSeconds(90);
}

/// <summary>A registration the user agent's registrar holds.</summary>
/// <param name="AddressOfRecord">The To URI of the REGISTER.</param>
/// <param name="Contact">The contact address.</param>
/// <param name="Source">Where the REGISTER came from (what NATed endpoints are reached at).</param>
/// <param name="ExpiresUtc">When the binding lapses.</param>
/// <param name="Username">The authenticated digest user, if authentication was on.</param>
public sealed record SipRegistration(string AddressOfRecord, SipUri Contact, Transport.SipEndPoint Source, DateTimeOffset ExpiresUtc, string? Username);
