using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace Conferencing.Relay;

/// <summary>Settings of a relay node, bound from the <c>Relay</c> configuration section.</summary>
public sealed class RelayOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Relay";

    /// <summary>The default SIP listen address: every interface, port 5070 (5060 is the server's registrar).</summary>
    public const string DefaultSip = "0.0.0.0:5070";

    /// <summary>The default media port range.</summary>
    public const string DefaultMediaPorts = "40000-49999";

    /// <summary>The default shortest time between two keyframe requests to one source: 500 ms.</summary>
    public static readonly TimeSpan DefaultKeyframeRequestInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>The default longest wait for the new source's keyframe on a program switch: 2 s.</summary>
    public static readonly TimeSpan DefaultSwitchTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The default interval of RTCP reports and statistics: 1 s.</summary>
    public static readonly TimeSpan DefaultReportInterval = TimeSpan.FromSeconds(1);

    /// <summary>The default socket buffer size: 4 MB, so a keyframe fanned out to many legs is not dropped by the kernel.</summary>
    public const int DefaultSocketBufferBytes = 4 * 1024 * 1024;

    /// <summary>The default most legs a meeting may have: 1500.</summary>
    public const int DefaultMaxLegsPerMeeting = 1500;

    /// <summary>The node's name in events and logs. The default is the host name.</summary>
    public string Name { get; set; } = Environment.MachineName;

    /// <summary>Where SIP listens (UDP and TCP), "address:port". The default is <see cref="DefaultSip"/>; port 0 picks one.</summary>
    public string Sip { get; set; } = DefaultSip;

    /// <summary>
    /// The address media sockets bind to and the relay writes in its SDP. When empty, the SIP
    /// address; when that is 0.0.0.0, this host's first IPv4 address that is not loopback.
    /// </summary>
    public string? MediaAddress { get; set; }

    /// <summary>
    /// Media ports: "first-last" (each meeting takes two pairs, RTP even and RTCP odd) or "0" for
    /// ports the system picks (tests). The default is <see cref="DefaultMediaPorts"/>.
    /// </summary>
    public string MediaPorts { get; set; } = DefaultMediaPorts;

    /// <summary>The shared key of the HTTP control API (Authorization: Bearer), at least 16 characters. Required when the relay runs on its own.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The user name the relay answers digest challenges with when it calls another relay. The default is "relay".</summary>
    public string SipUser { get; set; } = "relay";

    /// <summary>The password for <see cref="SipUser"/>, or null when nobody challenges the relay.</summary>
    public string? SipPassword { get; set; }

    /// <summary>The digest realm of dial-in challenges. The default is "conferencing".</summary>
    public string Realm { get; set; } = "conferencing";

    /// <summary>
    /// The digest algorithm offered first: "SHA-256" (the default; MD5 is offered after it for older
    /// room systems, RFC 8760) or "MD5" alone.
    /// </summary>
    public string DigestAlgorithm { get; set; } = "SHA-256";

    /// <summary>The shortest time between two keyframe requests to one source. The default is <see cref="DefaultKeyframeRequestInterval"/>.</summary>
    public TimeSpan KeyframeRequestInterval { get; set; } = DefaultKeyframeRequestInterval;

    /// <summary>
    /// On a program switch a receiver keeps the old video until the new source's keyframe arrives,
    /// at most this long. The default is <see cref="DefaultSwitchTimeout"/>.
    /// </summary>
    public TimeSpan SwitchTimeout { get; set; } = DefaultSwitchTimeout;

    /// <summary>The interval of RTCP reports and statistics. The default is <see cref="DefaultReportInterval"/>.</summary>
    public TimeSpan ReportInterval { get; set; } = DefaultReportInterval;

    /// <summary>
    /// Symmetric RTP latching for endpoints behind NAT: a packet from an unknown address, with a payload
    /// type a silent leg negotiated, becomes that leg's media address when exactly one such leg is on
    /// the sender's host (or exactly one is silent at all). Off by default: on the province network
    /// every room system has its own address, and a stray packet (an old meeting's endpoint still
    /// sending to a reused port) must not take over a leg that has not spoken yet.
    /// </summary>
    public bool Latching { get; set; }

    /// <summary>Send a packet to many legs with one sendmmsg(2) call on Linux. The default is true.</summary>
    public bool BatchedSend { get; set; } = true;

    /// <summary>Socket send and receive buffer size in bytes. The default is <see cref="DefaultSocketBufferBytes"/>.</summary>
    public int SocketBufferBytes { get; set; } = DefaultSocketBufferBytes;

    /// <summary>The most legs one meeting may have. The default is <see cref="DefaultMaxLegsPerMeeting"/>.</summary>
    public int MaxLegsPerMeeting { get; set; } = DefaultMaxLegsPerMeeting;

    /// <summary>How a mixed meeting's audio is mixed (<c>Relay:AudioMix:*</c>).</summary>
    public AudioMixOptions AudioMix { get; set; } = new();

    /// <summary>The SIP listen endpoint, parsed.</summary>
    internal IPEndPoint SipEndPoint => IPEndPoint.Parse(Sip);

    /// <summary>The media address: <see cref="MediaAddress"/>, else the SIP address, else the first non-loopback IPv4 address.</summary>
    internal IPAddress ResolveMediaAddress()
    {
        if (!string.IsNullOrWhiteSpace(MediaAddress))
        {
            return IPAddress.Parse(MediaAddress);
        }

        var sip = SipEndPoint.Address;
        if (!sip.Equals(IPAddress.Any) && !sip.Equals(IPAddress.IPv6Any))
        {
            return sip;
        }

        return System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? IPAddress.Loopback;
    }

    /// <summary>The media port range; (0, 0) for system-picked ports.</summary>
    internal (int First, int Last) MediaPortRange
    {
        get
        {
            TryParsePorts(MediaPorts, out var range);
            return range;
        }
    }

    internal static bool TryParsePorts(string? text, out (int First, int Last) range)
    {
        range = (0, 0);
        if (text?.Trim() == "0")
        {
            return true;
        }

        var parts = text?.Split('-', StringSplitOptions.TrimEntries);
        if (parts is not { Length: 2 }
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int last)
            || first < 1024 || last > 65535 || last - first < 3)
        {
            return false;
        }

        range = (first, last);
        return true;
    }
}

