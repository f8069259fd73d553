using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Conferencing.Sip.Auth;

/// <summary>Outcome of checking digest credentials.</summary>
public enum DigestVerdict
{
    /// <summary>The credentials are right.</summary>
    Accepted,

    /// <summary>Right password, but the nonce expired: challenge again with stale=TRUE (no new password prompt).</summary>
    Stale,

    /// <summary>Wrong password, unknown user, foreign realm, forged nonce or replayed nonce count.</summary>
    Rejected,
}

/// <summary>
/// The server side of digest authentication. Nonces are stateless: a timestamp and an HMAC over it and
/// the realm, so any process holding the key can check them and a restart does not log every room
/// system out. Nonce counts are remembered per nonce while it lives, in a table of bounded size, so a
/// captured answer cannot be replayed (RFC 7616 3.4).
/// </summary>
public sealed class DigestServer
{
    /// <summary>The default nonce lifetime: 5 minutes.</summary>
    public static readonly TimeSpan DefaultNonceLifetime = TimeSpan.FromMinutes(5);

    /// <summary>The default number of nonces whose count is remembered: 10,000.</summary>
    public const int DefaultMaxTrackedNonces = 10_000;

    /// <summary>How far ahead of our clock a nonce's timestamp may be (another node's clock): 5 s.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(5);

    private const int SaltBytes = 9;
    private const int TimestampBytes = 8;
    private const int MacBytes = 16;
    private const int NonceBytes = SaltBytes + TimestampBytes + MacBytes;
    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly int _maxTrackedNonces;
    private readonly Dictionary<string, uint> _lastNonceCount = new(StringComparer.Ordinal);
    private readonly Queue<(string Nonce, DateTimeOffset Issued)> _trackedOrder = new();

    // Nonces issued up to here whose counts were forgotten to keep the table bounded: their answers
    // are stale, never accepted, since a replay could no longer be told from a fresh use.
    private DateTimeOffset _forgottenUpTo = DateTimeOffset.MinValue;

    /// <summary>Creates a server for one realm. The key should be 32 random bytes shared by every node.</summary>
    /// <param name="realm">The protection realm.</param>
    /// <param name="key">The nonce key, at least 16 bytes.</param>
    /// <param name="time">The clock.</param>
    /// <param name="nonceLifetime">How long a nonce is accepted; the default is <see cref="DefaultNonceLifetime"/>.</param>
    /// <param name="algorithm">The algorithm challenged with.</param>
    /// <param name="maxTrackedNonces">How many nonces' counts are remembered; the default is <see cref="DefaultMaxTrackedNonces"/>.</param>
    public DigestServer(string realm, ReadOnlySpan<byte> key, TimeProvider time, TimeSpan? nonceLifetime = null, DigestAlgorithm algorithm = DigestAlgorithm.Sha256, int maxTrackedNonces = DefaultMaxTrackedNonces)
    {
        ArgumentException.ThrowIfNullOrEmpty(realm);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTrackedNonces, 1);
        if (key.Length < 16)
        {
            throw new ArgumentException("The nonce key must be at least 16 bytes.", nameof(key));
        }

