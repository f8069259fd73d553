using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Conferencing.Sip.Sdp;

/// <summary>H.264 profiles as RFC 6184 table 5 derives them from profile_idc and profile-iop.</summary>
public enum H264Profile
{
    /// <summary>A combination the table does not name; compared byte for byte.</summary>
    Unknown,

    /// <summary>Constrained Baseline: what WebRTC and most room systems actually send.</summary>
    ConstrainedBaseline,

    /// <summary>Baseline.</summary>
    Baseline,

    /// <summary>Main.</summary>
    Main,

    /// <summary>Extended.</summary>
    Extended,

    /// <summary>High.</summary>
    High,

    /// <summary>Constrained High (constraint_set4 and set5 on High).</summary>
    ConstrainedHigh,

    /// <summary>High 10.</summary>
    High10,

    /// <summary>High 4:2:2.</summary>
    High422,

    /// <summary>High 4:4:4 Predictive.</summary>
    High444,
}

/// <summary>
/// The H.264 profile-level-id fmtp parameter (RFC 6184 section 8.1): profile_idc, the
/// profile-iop constraint flags and level_idc, from six hex digits such as "42e01f".
/// </summary>
/// <param name="ProfileIdc">profile_idc.</param>
/// <param name="ProfileIop">The constraint_set0..5 flags and reserved bits.</param>
/// <param name="LevelIdc">level_idc (level × 10; 11 with constraint_set3 means level 1b for Baseline, Main and Extended).</param>
public readonly record struct H264ProfileLevelId(byte ProfileIdc, byte ProfileIop, byte LevelIdc)
{
    /// <summary>The value implied when an H.264 fmtp has no profile-level-id: Baseline, level 1 (RFC 6184 section 8.1).</summary>
    public static readonly H264ProfileLevelId Default = new(0x42, 0x00, 0x0A);

    private const byte ConstraintSet3 = 0x10;

    /// <summary>The profile derived per RFC 6184 table 5.</summary>
    public H264Profile Profile
    {
        get
        {
            int iop = ProfileIop;
            return ProfileIdc switch
            {
                0x42 when (iop & 0x4F) == 0x40 => H264Profile.ConstrainedBaseline,
                0x42 when (iop & 0x4F) == 0x00 => H264Profile.Baseline,
                0x4D when (iop & 0x8F) == 0x80 => H264Profile.ConstrainedBaseline,
                0x4D when (iop & 0xAF) == 0x00 => H264Profile.Main,
                0x58 when (iop & 0xCF) == 0xC0 => H264Profile.ConstrainedBaseline,
                0x58 when (iop & 0xCF) == 0x80 => H264Profile.Baseline,
                0x58 when (iop & 0x8F) == 0x00 => H264Profile.Extended,
                0x64 when iop == 0x00 => H264Profile.High,
                0x64 when iop == 0x0C => H264Profile.ConstrainedHigh,
                0x6E when iop == 0x00 => H264Profile.High10,
                0x7A when iop == 0x00 => H264Profile.High422,
                0xF4 when iop == 0x00 => H264Profile.High444,
                _ => H264Profile.Unknown,
            };
        }
    }

    /// <summary>True for level 1b, which sits between levels 1 and 1.1.</summary>
    public bool IsLevel1b => LevelIdc == 9 || (LevelIdc == 11 && (ProfileIop & ConstraintSet3) != 0 && ProfileIdc is 0x42 or 0x4D or 0x58);

    /// <summary>An ordering key for levels: twice the level_idc, with 1b at 21 between 1 (20) and 1.1 (22).</summary>
    public int LevelRank => IsLevel1b ? 21 : LevelIdc * 2;

    /// <summary>True when both name the same profile; unknown combinations must match byte for byte.</summary>
    public bool HasSameProfile(H264ProfileLevelId other)
    {
        H264Profile mine = Profile;
        return mine == H264Profile.Unknown || other.Profile == H264Profile.Unknown
            ? ProfileIdc == other.ProfileIdc && (ProfileIop & ~ConstraintSet3) == (other.ProfileIop & ~ConstraintSet3)
            : mine == other.Profile;
    }

    /// <summary>This profile with the level of <paramref name="other"/> (the 1b flag carried over correctly).</summary>
    public H264ProfileLevelId WithLevelOf(H264ProfileLevelId other)
    {
        bool legacy1b = ProfileIdc is 0x42 or 0x4D or 0x58;
        byte iop = (byte)(ProfileIop & ~ConstraintSet3);
        if (other.IsLevel1b)
        {
            return legacy1b ? new(ProfileIdc, (byte)(iop | ConstraintSet3), 11) : new(ProfileIdc, iop, 9);
        }

        // Keep constraint_set3 where it means something other than 1b (e.g. High 10 Intra).
        return new(ProfileIdc, legacy1b ? iop : ProfileIop, other.LevelIdc);
    }

    /// <summary>The lower of two levels, expressed on this profile.</summary>
    public H264ProfileLevelId WithMinimumLevel(H264ProfileLevelId other) =>
        other.LevelRank < LevelRank ? WithLevelOf(other) : this;

    /// <summary>Parses six hex digits.</summary>
    public static bool TryParse(string? text, out H264ProfileLevelId value)
    {
        value = default;
        if (text is not { Length: 6 } || !uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint raw))
        {
            return false;
        }

        value = new H264ProfileLevelId((byte)(raw >> 16), (byte)(raw >> 8), (byte)raw);
        return true;
    }

    /// <summary>Six lowercase hex digits, as written in an fmtp line.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{ProfileIdc:x2}{ProfileIop:x2}{LevelIdc:x2}");

    /// <summary>Parses six hex digits.</summary>
    /// <exception cref="FormatException">Not six hex digits.</exception>
    public static H264ProfileLevelId Parse(string text) =>
        TryParse(text, out H264ProfileLevelId value) ? value : throw new FormatException($"'{text}' is not a profile-level-id.");

    /// <summary>Parses or returns <see cref="Default"/> when <paramref name="text"/> is null.</summary>
    public static bool TryParseOrDefault(string? text, [NotNullWhen(true)] out H264ProfileLevelId? value)
    {
        if (text is null)
        {
            value = Default;
            return true;
        }

        value = TryParse(text, out H264ProfileLevelId parsed) ? parsed : null;
        return value is not null;
    }
}
