namespace Conferencing.Server.Room;

/// <summary>The QR access and the room's live state. Bound from <c>Room</c>.</summary>
public sealed class RoomOptions
{
    public const string Section = "Room";

    /// <summary>The default: a room display shows a new QR code every 30 seconds.</summary>
    public static readonly TimeSpan DefaultQrRotation = TimeSpan.FromSeconds(30);

    /// <summary>The default: a room QR code opens the confirmation page for 90 seconds, so one scanned just before it rotated still works.</summary>
    public static readonly TimeSpan DefaultRoomTokenLifetime = TimeSpan.FromSeconds(90);

    /// <summary>The default: a delegate has 10 minutes to confirm who they are on the page a scan opened.</summary>
    public static readonly TimeSpan DefaultTicketLifetime = TimeSpan.FromMinutes(10);

    /// <summary>The default: a delegate session lasts until 12 hours after the meeting's end.</summary>
    public static readonly TimeSpan DefaultSessionGrace = TimeSpan.FromHours(12);

    /// <summary>The default number of wrong PINs one delegate may enter before each try has to wait.</summary>
    public const int DefaultMaxFailedConfirmations = 5;

    /// <summary>The default longest wait between a delegate's PIN tries after many wrong ones: 5 seconds.</summary>
    public static readonly TimeSpan DefaultMaxPinDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The default number of new confirmation tickets one network address gets per minute: 300,
    /// enough for a room of about a hundred phones behind one NAT address to scan three times each.
    /// </summary>
    public const int DefaultTicketsPerAddressPerMinute = 300;

    /// <summary>
    /// The address phones reach the server at, e.g. <c>https://hop.phutho.gov.vn</c>, written into QR
    /// codes. Unset, the address of the request that asked for the code is used.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>How often a room display shows a new QR code. The default is <see cref="DefaultQrRotation"/>.</summary>
    public TimeSpan QrRotation { get; set; } = DefaultQrRotation;

    /// <summary>How long one room QR code may be opened. The default is <see cref="DefaultRoomTokenLifetime"/>.</summary>
    public TimeSpan RoomTokenLifetime { get; set; } = DefaultRoomTokenLifetime;

    /// <summary>How long a confirmation page stays usable. The default is <see cref="DefaultTicketLifetime"/>.</summary>
    public TimeSpan TicketLifetime { get; set; } = DefaultTicketLifetime;

    /// <summary>How long after the meeting's end a delegate stays signed in. The default is <see cref="DefaultSessionGrace"/>.</summary>
    public TimeSpan SessionGrace { get; set; } = DefaultSessionGrace;

    /// <summary>
    /// Wrong PINs one delegate may enter before each further try waits (1 s, doubling, up to
    /// <see cref="MaxPinDelay"/>). The default is <see cref="DefaultMaxFailedConfirmations"/>.
    /// </summary>
    public int MaxFailedConfirmations { get; set; } = DefaultMaxFailedConfirmations;

    /// <summary>The longest a delegate ever waits between PIN tries. The default is <see cref="DefaultMaxPinDelay"/>.</summary>
    public TimeSpan MaxPinDelay { get; set; } = DefaultMaxPinDelay;

    /// <summary>
    /// New tickets one client address gets per minute (a device that re-opens a room code gets its
    /// existing ticket back and uses none). The default is <see cref="DefaultTicketsPerAddressPerMinute"/>.
    /// </summary>
    public int TicketsPerAddressPerMinute { get; set; } = DefaultTicketsPerAddressPerMinute;

    /// <summary>Null when usable, else what is wrong.</summary>
    public string? Validate()
    {
        if (PublicBaseUrl is { Length: > 0 } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/"))
        {
            return $"Room:PublicBaseUrl must be an absolute http(s) address without a path, such as https://hop.example.vn; it is '{url}'.";
        }

        if (QrRotation < TimeSpan.FromSeconds(5) || RoomTokenLifetime < QrRotation)
        {
            return $"Room:QrRotation must be at least 5 seconds and Room:RoomTokenLifetime at least as long; they are {QrRotation} and {RoomTokenLifetime}.";
        }

        if (TicketLifetime < TimeSpan.FromMinutes(1) || SessionGrace < TimeSpan.Zero)
        {
            return $"Room:TicketLifetime must be at least a minute and Room:SessionGrace not negative; they are {TicketLifetime} and {SessionGrace}.";
        }

        if (MaxPinDelay < TimeSpan.FromMilliseconds(100) || MaxPinDelay > TimeSpan.FromMinutes(1))
        {
            return $"Room:MaxPinDelay must be between 100 ms and a minute (it slows a delegate, it must never lock one out); it is {MaxPinDelay}.";
        }

        if (TicketsPerAddressPerMinute < 10)
        {
            return $"Room:TicketsPerAddressPerMinute must be at least 10 (a whole room may share one address); it is {TicketsPerAddressPerMinute}.";
        }

        return MaxFailedConfirmations < 1 ? $"Room:MaxFailedConfirmations must be at least 1; it is {MaxFailedConfirmations}." : null;
    }
}
