using Conferencing.Server.Accounts;
using Conferencing.Server.Demo;

namespace Conferencing.Server.Hosting;

/// <summary>
/// One-shot administration commands, run instead of the server: <c>create-admin NAME</c> and
/// <c>reset-password NAME</c>. The password comes from the <see cref="PasswordVariable"/>
/// environment variable, else a strong one is generated and printed once. A password on the command
/// line is refused: it would sit in the shell's history and in every process listing.
/// </summary>
public static class CommandLine
{
    /// <summary>The environment variable a command takes the new password from.</summary>
    public const string PasswordVariable = "CONFERENCING_PASSWORD";

    private static readonly string[] Commands = ["create-admin", "reset-password", Room.RoomKeyCommand.Name];

    public static bool IsCommand(string[] args) => args.Length > 0 && Commands.Contains(args[0], StringComparer.Ordinal);

    /// <summary>The arguments the host's configuration should see: none of a command's own.</summary>
    public static string[] HostArguments(string[] args) => IsCommand(args) ? [] : args;

    /// <summary>Runs a command with the password from <see cref="PasswordVariable"/>, if set.</summary>
    public static Task<int> RunAsync(IServiceProvider services, string[] args) =>
        RunAsync(services, args, Environment.GetEnvironmentVariable(PasswordVariable));

    /// <summary>Runs a command with <paramref name="given"/> as the new password, or a generated one when it is null or empty.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, string? given)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args[0] == Room.RoomKeyCommand.Name) return await Room.RoomKeyCommand.RunAsync(services, args).ConfigureAwait(false);
        if (args.Any(a => a.StartsWith("--password", StringComparison.Ordinal)))
        {
            await Console.Error.WriteLineAsync($"{args[0]}: --password is refused (it would stay in the shell history and show in process listings). Set {PasswordVariable} in the environment, or leave it unset to get a generated password printed once.").ConfigureAwait(false);
            return 2;
        }

        if (args.Length != 2 || args[1].StartsWith('-'))
        {
            await Console.Error.WriteLineAsync($"usage: [{PasswordVariable}=...] {args[0]} USERNAME").ConfigureAwait(false);
            return 2;
        }

        var username = args[1];
        var password = string.IsNullOrEmpty(given) ? DemoSeeder.GeneratePassword() : given;
        var users = services.GetRequiredService<StaffUserStore>();
        try
        {
            if (args[0] == "create-admin")
            {
                await users.CreateAsync(username, StaffUserStore.BootstrapDisplayName, StaffRoles.Admin, password, "setup-command", CancellationToken.None).ConfigureAwait(false);
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

        if (string.IsNullOrEmpty(given))
        {
            Console.WriteLine($"Password (shown once): {password}");
        }

        return 0;
    }
}
