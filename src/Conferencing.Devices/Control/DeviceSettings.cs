using System.Net;
using Conferencing.Devices.Agent;

namespace Conferencing.Devices.Control;

/// <summary>One device in the room agent's configuration file.</summary>
public sealed class DeviceSettings
{
    /// <summary>Unique in the room, stable across restarts (the server keys state and audit by it).</summary>
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    public DeviceKind Kind { get; set; }

    public DeviceDriver Driver { get; set; }

    /// <summary>host:port for the network drivers, a device path for ViscaSerial, the logical address (0 = TV) for Cec.</summary>
    public string Address { get; set; } = "";

    /// <summary>PJLink password; empty when the projector has authentication off.</summary>
    public string? Password { get; set; }

    /// <summary>The input the room uses for the conference (PJLink code, 31 = digital 1 / HDMI 1).</summary>
    public string? ConferenceInput { get; set; }

    /// <summary>The cec-client executable (default cec-client on PATH).</summary>
    public string? CecExecutable { get; set; }

    /// <summary>Command timeout in seconds; 0 for the driver's default.</summary>
    public double TimeoutSeconds { get; set; }

    public DeviceInfo ToInfo() => new(Id, string.IsNullOrWhiteSpace(Name) ? Id : Name, Kind, Driver, Address);

    /// <summary>Checks what a driver needs, so a bad file stops the agent at start with a clear message.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Id))
        {
            yield return "a device has no Id";
        }

        var ok = Driver switch
        {
            DeviceDriver.ViscaIp or DeviceDriver.ViscaTcp or DeviceDriver.PjLink => IPEndPoint.TryParse(Address, out _) || Address.Contains(':', StringComparison.Ordinal),
            DeviceDriver.ViscaSerial => Address.StartsWith('/'),
            DeviceDriver.Cec => string.IsNullOrEmpty(Address) || int.TryParse(Address, out var a) && a is >= 0 and <= 15,
            _ => false,
        };
        if (!ok)
        {
            yield return $"device '{Id}': address '{Address}' does not suit driver {Driver}";
        }

        if (ConferenceInput is { } input && Driver == DeviceDriver.PjLink && !PjLink.PjLinkProtocol.IsValidInput(input))
        {
            yield return $"device '{Id}': conference input '{input}' is not a PJLink input (11..59)";
        }
    }

    internal TimeSpan? Timeout => TimeoutSeconds > 0 ? TimeSpan.FromSeconds(TimeoutSeconds) : null;

    /// <summary>Resolves host:port, with a name lookup for a host name (the devices sit on the room's LAN).</summary>
    internal async Task<IPEndPoint> EndPointAsync(int defaultPort, CancellationToken cancellationToken)
    {
        if (IPEndPoint.TryParse(Address, out var endPoint))
        {
            return endPoint.Port == 0 ? new IPEndPoint(endPoint.Address, defaultPort) : endPoint;
        }

        var colon = Address.LastIndexOf(':');
        var host = colon > 0 ? Address[..colon] : Address;
        var port = colon > 0 && int.TryParse(Address[(colon + 1)..], out var p) ? p : defaultPort;
        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return new IPEndPoint(addresses.First(), port);
    }
}
