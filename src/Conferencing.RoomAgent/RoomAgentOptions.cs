using Conferencing.Devices.Control;

namespace Conferencing.RoomAgent;

/// <summary>The agent's configuration file (section "Agent"): where the server is, its key, and the room's devices.</summary>
public sealed class RoomAgentOptions
{
    public const string Section = "Agent";

    /// <summary>The name the agent's messages start with.</summary>
    public const string ProgramName = "room-agent";

    /// <summary>The settings file when neither --config nor CONFERENCING_AGENT_CONFIG names one (the installed layout).</summary>
    public const string DefaultFile = "/etc/conferencing/room-agent.json";

    /// <summary>The shortest poll interval, backoff and command timeout: 1 s.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(1);

    /// <summary>The default time between device polls: 30 s.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(30);

    /// <summary>The default longest wait between reconnection attempts: 60 s.</summary>
    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(60);

    /// <summary>The default time one device command may take before the server hears "timeout": 15 s.</summary>
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The server's base address, e.g. https://hoinghi.example.gov.vn.</summary>
    public string ServerUrl { get; set; } = "";

    /// <summary>The agent key an administrator issued for this room (shown once when issued).</summary>
    public string AgentKey { get; set; } = "";

    public TimeSpan PollInterval { get; set; } = DefaultPollInterval;

    public TimeSpan MaxBackoff { get; set; } = DefaultMaxBackoff;

    public TimeSpan CommandTimeout { get; set; } = DefaultCommandTimeout;

    public List<DeviceSettings> Devices { get; set; } = [];

    /// <summary>One line per refused setting: its name, its value and what is allowed.</summary>
    public IEnumerable<string> Validate()
    {
        if (!Uri.TryCreate(ServerUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            yield return $"{Section}:ServerUrl must be the server's http:// or https:// address (e.g. https://hoinghi.example.gov.vn); it is '{ServerUrl}'.";
        }

        if (string.IsNullOrWhiteSpace(AgentKey))
        {
            yield return $"{Section}:AgentKey must be the key an administrator issued for this room (POST /api/room-agents); it is empty.";
        }

        foreach (var (name, value) in new[] { (nameof(PollInterval), PollInterval), (nameof(MaxBackoff), MaxBackoff), (nameof(CommandTimeout), CommandTimeout) })
        {
            if (value < MinimumInterval)
            {
                yield return $"{Section}:{name} must be at least {MinimumInterval:c}; it is {value:c}.";
            }
        }

        foreach (var duplicate in Devices.GroupBy(d => d.Id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"{Section}:Devices: the device id '{duplicate.Key}' appears twice; each device needs its own.";
        }

        foreach (var problem in Devices.SelectMany(d => d.Validate()))
        {
            yield return $"{Section}:Devices: {problem}.";
        }
    }
}
