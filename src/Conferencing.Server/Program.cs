using Conferencing.Hosting;
using Conferencing.Server.Hosting;

WebApplication app;
try
{
    var builder = WebApplication.CreateBuilder(CommandLine.HostArguments(args));
    builder.AddSettingsFromBinaryDirectory();
    SettingsFile.Add(builder.Configuration);
    builder.AddConferencing();
    app = builder.Build();

    // Settings are checked before anything starts, so a refused one is a sentence, not a stack trace.
    SettingsErrors.ValidateNow(app.Services);
    await app.Services.GetRequiredService<StartupTasks>().InitializeAsync(app.Lifetime.ApplicationStopping, seedDemo: !CommandLine.IsCommand(args));
}
catch (Exception e) when (SettingsErrors.Describe(e) is { } lines)
{
    return await SettingsErrors.ReportAsync("conferencing", lines);
}

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(app.Services, args);
}

app.UseConferencing();
await app.RunAsync();
return 0;

/// <summary>Entry point type, visible to the test host.</summary>
public partial class Program;
