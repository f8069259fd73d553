using Conferencing.Server.Hosting;

var builder = WebApplication.CreateBuilder(CommandLine.HostArguments(args));
builder.AddSettingsFromBinaryDirectory();
builder.AddConferencing();
var app = builder.Build();

try
{
    await app.Services.GetRequiredService<StartupTasks>().InitializeAsync(app.Lifetime.ApplicationStopping, seedDemo: !CommandLine.IsCommand(args));
}
catch (Exception e) when (StartupFailures.Of(e) is { Count: > 0 } failures)
{
    await Console.Error.WriteLineAsync("conferencing: refusing to start:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", failures));
    return 2;
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
