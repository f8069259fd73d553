using Conferencing.Server.Accounts;
using Conferencing.Server.Demo;

namespace Conferencing.Server.Hosting;

/// <summary>
/// One-shot administration commands, run instead of the server:
/// <c>create-admin NAME [--password P]</c> and <c>reset-password NAME [--password P]</c>.
/// Without --password a strong one is generated and printed once.
/// </summary>
public static class CommandLine
{
    private static readonly string[] Commands = ["create-admin", "reset-password"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Commands.Contains(args[0], StringComparer.Ordinal);

    /// <summary>The arguments the host's configuration should see: none of a command's own.</summary>
    public static string[] HostArguments(string[] args) => IsCommand(args) ? [] : args;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length < 2 || args[1].StartsWith('-'))
        {
            await Console.Error.WriteLineAsync($"usage: {args[0]} USERNAME [--password PASSWORD]").ConfigureAwait(false);
            return 2;
        }

        var username = args[1];
        var index = Array.IndexOf(args, "--password");
        var password = index > 0 && index + 1 < args.Length ? args[index + 1] : DemoSeeder.GeneratePassword();
        var users = services.GetRequiredService<StaffUserStore>();
        try
        {
            if (args[0] == "create-admin")
            {
                await users.CreateAsync(username, "Administrator", StaffRoles.Admin, password, "setup-command", CancellationToken.None).ConfigureAwait(false);
                Console.WriteLine($"Administrator '{StaffUserStore.Normalize(username)}' created.");
            }
            else
            {
                await users.SetPasswordAsync(username, password, "setup-command", CancellationToken.None).ConfigureAwait(false);
                Console.WriteLine($"Password of '{StaffUserStore.Normalize(username)}' changed.");
            }
        }
        catch (Common.DomainException e)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 1;
        }

        if (index < 0)
        {
            Console.WriteLine($"Password (shown once): {password}");
        }

        return 0;
    }
}
