using Conferencing.Devices.Control;

namespace Conferencing.RoomAgent;

/// <summary>The agent's configuration file (section "Agent"): where the server is, its key, and the room's devices.</summary>
public sealed class RoomAgentOptions
{
    public const string Section = "Agent";

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

    public IEnumerable<string> Validate()
    {
        if (!Uri.TryCreate(ServerUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            yield return $"Agent:ServerUrl '{ServerUrl}' is not an http(s) address";
        }

        if (string.IsNullOrWhiteSpace(AgentKey))
        {
            yield return "Agent:AgentKey is empty: ask an administrator to issue a key for this room";
        }

        if (PollInterval < TimeSpan.FromSeconds(1) || MaxBackoff < TimeSpan.FromSeconds(1) || CommandTimeout < TimeSpan.FromSeconds(1))
        {
            yield return "Agent:PollInterval, MaxBackoff and CommandTimeout are at least 1 s";
        }

        foreach (var duplicate in Devices.GroupBy(d => d.Id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"device id '{duplicate.Key}' appears twice";
        }

        foreach (var problem in Devices.SelectMany(d => d.Validate()))
        {
            yield return problem;
        }
    }
}