        Realm = realm;
        _key = key.ToArray();
        _time = time;
        NonceLifetime = nonceLifetime ?? DefaultNonceLifetime;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(NonceLifetime, TimeSpan.Zero, nameof(nonceLifetime));
        Algorithm = algorithm;
        _maxTrackedNonces = maxTrackedNonces;
    }

    /// <summary>The protection realm.</summary>
    public string Realm { get; }

    /// <summary>How long a nonce is accepted.</summary>
    public TimeSpan NonceLifetime { get; }

    /// <summary>The algorithm this server challenges with.</summary>
    public DigestAlgorithm Algorithm { get; }

    /// <summary>How many nonces' counts are remembered now (never more than the limit given at construction).</summary>
    public int TrackedNonces
    {
        get
        {
            lock (_lastNonceCount)
            {
                return _lastNonceCount.Count;
            }
        }
    }

    /// <summary>A fresh challenge offering qop=auth.</summary>
    public DigestChallenge CreateChallenge(bool stale = false) => CreateChallenge(Algorithm, stale);

    /// <summary>A fresh challenge for a given algorithm (RFC 8760 lets a server offer several, strongest first).</summary>
    public DigestChallenge CreateChallenge(DigestAlgorithm algorithm, bool stale = false) =>
        new(Realm, NewNonce(), algorithm, ["auth"], Opaque: null, Stale: stale);

    /// <summary>
    /// Checks credentials against the password of their user name (null when the user is unknown).
    /// Only answers with qop (auth, or auth-int which also covers the body) are accepted: the RFC 2069
    /// form has no nonce count and so no replay protection. The digest's uri must name the request's
    /// Request-URI (RFC 3261 22.4, RFC 7616 3.4.6), so an answer cannot be moved to another request.
    /// </summary>
    /// <param name="credentials">The parsed Authorization value.</param>
    /// <param name="method">The request's method.</param>
    /// <param name="requestUri">The request's Request-URI as it arrived.</param>
    /// <param name="passwordOf">Looks up a user's password; null for an unknown user.</param>
    /// <param name="body">The request body, used for qop=auth-int.</param>
    public DigestVerdict Verify(DigestCredentials credentials, string method, string requestUri, Func<string, string?> passwordOf, ReadOnlySpan<byte> body = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(requestUri);
        ArgumentNullException.ThrowIfNull(passwordOf);
        if (!string.Equals(credentials.Realm, Realm, StringComparison.Ordinal) || !TryReadNonce(credentials.Nonce, out var issued))
        {
            return DigestVerdict.Rejected;
        }

        var now = _time.GetUtcNow();
        if (issued > now + ClockSkew
            || credentials.Qop is not { } qop
            || !(qop.Equals("auth", StringComparison.OrdinalIgnoreCase) || qop.Equals("auth-int", StringComparison.OrdinalIgnoreCase))
            || !UriMatches(credentials.Uri, requestUri))
        {
            return DigestVerdict.Rejected;
        }

        if (passwordOf(credentials.Username) is not { } password)
        {
            return DigestVerdict.Rejected;
        }

        var ha1 = Digest.Ha1(credentials.Algorithm, credentials.Username, Realm, password);
        var expected = Digest.Response(credentials.Algorithm, ha1, credentials.Nonce, credentials.Qop, credentials.NonceCount, credentials.Cnonce, method, credentials.Uri, body);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(credentials.Response.ToLowerInvariant())))
        {
            return DigestVerdict.Rejected;
        }

        if (now - issued > NonceLifetime)
        {
            return DigestVerdict.Stale;
        }

        var count = uint.Parse(credentials.NonceCount!, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        return CountUse(credentials.Nonce, issued, count, now);
    }

    /// <summary>
    /// True when the digest's uri names the Request-URI: the same text, or the same SIP URI as far as
    /// scheme, user, host and port go (a client may re-serialise parameters). A uri without a user part
    /// naming the Request-URI's host and port is accepted too: sipp and some room systems answer with
    /// the server's address alone, and that still ties the answer to this server.
    /// </summary>
    private static bool UriMatches(string digestUri, string requestUri)
    {
        if (string.Equals(digestUri, requestUri, StringComparison.Ordinal))
        {
            return true;
        }

        return SipUri.TryParse(digestUri, out var a, out _) && SipUri.TryParse(requestUri, out var b, out _)
            && string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
            && (a.User is null || string.Equals(a.UnescapedUser, b.UnescapedUser, StringComparison.Ordinal))
            && string.Equals(a.HostWithoutBrackets, b.HostWithoutBrackets, StringComparison.OrdinalIgnoreCase)
            && (a.Port ?? 5060) == (b.Port ?? 5060);
    }

    private DigestVerdict CountUse(string nonce, DateTimeOffset issued, uint count, DateTimeOffset now)
    {
        lock (_lastNonceCount)
        {
            if (_lastNonceCount.TryGetValue(nonce, out var last))
            {
                if (count <= last)
                {
                    return DigestVerdict.Rejected;
                }

                _lastNonceCount[nonce] = count;
                return DigestVerdict.Accepted;
            }

            if (issued <= _forgottenUpTo)
            {
                return DigestVerdict.Stale;
            }

            while (_trackedOrder.Count > 0 && (_lastNonceCount.Count >= _maxTrackedNonces || now - _trackedOrder.Peek().Issued > NonceLifetime))
            {
                var (oldest, oldestIssued) = _trackedOrder.Dequeue();
                _lastNonceCount.Remove(oldest);
                if (now - oldestIssued <= NonceLifetime && oldestIssued > _forgottenUpTo)
                {
                    _forgottenUpTo = oldestIssued;
                }
            }

            _lastNonceCount[nonce] = count;
            _trackedOrder.Enqueue((nonce, issued));
            return DigestVerdict.Accepted;
        }
    }

    /// <summary>
    /// A random salt makes every nonce unique even when many challenges go out in one millisecond, as
    /// when a whole province's rooms register at once; the nonce-count check is per nonce.
    /// </summary>
    private string NewNonce()
    {
        Span<byte> nonce = stackalloc byte[NonceBytes];
        RandomNumberGenerator.Fill(nonce[..SaltBytes]);
        BinaryPrimitives.WriteInt64BigEndian(nonce[SaltBytes..], _time.GetUtcNow().ToUnixTimeMilliseconds());
        Mac(nonce[..(SaltBytes + TimestampBytes)], nonce[(SaltBytes + TimestampBytes)..]);
        return Convert.ToBase64String(nonce).Replace('+', '-').Replace('/', '_');
    }

    private bool TryReadNonce(string nonce, out DateTimeOffset issued)
    {
        issued = default;
        Span<byte> bytes = stackalloc byte[NonceBytes];
        // 33 bytes encode to exactly 44 base64 characters, without padding.
        if (nonce.Length != 44 || !Convert.TryFromBase64String(nonce.Replace('-', '+').Replace('_', '/'), bytes, out var written) || written != bytes.Length)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[MacBytes];
        Mac(bytes[..(SaltBytes + TimestampBytes)], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes[(SaltBytes + TimestampBytes)..]))
        {
            return false;
        }

        issued = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(bytes[SaltBytes..]));
        return true;
    }

    private void Mac(ReadOnlySpan<byte> saltAndTimestamp, Span<byte> output)
    {
        var realm = Encoding.UTF8.GetBytes(Realm);
        var input = new byte[saltAndTimestamp.Length + realm.Length];
        saltAndTimestamp.CopyTo(input);
        realm.CopyTo(input.AsSpan(saltAndTimestamp.Length));
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(_key, input, full);
        full[..MacBytes].CopyTo(output);
    }
}

