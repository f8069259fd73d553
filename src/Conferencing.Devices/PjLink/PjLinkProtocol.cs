using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Conferencing.Devices.PjLink;

/// <summary>POWR? answers: 0 standby, 1 on, 2 cooling down, 3 warming up.</summary>
public enum PjLinkPower { Off = 0, On = 1, Cooling = 2, WarmingUp = 3 }

/// <summary>The ERRn answers of PJLink class 1.</summary>
public enum PjLinkError
{
    /// <summary>ERR1: undefined command.</summary>
    UndefinedCommand = 1,
    /// <summary>ERR2: out of parameter.</summary>
    OutOfParameter = 2,
    /// <summary>ERR3: unavailable time (for example an input switch while in standby).</summary>
    UnavailableTime = 3,
    /// <summary>ERR4: projector/display failure.</summary>
    DeviceFailure = 4,
}

/// <summary>One ERST? digit: 0 no error, 1 warning, 2 error.</summary>
public enum PjLinkErrorLevel { Ok = 0, Warning = 1, Error = 2 }

/// <summary>ERST? answer: six digits for fan, lamp, temperature, cover open, filter and other.</summary>
public readonly record struct PjLinkErrorStatus(
    PjLinkErrorLevel Fan, PjLinkErrorLevel Lamp, PjLinkErrorLevel Temperature,
    PjLinkErrorLevel CoverOpen, PjLinkErrorLevel Filter, PjLinkErrorLevel Other)
{
    public bool Any => Fan + (int)Lamp + (int)Temperature + (int)CoverOpen + (int)Filter + (int)Other > 0;

    public static bool TryParse(string value, out PjLinkErrorStatus status)
    {
        status = default;
        if (value.Length != 6 || value.Any(c => c is < '0' or > '2'))
        {
            return false;
        }

        PjLinkErrorLevel At(int i) => (PjLinkErrorLevel)(value[i] - '0');
        status = new PjLinkErrorStatus(At(0), At(1), At(2), At(3), At(4), At(5));
        return true;
    }

    public override string ToString() => string.Concat(
        new[] { Fan, Lamp, Temperature, CoverOpen, Filter, Other }.Select(l => (char)('0' + (int)l)));
}

/// <summary>LAMP? answer entry: cumulative lighting hours and whether the lamp is lit.</summary>
public readonly record struct PjLinkLamp(int Hours, bool On);

/// <summary>A parsed response line "%1BODY=value".</summary>
public readonly record struct PjLinkResponse(string Body, string Value)
{
    public PjLinkError? Error => Value is ['E', 'R', 'R', >= '1' and <= '4'] ? (PjLinkError)(Value[3] - '0') : null;
}

/// <summary>
/// Text of PJLink class 1 (JBMIA): commands "%1BODY param" and responses "%1BODY=value", each ended by
/// CR; the greeting "PJLINK 0" (no authentication) or "PJLINK 1 random", and "PJLINK ERRA" for a
/// refused password. With authentication the first command is prefixed by MD5(random + password) in
/// 32 lower-case hex digits.
/// </summary>
public static class PjLinkProtocol
{
    public const int DefaultPort = 4352;
    public const char Terminator = '\r';

    /// <summary>Longest line the specification allows (136 bytes with the terminator).</summary>
    public const int MaxLine = 136;

    public const string GreetingPrefix = "PJLINK ";
    public const string AuthError = "PJLINK ERRA";

    /// <summary>Input codes: the first digit is the type (1 RGB, 2 video, 3 digital, 4 storage, 5 network), the second 1..9.</summary>
    public static bool IsValidInput(string code) => code is [>= '1' and <= '5', >= '1' and <= '9'];

    public static string Command(string body, string parameter)
    {
        if (body.Length != 4 || !body.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c)))
        {
            throw new ArgumentException($"'{body}' is not a 4-character PJLink command", nameof(body));
        }

        return $"%1{body} {parameter}{Terminator}";
    }

    public static string Query(string body) => Command(body, "?");

    /// <summary>MD5 of the random sequence followed directly by the password (no separator), lower-case hex.</summary>
    public static string Digest(string random, string password)
    {
#pragma warning disable CA5351 // PJLink class 1 mandates MD5; it is the device's protocol, not our choice of hash.
        var hash = MD5.HashData(Encoding.ASCII.GetBytes(random + password));
#pragma warning restore CA5351
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Parses the greeting: null random for "PJLINK 0", the random for "PJLINK 1 xxxxxxxx".</summary>
    public static bool TryParseGreeting(string line, out bool authenticated, out string? random)
    {
        authenticated = false;
        random = null;
        if (line == GreetingPrefix + "0")
        {
            return true;
        }

        if (line.StartsWith(GreetingPrefix + "1 ", StringComparison.Ordinal) && line.Length == GreetingPrefix.Length + 2 + 8)
        {
            authenticated = true;
            random = line[(GreetingPrefix.Length + 2)..];
            return true;
        }

        return false;
    }

    public static bool TryParseResponse(string line, out PjLinkResponse response)
    {
        response = default;
        if (line.Length < 7 || line[0] != '%' || line[1] != '1' || line[6] != '=')
        {
            return false;
        }

        response = new PjLinkResponse(line[2..6], line[7..]);
        return true;
    }

    public static bool TryParseLamps(string value, out IReadOnlyList<PjLinkLamp> lamps)
    {
        lamps = [];
        var parts = value.Split(' ');
        if (parts.Length == 0 || parts.Length % 2 != 0 || parts.Length > 16)
        {
            return false;
        }

        var list = new List<PjLinkLamp>();
        for (var i = 0; i < parts.Length; i += 2)
        {
            if (parts[i].Length is 0 or > 5 || !int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
                || parts[i + 1] is not ("0" or "1"))
            {
                return false;
            }

            list.Add(new PjLinkLamp(hours, parts[i + 1] == "1"));
        }

        lamps = list;
        return true;
    }

    public static string Describe(PjLinkError error) => error switch
    {
        PjLinkError.UndefinedCommand => "ERR1 undefined command",
        PjLinkError.OutOfParameter => "ERR2 out of parameter",
        PjLinkError.UnavailableTime => "ERR3 unavailable time",
        PjLinkError.DeviceFailure => "ERR4 projector/display failure",
        _ => $"ERR{(int)error}",
    };
}
