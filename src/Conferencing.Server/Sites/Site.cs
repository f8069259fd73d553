using System.Text.Json.Serialization;

namespace Conferencing.Server.Sites;

/// <summary>Place of a site in the administrative tree.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SiteLevel>))]
public enum SiteLevel
{
    Province,
    Department,
    District,
    Commune,
}

/// <summary>What the unit is; fixes which <see cref="SiteLevel"/> it may have.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SiteKind>))]
public enum SiteKind
{
    /// <summary>Tỉnh.</summary>
    Province,

    /// <summary>Sở, ban, ngành under the province.</summary>
    Department,

    /// <summary>Thành phố trực thuộc tỉnh (three-level shape).</summary>
    City,

    /// <summary>Thị xã (three-level shape).</summary>
    Town,

    /// <summary>Huyện (three-level shape).</summary>
    District,

    /// <summary>Xã.</summary>
    Commune,

    /// <summary>Phường.</summary>
    Ward,

    /// <summary>Thị trấn (three-level shape).</summary>
    Township,
}

/// <summary>A meeting site: a unit of government with one or more meeting rooms.</summary>
public sealed record Site(string Code, string Name, string? ParentCode, SiteLevel Level, SiteKind Kind)
{
    public static SiteLevel LevelOf(SiteKind kind) => kind switch
    {
        SiteKind.Province => SiteLevel.Province,
        SiteKind.Department => SiteLevel.Department,
        SiteKind.City or SiteKind.Town or SiteKind.District => SiteLevel.District,
        _ => SiteLevel.Commune,
    };
}