/// <summary>Checks <see cref="RelayOptions"/> at start-up so a bad setting stops the process with a clear message.</summary>
public sealed class RelayOptionsValidator : IValidateOptions<RelayOptions>
{
    /// <summary>Set by the standalone host, where the HTTP API needs a key.</summary>
    public bool RequireApiKey { get; init; }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!IPEndPoint.TryParse(options.Sip ?? "", out _))
        {
            failures.Add($"Relay:Sip '{options.Sip}' is not an address:port such as 0.0.0.0:5070.");
        }

        if (!string.IsNullOrWhiteSpace(options.MediaAddress) && !IPAddress.TryParse(options.MediaAddress, out _))
        {
            failures.Add($"Relay:MediaAddress '{options.MediaAddress}' is not an IP address.");
        }

        if (!RelayOptions.TryParsePorts(options.MediaPorts, out _))
        {
            failures.Add($"Relay:MediaPorts '{options.MediaPorts}' must be 'first-last' within 1024-65535 with at least 4 ports, or 0.");
        }

        if (RequireApiKey && (options.ApiKey is null || options.ApiKey.Length < 16))
        {
            failures.Add($"Relay:ApiKey (--key) must be a shared key of at least 16 characters; it has {options.ApiKey?.Length ?? 0}.");
        }

        if (string.IsNullOrWhiteSpace(options.Name))
        {
            failures.Add("Relay:Name must not be empty.");
        }

        if (options.DigestAlgorithm is not ("SHA-256" or "MD5"))
        {
            failures.Add($"Relay:DigestAlgorithm '{options.DigestAlgorithm}' must be SHA-256 or MD5.");
        }

        if (options.KeyframeRequestInterval < TimeSpan.FromMilliseconds(50) || options.KeyframeRequestInterval > TimeSpan.FromSeconds(30))
        {
            failures.Add($"Relay:KeyframeRequestInterval must be between 50 ms and 30 s; it is {options.KeyframeRequestInterval}.");
        }

        if (options.SwitchTimeout < TimeSpan.Zero || options.SwitchTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add($"Relay:SwitchTimeout must be between 0 and 30 s; it is {options.SwitchTimeout}.");
        }

        if (options.ReportInterval < TimeSpan.FromMilliseconds(100) || options.ReportInterval > TimeSpan.FromSeconds(10))
        {
            failures.Add($"Relay:ReportInterval must be between 100 ms and 10 s; it is {options.ReportInterval}.");
        }

        if (options.SocketBufferBytes is < 65536 or > 256 * 1024 * 1024)
        {
            failures.Add($"Relay:SocketBufferBytes must be between 65536 and 268435456; it is {options.SocketBufferBytes}.");
        }

        if (options.MaxLegsPerMeeting is < 1 or > 10000)
        {
            failures.Add($"Relay:MaxLegsPerMeeting must be between 1 and 10000; it is {options.MaxLegsPerMeeting}.");
        }

        failures.AddRange(options.AudioMix.Validate());

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
