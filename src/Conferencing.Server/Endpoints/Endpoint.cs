using System.Text.RegularExpressions;
using Conferencing.Server.Common;

namespace Conferencing.Server.Endpoints;

/// <summary>
/// A SIP room system or softphone at a site. The digest password is held only in protected form; the
/// type never carries it in clear.
/// </summary>
public sealed record SipEndpoint(
    Guid Id,
    string SiteCode,
    string SipUri,
    string DisplayName,
    string? Model,
    string? Address,
    int ExpectedBitrateKbps,
    string? DigestUsername,
    string? ProtectedDigestPassword,
    DateTimeOffset CreatedUtc,
    DateTimeOffset UpdatedUtc)
{
    /// <summary>A commune room on the province's data network gets 6 Mbps; 2 Mbps HD video is the usual ask.</summary>
    public const int DefaultBitrateKbps = 2048;
    public const int MinBitrateKbps = 64;
    public const int MaxBitrateKbps = 20_000;

    public bool HasCredentials => DigestUsername is not null && ProtectedDigestPassword is not null;
}

/// <summary>Field rules for endpoints.</summary>
public static partial class EndpointRules
{
    /// <summary>
    /// Accepts sip: and sips: URIs with a user part and a host (name, IPv4, or bracketed IPv6) and an
    /// optional port and parameters.
    /// </summary>
    public static void CheckSipUri(string? uri, string field = "sipUri")
    {
        if (string.IsNullOrWhiteSpace(uri) || uri.Length > 256 || !SipUriPattern().IsMatch(uri))
        {
            throw DomainException.Invalid(field, $"'{uri}' is not a SIP URI of the form sip:user@host[:port].");
        }
    }

    [GeneratedRegex(@"^sips?:[^@\s:;]+@(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:;[^\s]*)?$")]
    private static partial Regex SipUriPattern();
}
