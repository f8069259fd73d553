using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Conferencing.Sip.Auth;

/// <summary>A digest challenge (WWW-Authenticate / Proxy-Authenticate).</summary>
/// <param name="Realm">Protection space, shown to the user.</param>
/// <param name="Nonce">Server nonce.</param>
/// <param name="Algorithm">Hash algorithm.</param>
/// <param name="Qop">Offered qop values; empty for the RFC 2069 form without qop.</param>
/// <param name="Opaque">Opaque value the client returns unchanged.</param>
/// <param name="Stale">True when an earlier answer was right but its nonce had expired.</param>
public sealed record DigestChallenge(string Realm, string Nonce, DigestAlgorithm Algorithm, IReadOnlyList<string> Qop, string? Opaque = null, bool Stale = false)
{
    private static readonly HashSet<string> Quoted = new(StringComparer.OrdinalIgnoreCase) { "realm", "nonce", "opaque", "qop", "domain" };

    /// <summary>Parses a challenge header value; false for another scheme or a malformed value.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out DigestChallenge? challenge, [NotNullWhen(false)] out string? error)
    {
        challenge = null;
        if (!AuthParameters.TryParse(value, out var parameters, out error))
        {
            return false;
        }

        if (!string.Equals(parameters.Scheme, "Digest", StringComparison.OrdinalIgnoreCase))
        {
            error = $"scheme '{parameters.Scheme}' is not Digest";
            return false;
        }

        if (parameters["realm"] is not { } realm || parameters["nonce"] is not { } nonce)
        {
            error = "a digest challenge needs realm and nonce";
            return false;
        }

        if (!DigestAlgorithms.TryParse(parameters["algorithm"], out var algorithm))
        {
            error = $"unknown digest algorithm '{parameters["algorithm"]}'";
            return false;
        }

        var qop = (parameters["qop"] ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        challenge = new DigestChallenge(realm, nonce, algorithm, qop, parameters["opaque"], string.Equals(parameters["stale"], "true", StringComparison.OrdinalIgnoreCase));
        return true;
    }

    /// <summary>The header value.</summary>
    public override string ToString()
    {
        var parameters = new List<KeyValuePair<string, string>> { new("realm", Realm), new("nonce", Nonce) };
        if (Opaque is not null)
        {
            parameters.Add(new("opaque", Opaque));
        }

        if (Stale)
        {
            parameters.Add(new("stale", "TRUE"));
        }

        parameters.Add(new("algorithm", Algorithm.Name()));
        if (Qop.Count > 0)
        {
            parameters.Add(new("qop", string.Join(',', Qop)));
        }

        return new AuthParameters("Digest", parameters).ToString(Quoted);
    }
}

/// <summary>A digest answer (Authorization / Proxy-Authorization).</summary>
/// <param name="Username">User name.</param>
/// <param name="Realm">Realm from the challenge.</param>
/// <param name="Nonce">Nonce from the challenge.</param>
/// <param name="Uri">The request URI as the client sent it in the digest.</param>
/// <param name="Response">The hex digest.</param>
/// <param name="Algorithm">Hash algorithm.</param>
/// <param name="Qop">Chosen qop, or null for the RFC 2069 form.</param>
/// <param name="Cnonce">Client nonce (with qop).</param>
/// <param name="NonceCount">Nonce count, 8 hex digits (with qop).</param>
/// <param name="Opaque">Opaque from the challenge.</param>
public sealed record DigestCredentials(
    string Username, string Realm, string Nonce, string Uri, string Response, DigestAlgorithm Algorithm,
    string? Qop = null, string? Cnonce = null, string? NonceCount = null, string? Opaque = null)
{
    private static readonly HashSet<string> Quoted = new(StringComparer.OrdinalIgnoreCase) { "username", "realm", "nonce", "uri", "response", "cnonce", "opaque" };

    /// <summary>Parses an answer header value.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out DigestCredentials? credentials, [NotNullWhen(false)] out string? error)
    {
        credentials = null;
        if (!AuthParameters.TryParse(value, out var p, out error))
        {
            return false;
        }

        if (!string.Equals(p.Scheme, "Digest", StringComparison.OrdinalIgnoreCase))
        {
            error = $"scheme '{p.Scheme}' is not Digest";
            return false;
        }

        if (p["username"] is not { } username || p["realm"] is not { } realm || p["nonce"] is not { } nonce || p["uri"] is not { } uri || p["response"] is not { } response)
        {
            error = "digest credentials need username, realm, nonce, uri and response";
            return false;
        }

        if (!DigestAlgorithms.TryParse(p["algorithm"], out var algorithm))
        {
            error = $"unknown digest algorithm '{p["algorithm"]}'";
            return false;
        }

        if (p["qop"] is { } qop && (p["cnonce"] is null || p["nc"] is not { Length: 8 } nc || !uint.TryParse(nc, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _)))
        {
            error = $"qop={qop} needs cnonce and an 8-digit hex nc";
            return false;
        }

        credentials = new DigestCredentials(username, realm, nonce, uri, response, algorithm, p["qop"], p["cnonce"], p["nc"], p["opaque"]);
        return true;
    }

    /// <summary>The header value.</summary>
    public override string ToString()
    {
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("username", Username), new("realm", Realm), new("nonce", Nonce), new("uri", Uri), new("response", Response),
            new("algorithm", Algorithm.Name()),
        };
        if (Qop is not null)
        {
            parameters.Add(new("qop", Qop));
            parameters.Add(new("nc", NonceCount ?? "00000001"));
            parameters.Add(new("cnonce", Cnonce ?? ""));
        }

        if (Opaque is not null)
        {
            parameters.Add(new("opaque", Opaque));
        }

        return new AuthParameters("Digest", parameters).ToString(Quoted);
    }
}

/// <summary>The digest computation of RFC 2617 / RFC 7616 as SIP uses it (RFC 3261 22.4, RFC 8760).</summary>
public static class Digest
{
    /// <summary>H(username:realm:password), what a server may store instead of the password.</summary>
    public static string Ha1(DigestAlgorithm algorithm, string username, string realm, string password) =>
        algorithm.Hash($"{username}:{realm}:{password}");

    /// <summary>
    /// The response for a request. <paramref name="ha1"/> is the basic H(username:realm:password);
    /// for -sess algorithms it is bound to the nonces here. <paramref name="body"/> is used only for
    /// qop=auth-int.
    /// </summary>
    public static string Response(DigestAlgorithm algorithm, string ha1, string nonce, string? qop, string? nonceCount, string? cnonce, string method, string uri, ReadOnlySpan<byte> body = default)
    {
        ArgumentNullException.ThrowIfNull(ha1);
        var key = algorithm.IsSession() ? algorithm.Hash($"{ha1}:{nonce}:{cnonce}") : ha1;
        var a2 = string.Equals(qop, "auth-int", StringComparison.OrdinalIgnoreCase)
            ? $"{method}:{uri}:{DigestAlgorithms.Hex(algorithm, body)}"
            : $"{method}:{uri}";
        var ha2 = algorithm.Hash(a2);
        return qop is null
            ? algorithm.Hash($"{key}:{nonce}:{ha2}")
            : algorithm.Hash($"{key}:{nonce}:{nonceCount}:{cnonce}:{qop}:{ha2}");
    }
}
