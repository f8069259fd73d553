namespace Conferencing.Server.Hosting;

internal static class HttpContextExtensions
{
    /// <summary>The signed-in staff member's user name, for the audit trail.</summary>
    public static string Actor(this HttpContext context) => context.User.Identity?.Name ?? "anonymous";
}
