using Conferencing.RoomAgent;

// The configuration file: --config PATH, else CONFERENCING_AGENT_CONFIG, else /etc/conferencing-room-agent/agent.json.
var builder = Host.CreateApplicationBuilder(args);
var file = builder.Configuration["config"] ?? Environment.GetEnvironmentVariable("CONFERENCING_AGENT_CONFIG") ?? "/etc/conferencing-room-agent/agent.json";
if (!File.Exists(file))
{
    await Console.Error.WriteLineAsync($"no configuration file at {file} (see ops/systemd/agent.sample.json)").ConfigureAwait(false);
    return 2;
}

builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
builder.Configuration.AddEnvironmentVariables("CONFERENCING_AGENT_");
builder.Configuration.AddCommandLine(args);

// --simulate: a VISCA-over-IP camera and a PJLink projector simulator on loopback stand in for the
// room's devices (the demo and a first try without hardware); the file's devices are replaced.
await using var simulators = builder.Configuration.GetValue<bool>("simulate") ? await SimulatedRoom.StartAsync(builder.Configuration).ConfigureAwait(false) : null;

// A bad file stops the agent at start with every problem named, not at the first command.
var errors = builder.Configuration.GetSection(RoomAgentOptions.Section).Get<RoomAgentOptions>()?.Validate().ToList() ?? ["the file has no Agent section"];
if (errors.Count > 0)
{
    await Console.Error.WriteLineAsync($"{file}: " + string.Join("; ", errors)).ConfigureAwait(false);
    return 2;
}

builder.Services.AddSystemd();
builder.Services.AddOptions<RoomAgentOptions>().BindConfiguration(RoomAgentOptions.Section);
builder.Services.AddHostedService<RoomAgentWorker>();
using var host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
return 0;
