namespace Conferencing.Server.Demo;

/// <summary>The demo province. Bound from <c>Demo</c>; on in Development (the README's run command).</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>The host and port the simulated room systems answer on. The default is 127.0.0.1:5070.</summary>
    public const string DefaultSimulatorHost = "127.0.0.1:5070";

    /// <summary>Seeds the demo province, its endpoints, staff accounts and sample meetings into an empty store.</summary>
    public bool Enabled { get; set; }

    public string SimulatorHost { get; set; } = DefaultSimulatorHost;

    /// <summary>Runs a simulated room system for every demo endpoint. The default is true (when the demo is on).</summary>
    public bool SimulateRooms { get; set; } = true;
}

/// <summary>The first administrator, taken from configuration when the store has no staff account yet.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";

    public string? AdminUsername { get; set; }

    public string? AdminPassword { get; set; }
}
