namespace Conferencing.Server.Reports;

/// <summary>
/// The printed report's letterhead and signature block, in the Vietnamese administrative form
/// (Nghị định 30/2020/NĐ-CP): the issuing agency on the left, the national motto on the right, the
/// place and date under it, and who signs. Bound from <c>Reports</c>.
/// </summary>
public sealed class ReportOptions
{
    public const string Section = "Reports";

    /// <summary>The longest agency, place or signer text accepted: 120 characters, one printed line.</summary>
    public const int MaxLength = 120;

    /// <summary>
    /// The agency above the issuing unit, e.g. "ỦY BAN NHÂN DÂN TỈNH PHÚ THỌ". Unset, the top site
    /// of the tree is named.
    /// </summary>
    public string? ParentAgency { get; set; }

    /// <summary>The issuing unit, e.g. "VĂN PHÒNG". Unset, only the parent agency is printed, in bold.</summary>
    public string? Agency { get; set; }

    /// <summary>The place in the date line ("Phú Thọ, ngày 02 tháng 12 năm 2026"). Unset, the line starts with the date.</summary>
    public string? Place { get; set; }

    /// <summary>The signer's name under the signature space. Unset, the space is left for a hand-written name.</summary>
    public string? SignerName { get; set; }

    public string? Validate()
    {
        foreach (var (name, value) in new[] { (nameof(ParentAgency), ParentAgency), (nameof(Agency), Agency), (nameof(Place), Place), (nameof(SignerName), SignerName) })
        {
            if (value is { Length: > MaxLength })
            {
                return $"{Section}:{name} is longer than {MaxLength} characters.";
            }
        }

        return null;
    }
}
