using Conferencing.Server.Hosting;

var builder = WebApplication.CreateBuilder(CommandLine.HostArguments(args));
builder.AddSettingsFromBinaryDirectory();
builder.AddConferencing();
var app = builder.Build();

await app.Services.GetRequiredService<StartupTasks>().InitializeAsync(app.Lifetime.ApplicationStopping);
if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(app.Services, args);
}

app.UseConferencing();
await app.RunAsync();
return 0;

/// <summary>Entry point type, visible to the test host.</summary>
public partial class Program;
