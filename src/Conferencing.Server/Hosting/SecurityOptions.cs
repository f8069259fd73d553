using System.Net;

namespace Conferencing.Server.Hosting;

/// <summary>Keys at rest. Bound from <c>Security</c>.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>Where Development (the demo) keeps the key-encryption key it makes by itself.</summary>
    public const string DevelopmentKeyFile = "data/data-protection.kek";

    /// <summary>
    /// The key-encryption key file (32 random bytes, mode 600) that seals the Data Protection keys in
    /// the database. Required outside Development; in Development the default is <see cref="DevelopmentKeyFile"/>, made if missing.
    /// </summary>
    public string? KeyFile { get; set; }
}

/// <summary>
/// The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed. Bound from
/// <c>ForwardedHeaders</c>. None by default: without a named proxy those headers are ignored, since
/// anyone can send them.
/// </summary>
public sealed class ForwardedProxyOptions
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Proxy addresses, e.g. <c>["10.0.0.5"]</c>.</summary>
    public IList<string> KnownProxies { get; } = [];

    /// <summary>Proxy networks in CIDR form, e.g. <c>["10.0.0.0/29"]</c>.</summary>
    public IList<string> KnownNetworks { get; } = [];

    public bool Any => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    /// <summary>Null when usable, else what is wrong.</summary>
    public string? Validate()
    {
        if (KnownProxies.FirstOrDefault(p => !IPAddress.TryParse(p, out _)) is { } proxy)
        {
            return $"ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address.";
        }

        return KnownNetworks.FirstOrDefault(n => !IPNetwork.TryParse(n, out _)) is { } network
            ? $"ForwardedHeaders:KnownNetworks: '{network}' is not a network in CIDR form (e.g. 10.0.0.0/24)."
            : null;
    }
}
