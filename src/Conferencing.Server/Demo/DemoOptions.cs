namespace Conferencing.Server.Demo;

/// <summary>The demo province. Bound from <c>Demo</c>; on in Development (the README's run command).</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>Seeds the demo province, its endpoints, staff accounts and sample meetings into an empty store.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The host:port in the demo rooms' SIP addresses (<c>sip:pt-08515@HOST</c>): their address of
    /// record at the server's registrar, where they register. The relay calls a room at the contact
    /// it registered from; one that is not registered is called at this address, and the registrar
    /// answers 480 (temporarily unavailable), as a registrar does. Null (the default) takes the
    /// registrar's <c>Sip:Listen</c> address (127.0.0.1 when it listens on every interface).
    /// </summary>
    public string? RoomDomain { get; set; }

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