/// <summary>The client side: answers a challenge, counting nonce uses as RFC 7616 asks.</summary>
public sealed class DigestClient(string username, string password)
{
    private readonly Dictionary<string, uint> _nonceCounts = new(StringComparer.Ordinal);

    /// <summary>The user name answered with.</summary>
    public string Username { get; } = username;

    /// <summary>Builds the credentials for a request answering <paramref name="challenge"/>.</summary>
    public DigestCredentials Answer(DigestChallenge challenge, string method, string uri, ReadOnlySpan<byte> body = default)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        var ha1 = Digest.Ha1(challenge.Algorithm, Username, challenge.Realm, password);
        string? qop = challenge.Qop.Contains("auth", StringComparer.OrdinalIgnoreCase) ? "auth"
            : challenge.Qop.Contains("auth-int", StringComparer.OrdinalIgnoreCase) ? "auth-int"
            : null;
        if (qop is null)
        {
            return new DigestCredentials(Username, challenge.Realm, challenge.Nonce, uri,
                Digest.Response(challenge.Algorithm, ha1, challenge.Nonce, null, null, null, method, uri, body), challenge.Algorithm, Opaque: challenge.Opaque);
        }

        lock (_nonceCounts)
        {
            _nonceCounts[challenge.Nonce] = _nonceCounts.GetValueOrDefault(challenge.Nonce) + 1;
            var nc = _nonceCounts[challenge.Nonce].ToString("x8", CultureInfo.InvariantCulture);
            var cnonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            return new DigestCredentials(Username, challenge.Realm, challenge.Nonce, uri,
                Digest.Response(challenge.Algorithm, ha1, challenge.Nonce, qop, nc, cnonce, method, uri, body),
                challenge.Algorithm, qop, cnonce, nc, challenge.Opaque);
        }
    }
}
