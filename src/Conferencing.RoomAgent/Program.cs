using Conferencing.Hosting;
using Conferencing.RoomAgent;

// A refused setting is one line naming it, its value and what is allowed, and exit code 2, like the
// server and the relay; never a stack trace.
try
{
    return await RunAsync(args).ConfigureAwait(false);
}
catch (Exception e) when (SettingsErrors.Describe(e) is { } lines)
{
    return await SettingsErrors.ReportAsync(RoomAgentOptions.ProgramName, lines).ConfigureAwait(false);
}

static async Task<int> RunAsync(string[] args)
{
    // The configuration file: --config PATH, else CONFERENCING_AGENT_CONFIG, else RoomAgentOptions.DefaultFile.
    var builder = Host.CreateApplicationBuilder(args);
    var given = builder.Configuration[SettingsFile.Key] ?? Environment.GetEnvironmentVariable("CONFERENCING_AGENT_CONFIG") ?? RoomAgentOptions.DefaultFile;
    var file = Path.GetFullPath(given);
    if (!File.Exists(file))
    {
        throw new InvalidSettingException($"--config '{given}': there is no file at {file}; copy room-agent.sample.json (beside the agent) there and fill in ServerUrl and AgentKey.");
    }

    try
    {
        builder.Configuration.AddJsonFile(file, optional: false, reloadOnChange: false);
    }
    catch (InvalidDataException e)
    {
        throw new InvalidSettingException($"--config '{given}': the file is not valid JSON ({e.GetBaseException().Message}).", e);
    }

    builder.Configuration.AddEnvironmentVariables("CONFERENCING_AGENT_");
    builder.Configuration.AddCommandLine(args);

    // --simulate: a VISCA-over-IP camera and a PJLink projector simulator on loopback stand in for the
    // room's devices (the demo and a first try without hardware); the file's devices are replaced.
    await using var simulators = builder.Configuration.GetValue<bool>("simulate") ? await SimulatedRoom.StartAsync(builder.Configuration).ConfigureAwait(false) : null;

    // A bad file stops the agent at start with every problem named, not at the first command.
    var errors = builder.Configuration.GetSection(RoomAgentOptions.Section).Get<RoomAgentOptions>()?.Validate().ToList()
        ?? [$"{RoomAgentOptions.Section}: {file} has no \"{RoomAgentOptions.Section}\" section; see room-agent.sample.json beside the agent."];
    if (errors.Count > 0)
    {
        return await SettingsErrors.ReportAsync(RoomAgentOptions.ProgramName, errors).ConfigureAwait(false);
    }

    builder.Services.AddSystemd();
    builder.Services.AddOptions<RoomAgentOptions>().BindConfiguration(RoomAgentOptions.Section);
    builder.Services.AddHostedService<RoomAgentWorker>();
    using var host = builder.Build();
    await host.RunAsync().ConfigureAwait(false);
    return 0;
}
