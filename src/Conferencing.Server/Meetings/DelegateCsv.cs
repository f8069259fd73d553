using System.Text;
using Conferencing.Server.Common;
using Conferencing.Server.Sites;

namespace Conferencing.Server.Meetings;

/// <summary>Why a delegate list was refused; the page words each one in the reader's language.</summary>
public enum DelegateImportProblem
{
    /// <summary>The file is larger than <see cref="DelegateCsv.MaxBytes"/>.</summary>
    TooLarge,

    /// <summary>No header line, or no data line under it.</summary>
    Empty,

    /// <summary>A quoted field is not closed.</summary>
    Malformed,

    /// <summary>The header has no column for the delegate's name.</summary>
    NoNameColumn,

    /// <summary>The header has no column for the site.</summary>
    NoSiteColumn,

    /// <summary>The file would take the meeting past <see cref="Meeting.MaxDelegates"/>.</summary>
    TooMany,

    NameMissing,
    NameTooLong,
    TitleTooLong,
    UnitTooLong,
    SiteMissing,

    /// <summary>No site has this code or name.</summary>
    SiteUnknown,

    /// <summary>Several sites have this name (a commune name repeats across districts): give the code.</summary>
    SiteAmbiguous,

    /// <summary>The site exists but is not ticked for this meeting.</summary>
    SiteNotInMeeting,
    PhoneInvalid,
}

/// <summary>One refused line (line 0 for the file as a whole) and the value at fault.</summary>
public sealed record DelegateImportError(int Line, DelegateImportProblem Problem, string? Value = null);

/// <summary>The delegates read from a file, or why it was refused; never both.</summary>
public sealed record DelegateImport(IReadOnlyList<DelegateInput> Delegates, IReadOnlyList<DelegateImportError> Errors)
{
    public bool Ok => Errors.Count == 0;
}

/// <summary>
/// Reads a delegate list that the secretariat keeps in a spreadsheet. The header names the columns,
/// in Vietnamese or English, with or without diacritics (họ tên / ho_ten / name, chức vụ, đơn vị,
/// điểm cầu, điện thoại); the site is given by code or by name. A file is taken whole or refused
/// whole, with every bad line named, so a list is never half imported.
/// </summary>
public static class DelegateCsv
{
    /// <summary>A list of 5000 delegates is about 500 KB; 2 MB leaves room and refuses anything else.</summary>
    public const int MaxBytes = 2 * 1024 * 1024;

    /// <summary>The header a template file carries.</summary>
    public const string TemplateHeader = "ho_ten,chuc_vu,don_vi,diem_cau,dien_thoai";

    private static readonly Dictionary<string, string> Columns = new(StringComparer.Ordinal)
    {
        ["ho ten"] = "name", ["ho va ten"] = "name", ["ten"] = "name", ["name"] = "name", ["full name"] = "name", ["dai bieu"] = "name",
        ["chuc vu"] = "title", ["title"] = "title", ["position"] = "title",
        ["don vi"] = "unit", ["co quan"] = "unit", ["unit"] = "unit", ["organization"] = "unit", ["organisation"] = "unit",
        ["diem cau"] = "site", ["ma diem cau"] = "site", ["site"] = "site", ["site code"] = "site", ["site code or name"] = "site",
        ["dien thoai"] = "phone", ["so dien thoai"] = "phone", ["sdt"] = "phone", ["phone"] = "phone", ["mobile"] = "phone",
    };

