using System.Collections.Concurrent;
using System.Security.Claims;
using Conferencing.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Conferencing.Server.Accounts;

/// <summary>Cookie sign-in for staff, and account management for administrators.</summary>
public static class AuthApi
{
    public sealed record LoginRequest(string? Username, string? Password);

    public sealed record StaffResponse(string Username, string DisplayName, string Role, bool Disabled);

    public sealed record CreateUserRequest(string? Username, string? DisplayName, string? Role, string? Password);

    public sealed record UpdateUserRequest(string? DisplayName, string? Role, bool? Disabled, string? Password);

    public static void MapAuthApi(this IEndpointRouteBuilder routes)
    {
        var auth = routes.MapGroup("/api/auth").WithTags("Accounts");
        auth.MapPost("/login", LoginAsync).AllowAnonymous().ProducesProblem(401).ProducesProblem(429);
        auth.MapPost("/logout", (Delegate)LogoutAsync).RequireAuthorization(StaffRoles.Policies.Staff);
        auth.MapGet("/me", Me).RequireAuthorization(StaffRoles.Policies.Staff);

        var users = routes.MapGroup("/api/users").WithTags("Accounts").RequireAuthorization(StaffRoles.Policies.Admin);
        users.MapGet("/", async (StaffUserStore store, CancellationToken ct) =>
            TypedResults.Ok((await store.ListAsync(ct).ConfigureAwait(false)).Select(ToResponse).ToList()));
        users.MapPost("/", CreateAsync).ProducesValidationProblem().ProducesProblem(409);
        users.MapPut("/{username}", UpdateAsync).ProducesValidationProblem().ProducesProblem(409);
    }

    private static async Task<Results<Ok<StaffResponse>, ProblemHttpResult>> LoginAsync(LoginRequest request, StaffUserStore store, LoginThrottle throttle, HttpContext http, CancellationToken cancellationToken)
    {
        var username = StaffUserStore.Normalize(request.Username ?? "");
        if (throttle.RetryAfter(username) is { } wait)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: 429, title: "Too many attempts", detail: "Too many failed sign-ins for this account; wait a minute and try again.");
        }

        var user = string.IsNullOrEmpty(request.Password) ? null : await store.VerifyAsync(username, request.Password, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            throttle.Failed(username);
            return TypedResults.Problem(statusCode: 401, title: "Sign-in failed", detail: "The user name or password is wrong, or the account is disabled.");
        }

        throttle.Succeeded(username);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, user.Username), new Claim(ClaimTypes.Role, user.Role), new Claim("display_name", user.DisplayName)],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity)).ConfigureAwait(false);
        return TypedResults.Ok(ToResponse(user));
    }

    private static async Task<NoContent> LogoutAsync(HttpContext http)
    {
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static Ok<StaffResponse> Me(ClaimsPrincipal user) => TypedResults.Ok(new StaffResponse(
        user.Identity?.Name ?? "", user.FindFirstValue("display_name") ?? "", user.FindFirstValue(ClaimTypes.Role) ?? "", false));

    private static async Task<Created<StaffResponse>> CreateAsync(CreateUserRequest request, StaffUserStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var user = await store.CreateAsync(request.Username ?? "", request.DisplayName ?? "", request.Role ?? "", request.Password ?? "", http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/users/{user.Username}", ToResponse(user));
    }

    private static async Task<Ok<StaffResponse>> UpdateAsync(string username, UpdateUserRequest request, StaffUserStore store, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.Password is not null)
        {
            await store.SetPasswordAsync(username, request.Password, http.Actor(), cancellationToken).ConfigureAwait(false);
        }

        var user = await store.UpdateAsync(username, request.DisplayName, request.Role, request.Disabled, http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(ToResponse(user));
    }

    private static StaffResponse ToResponse(StaffUser u) => new(u.Username, u.DisplayName, u.Role, u.Disabled);
}

/// <summary>
/// Slows password guessing: after <see cref="MaxFailures"/> failures for one account, sign-in for it
/// is refused for <see cref="LockoutDuration"/>. Kept in memory; a restart forgives.
/// </summary>
public sealed class LoginThrottle(TimeProvider time)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset Until)> _state = new(StringComparer.Ordinal);

    public TimeSpan? RetryAfter(string username) =>
        _state.TryGetValue(username, out var s) && s.Failures >= MaxFailures && s.Until > time.GetUtcNow() ? s.Until - time.GetUtcNow() : null;

    public void Failed(string username) => _state.AddOrUpdate(username,
        _ => (1, time.GetUtcNow() + LockoutDuration),
        (_, s) => (s.Until <= time.GetUtcNow() && s.Failures >= MaxFailures ? 1 : s.Failures + 1, time.GetUtcNow() + LockoutDuration));

    public void Succeeded(string username) => _state.TryRemove(username, out _);
}
