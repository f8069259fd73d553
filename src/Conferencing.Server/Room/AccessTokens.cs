using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Conferencing.Server.Room;

/// <summary>What a QR or confirmation token grants.</summary>
public enum AccessTokenKind : byte
{
    /// <summary>Shown on a room display, rotating: opens the confirmation page, any number of times, briefly.</summary>
    Room = 1,

    /// <summary>Handed to one device by one opening of the confirmation page; spent by its POST.</summary>
    Ticket = 2,

    /// <summary>A delegate's personal QR on a printed invitation; spent by its first confirmation.</summary>
    Invite = 3,
}

/// <summary>A token's content once its signature has been checked.</summary>
/// <param name="Subject">The delegate for an invitation; a random nonce for room codes and tickets.</param>
public sealed record AccessToken(AccessTokenKind Kind, Guid MeetingId, Guid Subject, DateTimeOffset ExpiresUtc, string Id);

/// <summary>Why a token was refused.</summary>
public enum TokenRefusal
{
    None,

    /// <summary>Not a token at all: wrong length, alphabet or format version.</summary>
    Malformed,

    /// <summary>Well formed, but the signature does not match: changed or forged.</summary>
    Tampered,

    /// <summary>Genuine but past its time.</summary>
    Expired,
}

/// <summary>
/// Compact signed tokens for QR codes: version, kind, meeting, subject, expiry (seconds) and a
/// 128-bit HMAC-SHA256 tag, 54 bytes or 72 characters of base64url. Short on purpose: the shorter
/// the URL, the coarser the QR code, and the farther a phone can read it off a television. The
/// tag doubles as the token's id for spending it once.
/// </summary>
public static class AccessTokens
{
    private const byte FormatVersion = 1;
    private const int BodyLength = 1 + 1 + 16 + 16 + 4;
    private const int TagLength = 16;
    public const int EncodedLength = 72;

    public static string Create(ReadOnlySpan<byte> key, AccessTokenKind kind, Guid meetingId, Guid subject, DateTimeOffset expiresUtc)
    {
        Span<byte> token = stackalloc byte[BodyLength + TagLength];
        token[0] = FormatVersion;
        token[1] = (byte)kind;
        meetingId.TryWriteBytes(token[2..18]);
        subject.TryWriteBytes(token[18..34]);
        BinaryPrimitives.WriteUInt32BigEndian(token[34..38], checked((uint)expiresUtc.ToUnixTimeSeconds()));
        Tag(key, token[..BodyLength], token[BodyLength..]);
        return Base64UrlEncode(token);
    }

    public static bool TryRead(ReadOnlySpan<byte> key, string? text, DateTimeOffset now, [NotNullWhen(true)] out AccessToken? token, out TokenRefusal refusal)
    {
        token = null;
        Span<byte> bytes = stackalloc byte[BodyLength + TagLength];
        if (text is null || text.Length != EncodedLength || !TryBase64UrlDecode(text, bytes) || bytes[0] != FormatVersion || bytes[1] is < 1 or > 3)
        {
            refusal = TokenRefusal.Malformed;
            return false;
        }

        Span<byte> expected = stackalloc byte[TagLength];
        Tag(key, bytes[..BodyLength], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[BodyLength..]))
        {
            refusal = TokenRefusal.Tampered;
            return false;
        }

        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadUInt32BigEndian(bytes[34..38]));
        token = new AccessToken((AccessTokenKind)bytes[1], new Guid(bytes[2..18]), new Guid(bytes[18..34]), expires, Convert.ToHexStringLower(bytes[BodyLength..]));
        if (now >= expires)
        {
            refusal = TokenRefusal.Expired;
            return false;
        }

        refusal = TokenRefusal.None;
        return true;
    }

    /// <summary>
    /// The kind and meeting a well-formed token claims, its signature not checked: only to choose
    /// which keys to check it with.
    /// </summary>
    public static bool TryPeek(string? text, out AccessTokenKind kind, out Guid meetingId)
    {
        Span<byte> bytes = stackalloc byte[BodyLength + TagLength];
        if (text is null || text.Length != EncodedLength || !TryBase64UrlDecode(text, bytes) || bytes[0] != FormatVersion || bytes[1] is < 1 or > 3)
        {
            kind = default;
            meetingId = Guid.Empty;
            return false;
        }

        kind = (AccessTokenKind)bytes[1];
        meetingId = new Guid(bytes[2..18]);
        return true;
    }

    /// <summary>
    /// A delegate's six-digit PIN for one meeting, derived from the room key: printed on the
    /// invitation, never stored, the same on every node. <paramref name="generation"/> counts the
    /// secretariat's reissues; generation 0 derives exactly what PINs were before reissuing existed.
    /// </summary>
    public static string Pin(ReadOnlySpan<byte> key, Guid meetingId, Guid delegateId, int generation = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(generation);
        Span<byte> input = stackalloc byte[3 + 32 + 4];
        "pin"u8.CopyTo(input);
        meetingId.TryWriteBytes(input[3..19]);
        delegateId.TryWriteBytes(input[19..35]);
        BinaryPrimitives.WriteInt32BigEndian(input[35..], generation);
        input = generation == 0 ? input[..35] : input;
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, input, mac);
        var value = BinaryPrimitives.ReadUInt32BigEndian(mac) % 1_000_000;
        return value.ToString("D6", CultureInfo.InvariantCulture);
    }

    private static void Tag(ReadOnlySpan<byte> key, ReadOnlySpan<byte> body, Span<byte> tag)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, body, mac);
        mac[..TagLength].CopyTo(tag);
    }

    private static string Base64UrlEncode(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryBase64UrlDecode(string text, Span<byte> destination)
    {
        var builder = new StringBuilder(text.Length + 2);
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }

            builder.Append(c switch { '-' => '+', '_' => '/', _ => c });
        }

        while (builder.Length % 4 != 0)
        {
            builder.Append('=');
        }

        // The decoder wants room for whole groups of three, so decode into a slightly larger buffer.
        Span<byte> decoded = stackalloc byte[destination.Length + 3];
        if (!Convert.TryFromBase64String(builder.ToString(), decoded, out var written) || written != destination.Length)
        {
            return false;
        }

        decoded[..written].CopyTo(destination);
        return true;
    }
}
