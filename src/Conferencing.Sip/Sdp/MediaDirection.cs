namespace Conferencing.Sip.Sdp;

/// <summary>The direction attributes of RFC 8866 section 6.7, seen from the side that wrote them.</summary>
public enum MediaDirection
{
    /// <summary>Send and receive (the default).</summary>
    SendRecv,

    /// <summary>Send only; the usual way to put the other side on hold.</summary>
    SendOnly,

    /// <summary>Receive only.</summary>
    RecvOnly,

    /// <summary>Neither send nor receive.</summary>
    Inactive,
}

/// <summary>Direction arithmetic for offer/answer.</summary>
public static class MediaDirectionExtensions
{
    /// <summary>The attribute name, e.g. "sendonly".</summary>
    public static string ToAttributeName(this MediaDirection direction) => direction switch
    {
        MediaDirection.SendOnly => "sendonly",
        MediaDirection.RecvOnly => "recvonly",
        MediaDirection.Inactive => "inactive",
        _ => "sendrecv",
    };

    /// <summary>Maps an attribute name to a direction; false for other attributes.</summary>
    public static bool TryParse(string attributeName, out MediaDirection direction)
    {
        switch (attributeName)
        {
            case "sendrecv": direction = MediaDirection.SendRecv; return true;
            case "sendonly": direction = MediaDirection.SendOnly; return true;
            case "recvonly": direction = MediaDirection.RecvOnly; return true;
            case "inactive": direction = MediaDirection.Inactive; return true;
            default: direction = MediaDirection.SendRecv; return false;
        }
    }

    /// <summary>True when the side that wrote this direction sends.</summary>
    public static bool CanSend(this MediaDirection direction) => direction is MediaDirection.SendRecv or MediaDirection.SendOnly;

    /// <summary>True when the side that wrote this direction receives.</summary>
    public static bool CanReceive(this MediaDirection direction) => direction is MediaDirection.SendRecv or MediaDirection.RecvOnly;

    /// <summary>The same direction seen from the other side: sendonly becomes recvonly and back.</summary>
    public static MediaDirection Reverse(this MediaDirection direction) => direction switch
    {
        MediaDirection.SendOnly => MediaDirection.RecvOnly,
        MediaDirection.RecvOnly => MediaDirection.SendOnly,
        _ => direction,
    };

    /// <summary>What both allow: send only if both send, receive only if both receive.</summary>
    public static MediaDirection Intersect(this MediaDirection direction, MediaDirection other) =>
        From(direction.CanSend() && other.CanSend(), direction.CanReceive() && other.CanReceive());

    /// <summary>Builds a direction from its two halves.</summary>
    public static MediaDirection From(bool send, bool receive) => (send, receive) switch
    {
        (true, true) => MediaDirection.SendRecv,
        (true, false) => MediaDirection.SendOnly,
        (false, true) => MediaDirection.RecvOnly,
        _ => MediaDirection.Inactive,
    };
}
