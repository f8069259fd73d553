namespace Conferencing.Devices.Visca;

/// <summary>Carries one VISCA packet to a camera and waits for its outcome.</summary>
public interface IViscaTransport : IAsyncDisposable
{
    /// <summary>
    /// Sends a command or inquiry and returns the completion's data (empty for a command).
    /// Throws <see cref="DeviceException"/> for an error reply, silence past the timeout, or a refused connection.
    /// </summary>
    Task<byte[]> ExchangeAsync(byte[] packet, CancellationToken cancellationToken);
}

/// <summary>Timeouts shared by the VISCA transports.</summary>
public sealed record ViscaTimeouts
{
    /// <summary>The default time a command may take from send to completion: 3 s (a preset recall moves the head).</summary>
    public static readonly TimeSpan DefaultCommand = TimeSpan.FromSeconds(3);

    /// <summary>The default wait before a VISCA over IP datagram is sent again with the same sequence number: 250 ms.</summary>
    public static readonly TimeSpan DefaultRetransmit = TimeSpan.FromMilliseconds(250);

    public TimeSpan Command { get; init; } = DefaultCommand;

    public TimeSpan Retransmit { get; init; } = DefaultRetransmit;
}
