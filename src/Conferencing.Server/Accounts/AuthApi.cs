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

    public sealed record StaffResponse(string Username, string DisplayName, string Role, bool Disabled, string? ScopeSiteCode);

    public sealed record CreateUserRequest(string? Username, string? DisplayName, string? Role, string? Password, string? ScopeSiteCode);

    /// <summary>Fields left null stay as they are; <c>scopeSiteCode</c> "" lifts the limit (whole province).</summary>
    public sealed record UpdateUserRequest(string? DisplayName, string? Role, bool? Disabled, string? Password, string? ScopeSiteCode);

    public static void MapAuthApi(this IEndpointRouteBuilder routes)
    {
        var auth = routes.MapGroup("/api/auth").WithTags("Accounts");
        auth.MapPost("/login", LoginAsync).AllowAnonymous().ProducesProblem(401).ProducesProblem(429);
        auth.MapPost("/logout", (Delegate)LogoutAsync).RequireAuthorization(StaffRoles.Policies.Staff);
        auth.MapPost("/logout-everywhere", LogoutEverywhereAsync).RequireAuthorization(StaffRoles.Policies.Staff)
            .WithSummary("Ends every session of the signed-in account: other browsers, open pages and hub connections, within the revalidation interval.");
        auth.MapGet("/me", Me).RequireAuthorization(StaffRoles.Policies.Staff);

        var users = routes.MapGroup("/api/users").WithTags("Accounts").RequireAuthorization(StaffRoles.Policies.Admin);
        users.MapGet("/", async (StaffUserStore store, CancellationToken ct) =>
            TypedResults.Ok((await store.ListAsync(ct).ConfigureAwait(false)).Select(ToResponse).ToList()));
        users.MapPost("/", CreateAsync).ProducesValidationProblem().ProducesProblem(409);
        users.MapPut("/{username}", UpdateAsync).ProducesValidationProblem().ProducesProblem(409);
        users.MapPost("/{username}/revoke-sessions", RevokeSessionsAsync).ProducesProblem(404)
            .WithSummary("Signs the account out everywhere.");
    }

    private static async Task<Results<Ok<StaffResponse>, ProblemHttpResult>> LoginAsync(LoginRequest request, StaffUserStore store, LoginThrottle throttle, HttpContext http, CancellationToken cancellationToken)
    {
        var username = StaffUserStore.Normalize(request.Username ?? "");
        var address = LoginThrottle.AddressOf(http);
        if (await throttle.RetryAfterAsync(username, address, cancellationToken).ConfigureAwait(false) is { } wait)
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Of(429, "Too many attempts", "auth.throttled", "Too many failed sign-ins for this account or from this address; wait and try again.");
        }

        var user = string.IsNullOrEmpty(request.Password) ? null : await store.VerifyAsync(username, request.Password, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            await throttle.FailedAsync(username, address, cancellationToken).ConfigureAwait(false);
            return Problems.Of(401, "Sign-in failed", "auth.failed", "The user name or password is wrong, or the account is disabled.");
        }

        await throttle.SucceededAsync(username, cancellationToken).ConfigureAwait(false);
        await StaffClaims.SignInAsync(http, user).ConfigureAwait(false);
        return TypedResults.Ok(ToResponse(user));
    }

    /// <summary>Ends every session of the caller's account, on every device and node, this one included.</summary>
    private static async Task<NoContent> LogoutEverywhereAsync(StaffUserStore store, HttpContext http, CancellationToken cancellationToken)
    {
        await store.RevokeSessionsAsync(http.User.Identity?.Name ?? "", http.Actor(), cancellationToken).ConfigureAwait(false);
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> RevokeSessionsAsync(string username, StaffUserStore store, HttpContext http, CancellationToken cancellationToken)
    {
        await store.RevokeSessionsAsync(username, http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> LogoutAsync(HttpContext http)
    {
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static Ok<StaffResponse> Me(ClaimsPrincipal user) => TypedResults.Ok(new StaffResponse(
        user.Identity?.Name ?? "", user.FindFirstValue(StaffClaims.DisplayName) ?? "", user.FindFirstValue(ClaimTypes.Role) ?? "", false, StaffScopes.ScopeOf(user)));

    private static async Task<Created<StaffResponse>> CreateAsync(CreateUserRequest request, StaffUserStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var user = await store.CreateAsync(request.Username ?? "", request.DisplayName ?? "", request.Role ?? "", request.Password ?? "", request.ScopeSiteCode, http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/users/{user.Username}", ToResponse(user));
    }

    private static async Task<Ok<StaffResponse>> UpdateAsync(string username, UpdateUserRequest request, StaffUserStore store, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.Password is not null)
        {
            await store.SetPasswordAsync(username, request.Password, http.Actor(), cancellationToken).ConfigureAwait(false);
        }

        var user = await store.UpdateAsync(username, request.DisplayName, request.Role, request.Disabled, request.ScopeSiteCode, http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(ToResponse(user));
    }

    private static StaffResponse ToResponse(StaffUser u) => new(u.Username, u.DisplayName, u.Role, u.Disabled, u.ScopeSiteCode);
}
