namespace Conferencing.Server.RoomControl;

/// <summary>Room control settings (section "RoomControl").</summary>
public sealed class RoomControlOptions
{
    public const string Section = "RoomControl";

    /// <summary>The default wait for an agent's answer to one command: 20 s (the agent's own device timeout is 15 s).</summary>
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The default number of commands a bulk action runs at once: 64.</summary>
    public const int DefaultBulkParallelism = 64;

    public TimeSpan CommandTimeout { get; set; } = DefaultCommandTimeout;

    public int BulkParallelism { get; set; } = DefaultBulkParallelism;

    /// <summary>Power the rooms' displays and projectors off when a meeting ends. Default false: a room often hosts the next meeting.</summary>
    public bool PowerOffAtEnd { get; set; }

    /// <summary>In the demo with simulated rooms, give every simulated room a camera and a projector simulator and an agent. Default true.</summary>
    public bool SimulateDevices { get; set; } = true;
}
