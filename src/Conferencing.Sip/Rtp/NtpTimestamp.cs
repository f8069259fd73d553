namespace Conferencing.Sip.Rtp;

/// <summary>
/// A 64-bit NTP timestamp as carried in RTCP sender reports: seconds since 1900-01-01 UTC in the
/// upper 32 bits, the binary fraction of a second in the lower 32.
/// </summary>
/// <param name="Value">The raw 64-bit value.</param>
public readonly record struct NtpTimestamp(ulong Value)
{
    private static readonly DateTime Epoch = new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Whole seconds since the NTP epoch (wraps in 2036, as NTP era 0 does).</summary>
    public uint Seconds => (uint)(Value >> 32);

    /// <summary>The fraction of a second in units of 2^-32 s.</summary>
    public uint Fraction => (uint)Value;

    /// <summary>The middle 32 bits, the compact form used by LSR and round trip computation.</summary>
    public uint Middle32 => (uint)(Value >> 16);

    /// <summary>Converts a UTC time to an NTP timestamp.</summary>
    public static NtpTimestamp FromDateTime(DateTime utc)
    {
        TimeSpan sinceEpoch = utc.ToUniversalTime() - Epoch;
        ulong seconds = (ulong)(sinceEpoch.Ticks / TimeSpan.TicksPerSecond);
        ulong remainderTicks = (ulong)(sinceEpoch.Ticks % TimeSpan.TicksPerSecond);
        ulong fraction = (remainderTicks << 32) / TimeSpan.TicksPerSecond;
        return new NtpTimestamp((seconds << 32) | fraction);
    }

    /// <summary>The current time as an NTP timestamp.</summary>
    public static NtpTimestamp Now => FromDateTime(DateTime.UtcNow);

    /// <summary>Converts back to a UTC time (era 0, so valid until 2036).</summary>
    public DateTime ToDateTime()
    {
        long ticks = ((long)Seconds * TimeSpan.TicksPerSecond) + (long)(((ulong)Fraction * TimeSpan.TicksPerSecond) >> 32);
        return Epoch.AddTicks(ticks);
    }

    /// <summary>
    /// Round trip time from a report block (RFC 3550 section 6.4.1): A − LSR − DLSR, with A the
    /// middle 32 bits of the time the report arrived. False when the block carries no LSR or the
    /// result is negative (clock trouble or a stale block).
    /// </summary>
    /// <param name="arrivalMiddle32">Middle 32 bits of the NTP time at which the report arrived.</param>
    /// <param name="lastSenderReport">The block's LSR field.</param>
    /// <param name="delaySinceLastSenderReport">The block's DLSR field, in 1/65536 s.</param>
    /// <param name="roundTrip">The round trip time.</param>
    public static bool TryComputeRoundTrip(uint arrivalMiddle32, uint lastSenderReport, uint delaySinceLastSenderReport, out TimeSpan roundTrip)
    {
        roundTrip = TimeSpan.Zero;
        if (lastSenderReport == 0)
        {
            return false;
        }

        // Unsigned 32-bit arithmetic wraps correctly across the 18-hour rollover of the compact form.
        int units = (int)(arrivalMiddle32 - lastSenderReport - delaySinceLastSenderReport);
        if (units < 0)
        {
            return false;
        }

        roundTrip = TimeSpan.FromTicks(units * TimeSpan.TicksPerSecond / 65536);
        return true;
    }
}