    /// <summary>
    /// Text of an uploaded file: UTF-8 (with or without BOM) or, failing that, Windows-1258, which
    /// older Vietnamese Excel writes for "CSV (Comma delimited)". Both come out in Unicode form C,
    /// the form names are stored in.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes).Normalize(NormalizationForm.FormC);
        }
        catch (DecoderFallbackException)
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            return Encoding.GetEncoding(1258).GetString(bytes).Normalize(NormalizationForm.FormC);
        }
    }

    /// <summary>Reads a file's bytes; see <see cref="Parse(string, SiteIndex, IReadOnlyCollection{string}, int)"/>.</summary>
    public static DelegateImport Parse(ReadOnlySpan<byte> bytes, SiteIndex sites, IReadOnlyCollection<string> meetingSites, int existingCount = 0) =>
        bytes.Length > MaxBytes
            ? Refused(new DelegateImportError(0, DelegateImportProblem.TooLarge))
            : Parse(Decode(bytes), sites, meetingSites, existingCount);

    /// <summary>
    /// Parses the text against the site tree and the sites ticked for the meeting.
    /// <paramref name="existingCount"/> delegates are already on the list the file adds to.
    /// </summary>
    public static DelegateImport Parse(string text, SiteIndex sites, IReadOnlyCollection<string> meetingSites, int existingCount = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(meetingSites);
        List<(int Line, IReadOnlyList<string> Fields)> records;
        try
        {
            records = Csv.Read(text, DelimiterOf(text)).ToList();
        }
        catch (FormatException)
        {
            return Refused(new DelegateImportError(0, DelegateImportProblem.Malformed));
        }

        if (records.Count < 2)
        {
            return Refused(new DelegateImportError(records.Count == 0 ? 0 : records[0].Line, DelegateImportProblem.Empty));
        }

        var header = records[0].Fields.Select(h => Columns.GetValueOrDefault(VietnameseText.Fold(h.Replace('_', ' ').Replace('-', ' ')))).ToList();
        int Column(string name) => header.IndexOf(name);
        var (name, title, unit, site, phone) = (Column("name"), Column("title"), Column("unit"), Column("site"), Column("phone"));
        var headerErrors = new List<DelegateImportError>();
        if (name < 0)
        {
            headerErrors.Add(new(records[0].Line, DelegateImportProblem.NoNameColumn));
        }

        if (site < 0)
        {
            headerErrors.Add(new(records[0].Line, DelegateImportProblem.NoSiteColumn));
        }

        if (headerErrors.Count > 0)
        {
            return new DelegateImport([], headerErrors);
        }

        if (existingCount + records.Count - 1 > Meeting.MaxDelegates)
        {
            return Refused(new DelegateImportError(0, DelegateImportProblem.TooMany, (records.Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var ticked = meetingSites.ToHashSet(StringComparer.Ordinal);
        var byName = sites.Ordered.ToLookup(s => s.Folded, s => s.Site.Code, StringComparer.Ordinal);
        var byShortName = sites.Ordered.ToLookup(s => ShortName(s.Folded), s => s.Site.Code, StringComparer.Ordinal);
        var delegates = new List<DelegateInput>(records.Count - 1);
        var errors = new List<DelegateImportError>();
        foreach (var (line, fields) in records.Skip(1))
        {
            string? Field(int index) => index >= 0 && index < fields.Count && !string.IsNullOrWhiteSpace(fields[index]) ? fields[index].Trim() : null;
            if (fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            var delegateName = Field(name);
            var delegateTitle = Field(title);
            var delegateUnit = Field(unit);
            var siteText = Field(site);
            var delegatePhone = Field(phone);
            var before = errors.Count;
            if (delegateName is null)
            {
                errors.Add(new(line, DelegateImportProblem.NameMissing));
            }
            else if (delegateName.Length > 200)
            {
                errors.Add(new(line, DelegateImportProblem.NameTooLong, delegateName[..40] + "…"));
            }

            if (delegateTitle is { Length: > 200 })
            {
                errors.Add(new(line, DelegateImportProblem.TitleTooLong));
            }

            if (delegateUnit is { Length: > 300 })
            {
                errors.Add(new(line, DelegateImportProblem.UnitTooLong));
            }

            string? siteCode = null;
            if (siteText is null)
            {
                errors.Add(new(line, DelegateImportProblem.SiteMissing));
            }
            else if (sites.Find(siteText) is { } exact)
            {
                siteCode = exact.Site.Code;
            }
            else if (sites.Ordered.FirstOrDefault(s => string.Equals(s.Site.Code, siteText, StringComparison.OrdinalIgnoreCase)) is { } byCode)
            {
                siteCode = byCode.Site.Code;
            }
            else
            {
                // "Xã Pà Cò", "xa pa co", or just "Pà Cò": a list kept by hand often drops the unit word.
                var folded = VietnameseText.Fold(siteText);
                var named = byName[folded].ToList();
                if (named.Count == 0)
                {
                    named = byShortName[ShortName(folded)].ToList();
                }

                if (named.Count == 1)
                {
                    siteCode = named[0];
                }
                else
                {
                    // Two communes of one name in different districts: prefer the one the meeting has.
                    var inMeeting = named.Where(ticked.Contains).ToList();
                    if (inMeeting.Count == 1)
                    {
                        siteCode = inMeeting[0];
                    }
                    else
                    {
                        errors.Add(new(line, named.Count == 0 ? DelegateImportProblem.SiteUnknown : DelegateImportProblem.SiteAmbiguous, siteText));
                    }
                }
            }

            if (siteCode is not null && !ticked.Contains(siteCode))
            {
                errors.Add(new(line, DelegateImportProblem.SiteNotInMeeting, sites.NameOf(siteCode)));
            }

            if (delegatePhone is not null && !Meeting.IsPhoneNumber(delegatePhone))
            {
                errors.Add(new(line, DelegateImportProblem.PhoneInvalid, delegatePhone));
            }

            if (errors.Count == before)
            {
                delegates.Add(new DelegateInput(Guid.NewGuid(), delegateName, delegateTitle, delegateUnit, siteCode, delegatePhone));
            }
        }

        if (errors.Count == 0 && delegates.Count == 0)
        {
            errors.Add(new(records[0].Line, DelegateImportProblem.Empty));
        }

        return errors.Count > 0 ? new DelegateImport([], errors) : new DelegateImport(delegates, []);
    }

    private static readonly string[] UnitWords = ["thanh pho ", "thi tran ", "thi xa ", "phuong ", "huyen ", "tinh ", "xa ", "so "];

    /// <summary>A folded name without its unit word: "xa pa co" becomes "pa co".</summary>
    private static string ShortName(string folded)
    {
        foreach (var word in UnitWords)
        {
            if (folded.StartsWith(word, StringComparison.Ordinal) && folded.Length > word.Length)
            {
                return folded[word.Length..];
            }
        }

        return folded;
    }

    /// <summary>A header with more semicolons than commas was saved by a spreadsheet set to Vietnamese.</summary>
    private static char DelimiterOf(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        var header = end < 0 ? text : text[..end];
        return header.Count(c => c == ';') > header.Count(c => c == ',') ? ';' : ',';
    }

    private static DelegateImport Refused(DelegateImportError error) => new([], [error]);
}
