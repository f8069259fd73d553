using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Localization;

namespace Conferencing.Server.Accounts;

/// <summary>The browser-side companions of the login page: sign out and language choice.</summary>
public static class AccountPages
{
    public static void MapAccountPages(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/account/logout", async (HttpContext http, IFormCollection form) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return TypedResults.LocalRedirect("/login");
        }).RequireAuthorization(StaffRoles.Policies.Staff).ExcludeFromDescription();

        routes.MapGet("/culture/{name}", (HttpContext http, string name, string? returnUrl) =>
        {
            var culture = name == "en" ? "en-US" : "vi-VN";
            http.Response.Cookies.Append(
                CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                new CookieOptions { MaxAge = TimeSpan.FromDays(365), SameSite = SameSiteMode.Lax, HttpOnly = true, IsEssential = true });
            return TypedResults.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
        }).AllowAnonymous().ExcludeFromDescription();
    }

    private static bool IsLocal(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}
