using Conferencing.Server.Accounts;
using Conferencing.Server.Demo;
using Conferencing.Server.Store;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.Hosting;

/// <summary>
/// What runs before the server takes requests: the schema upgrade, the first administrator, and in
/// the demo the seeded province. A failure here stops the process with the reason.
/// </summary>
public sealed partial class StartupTasks(
    MigrationRunner migrations, StaffUserStore users, DemoSeeder demo,
    IOptions<DemoOptions> demoOptions, IOptions<BootstrapOptions> bootstrap, IConfiguration configuration, ILogger<StartupTasks> logger,
    IStartupValidator? settings = null)
{
    /// <summary>Runs the start-up work; <paramref name="seedDemo"/> is false for a one-shot command, which never seeds the demo or its accounts.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken, bool seedDemo = true)
    {
        // Settings are checked before anything touches the store: a refused start changes nothing.
        settings?.Validate();
        await migrations.MigrateAsync(cancellationToken).ConfigureAwait(false);

        if (bootstrap.Value is { AdminUsername: { Length: > 0 } name, AdminPassword: { Length: > 0 } password }
            && await users.CountAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            await users.CreateAsync(name, StaffUserStore.BootstrapDisplayName, StaffRoles.Admin, password, "bootstrap", cancellationToken).ConfigureAwait(false);
            Log.BootstrapAdmin(logger, name);
        }

        if (demoOptions.Value.Enabled && seedDemo)
        {
            await demo.SeedIfEmptyAsync(cancellationToken).ConfigureAwait(false);
            if (await demo.SeedAccountsIfNoneAsync(cancellationToken).ConfigureAwait(false) is { } password2)
            {
                var url = configuration["Urls"]?.Split(';')[0] ?? "http://localhost:5080";
                Console.WriteLine($$"""

                    ================================================================================
                     Demo: Phú Thọ province seeded. Sign in at {{url}} with one of:
                       admin     (Admin)        vanphong (Secretariat)     kythuat (Technician)
                     password for all three:  {{password2}}
                     API:  curl -c cookies -H 'Content-Type: application/json' \
                             -d '{"username":"admin","password":"{{password2}}"}' {{url}}/api/auth/login
                     Shown once. Lost it? dotnet run --project src/Conferencing.Server -- reset-password admin
                    ================================================================================

                    """);
            }
        }
        else if (seedDemo && await users.CountAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            Log.NoAccounts(logger);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "First administrator {Username} created from configuration")]
        public static partial void BootstrapAdmin(ILogger logger, string username);

        [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "No staff account exists. Create one: dotnet run --project src/Conferencing.Server -- create-admin <username>")]
        public static partial void NoAccounts(ILogger logger);
    }
}
