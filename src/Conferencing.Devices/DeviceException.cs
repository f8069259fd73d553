namespace Conferencing.Devices;

/// <summary>Why a device command did not succeed.</summary>
public enum DeviceFailure
{
    /// <summary>Nothing answered at the address (refused, no route, or silence until the timeout).</summary>
    Unreachable,
    /// <summary>The device answered with its own error (a VISCA error reply, a PJLink ERRn).</summary>
    DeviceError,
    /// <summary>The device refused the credentials (PJLink ERRA).</summary>
    AuthenticationFailed,
    /// <summary>The device answered something that is not the protocol.</summary>
    ProtocolError,
    /// <summary>The driver cannot do this on this kind of device.</summary>
    Unsupported,
}

/// <summary>The one exception the drivers throw: what failed, and the device's own words when it gave any.</summary>
public sealed class DeviceException : Exception
{
    public DeviceException(DeviceFailure failure, string message, Exception? inner = null)
        : base(message, inner) => Failure = failure;

    public DeviceFailure Failure { get; }
}
