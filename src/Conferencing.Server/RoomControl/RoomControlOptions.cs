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

    /// <summary>
    /// The default first port of the demo's simulated devices: 14400. Room i (sites in code order) gets
    /// its camera on UDP 14400+i and its projector on TCP 14400+i, below Linux's ephemeral range
    /// (32768 up) so that outgoing connections never take them first.
    /// </summary>
    public const int DefaultDemoDevicePortBase = 14400;

    /// <summary>The demo devices' first port (see <see cref="DefaultDemoDevicePortBase"/>); 0 lets the system pick each port (tests running side by side).</summary>
    public int DemoDevicePortBase { get; set; } = DefaultDemoDevicePortBase;

    /// <summary>The default time between polls of the demo rooms' devices: 30 s, as a real agent.</summary>
    public static readonly TimeSpan DefaultDemoPollInterval = TimeSpan.FromSeconds(30);

    public TimeSpan DemoPollInterval { get; set; } = DefaultDemoPollInterval;
}
