using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Accounts;

/// <summary>What a staff session is checked against: the account as the store has it now.</summary>
public sealed record StaffAccountState(string Username, string Role, string SecurityStamp, bool Disabled, string? ScopeSiteCode);

/// <summary>The claims a staff cookie carries, written at sign-in and read on every request.</summary>
public static class StaffClaims
{
    public const string DisplayName = "display_name";
    public const string SecurityStamp = "security_stamp";

    /// <summary>When the person typed the password (Unix milliseconds): the start of the absolute lifetime.</summary>
    public const string SignedInAt = "signed_in_at";

    /// <summary>The site the account is limited to; absent for the whole province.</summary>
    public const string Scope = "scope_site";

    public static ClaimsPrincipal Create(StaffUser user, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(user);
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, user.Username),
            new(ClaimTypes.Role, user.Role),
            new(DisplayName, user.DisplayName),
            new(SecurityStamp, user.SecurityStamp),
            new(SignedInAt, now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)),
        };
        if (user.ScopeSiteCode is { } scope)
        {
            claims.Add(new Claim(Scope, scope));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme));
    }

    /// <summary>Signs the user in with the staff cookie (the API and the login page both come here).</summary>
    public static Task SignInAsync(HttpContext http, StaffUser user)
    {
        ArgumentNullException.ThrowIfNull(http);
        var time = http.RequestServices.GetRequiredService<TimeProvider>();
        return http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Create(user, time.GetUtcNow()));
    }

    /// <summary>The staff identity of a caller, if any: the one the staff cookie made.</summary>
    public static ClaimsIdentity? StaffIdentity(ClaimsPrincipal? user) =>
        user?.Identities.FirstOrDefault(i => i.IsAuthenticated && string.Equals(i.AuthenticationType, CookieAuthenticationDefaults.AuthenticationScheme, StringComparison.Ordinal));
}

/// <summary>
/// Decides whether a staff session still stands: the account exists, is enabled, still has the
/// stamp the cookie carries, and the sign-in is younger than the absolute lifetime. The account's
/// state is cached per node for at most <see cref="StaffSessionOptions.RevalidateInterval"/>; a change
/// made on this node drops the entry at once (<see cref="StaffUserStore.SessionsRevoked"/>).
/// </summary>
public sealed class StaffSessions : IDisposable
{
    private readonly StaffUserStore _users;
    private readonly IOptions<StaffSessionOptions> _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (StaffAccountState? State, DateTimeOffset ReadAt)> _cache = new(StringComparer.Ordinal);

    public StaffSessions(StaffUserStore users, IOptions<StaffSessionOptions> options, TimeProvider time)
    {
        _users = users;
        _options = options;
        _time = time;
        _users.SessionsRevoked += OnRevoked;
    }

    /// <summary>Raised when this node learns an account's sessions were revoked here; open connections are checked at once.</summary>
    public event Action<string>? Revoked;

    public TimeSpan RevalidateInterval => _options.Value.RevalidateInterval;

    public TimeSpan AbsoluteLifetime => _options.Value.AbsoluteLifetime;

    /// <summary>The account's state, from the cache unless <paramref name="fresh"/> or older than the interval.</summary>
    public async Task<StaffAccountState?> GetAsync(string username, bool fresh, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (!fresh && _cache.TryGetValue(username, out var cached) && now - cached.ReadAt < _options.Value.RevalidateInterval)
        {
            return cached.State;
        }

        var user = await _users.FindAsync(username, cancellationToken).ConfigureAwait(false);
        var state = user is null ? null : new StaffAccountState(user.Username, user.Role, user.SecurityStamp, user.Disabled, user.ScopeSiteCode);
        _cache[username] = (state, now);
        return state;
    }

    /// <summary>True when the principal's staff session still stands (a principal without one is not judged here: true).</summary>
    public async Task<bool> IsCurrentAsync(ClaimsPrincipal? principal, bool fresh, CancellationToken cancellationToken)
    {
        var identity = StaffClaims.StaffIdentity(principal);
        if (identity is null)
        {
            return true;
        }

        var name = identity.Name;
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        var state = await GetAsync(name, fresh, cancellationToken).ConfigureAwait(false);
        return Check(identity, state, _time.GetUtcNow(), _options.Value.AbsoluteLifetime);
    }

    /// <summary>The pure decision: no I/O, so it is the same for cookies, circuits and hub connections.</summary>
    public static bool Check(ClaimsIdentity identity, StaffAccountState? state, DateTimeOffset now, TimeSpan absoluteLifetime)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (state is null || state.Disabled || state.SecurityStamp.Length == 0)
        {
            return false;
        }

        if (!string.Equals(identity.FindFirst(StaffClaims.SecurityStamp)?.Value, state.SecurityStamp, StringComparison.Ordinal)
            || !string.Equals(identity.FindFirst(ClaimTypes.Role)?.Value, state.Role, StringComparison.Ordinal))
        {
            return false;
        }

        if (!long.TryParse(identity.FindFirst(StaffClaims.SignedInAt)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var at))
        {
            return false;
        }

        return now - DateTimeOffset.FromUnixTimeMilliseconds(at) < absoluteLifetime;
    }

    public void Dispose() => _users.SessionsRevoked -= OnRevoked;

    private void OnRevoked(string username)
    {
        _cache.TryRemove(username, out _);
        Revoked?.Invoke(username);
    }
}
