using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Conferencing.Server.Common;

namespace Conferencing.Server.Sites;

/// <summary>
/// Site import and export as CSV (<c>code,name,parent_code,level,kind</c>) and JSON. Names are kept
/// byte for byte: no Unicode normalization, so whatever a province typed comes back the same.
/// </summary>
public static class SiteFiles
{
    public static readonly string[] CsvHeader = ["code", "name", "parent_code", "level", "kind"];

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The file form of a site, the same fields in JSON as in CSV.</summary>
    public sealed record SiteRow(string Code, string Name, string? ParentCode, string Level, string Kind);

    public static string ToCsv(IEnumerable<Site> sites)
    {
        var output = new StringBuilder();
        Csv.WriteRecord(output, CsvHeader);
        foreach (var site in Ordered(sites))
        {
            Csv.WriteRecord(output, site.Code, site.Name, site.ParentCode, Lower(site.Level), Lower(site.Kind));
        }

        return output.ToString();
    }

    public static string ToJson(IEnumerable<Site> sites) =>
        JsonSerializer.Serialize(Ordered(sites).Select(s => new SiteRow(s.Code, s.Name, s.ParentCode, Lower(s.Level), Lower(s.Kind))), JsonOptions);

    /// <summary>Reads CSV; every bad row is reported with its line, and no site is returned unless all are good.</summary>
    public static IReadOnlyList<Site> FromCsv(string text, out IReadOnlyList<(string Field, string Message)> errors)
    {
        var problems = new List<(string, string)>();
        var sites = new List<Site>();
        List<(int Line, IReadOnlyList<string> Fields)> records;
        try
        {
            records = Csv.Read(text).ToList();
        }
        catch (FormatException e)
        {
            errors = [("file", e.Message)];
            return [];
        }

        if (records.Count == 0)
        {
            errors = [("file", "The file is empty; expected a header line code,name,parent_code,level,kind.")];
            return [];
        }

        var header = records[0].Fields.Select(f => f.Trim().ToLowerInvariant()).ToArray();
        var index = CsvHeader.Select(h => Array.IndexOf(header, h)).ToArray();
        var missing = CsvHeader.Where((h, i) => index[i] < 0).ToArray();
        if (missing.Length > 0)
        {
            errors = [("header", $"The header lacks column(s) {string.Join(", ", missing)}; expected code,name,parent_code,level,kind.")];
            return [];
        }

        foreach (var (line, fields) in records.Skip(1))
        {
            string Field(int column) => index[column] < fields.Count ? fields[index[column]] : string.Empty;
            var row = new SiteRow(Field(0).Trim(), Field(1), NullIfEmpty(Field(2).Trim()), Field(3).Trim(), Field(4).Trim());
            if (TryConvert(row, $"line {line}", problems) is { } site)
            {
                sites.Add(site);
            }
        }

        errors = problems;
        return problems.Count == 0 ? sites : [];
    }

    /// <summary>Reads a JSON array of site rows; same contract as <see cref="FromCsv"/>.</summary>
    public static IReadOnlyList<Site> FromJson(string text, out IReadOnlyList<(string Field, string Message)> errors)
    {
        List<SiteRow?>? rows;
        try
        {
            rows = JsonSerializer.Deserialize<List<SiteRow?>>(text, JsonOptions);
        }
        catch (JsonException e)
        {
            errors = [("file", $"Not a JSON array of sites: {e.Message}")];
            return [];
        }

        var problems = new List<(string, string)>();
        var sites = new List<Site>();
        for (var i = 0; i < (rows?.Count ?? 0); i++)
        {
            var row = rows![i];
            if (row is null)
            {
                problems.Add(($"[{i}]", "Entry is null."));
                continue;
            }

            if (TryConvert(row with { ParentCode = NullIfEmpty(row.ParentCode) }, $"[{i}]", problems) is { } site)
            {
                sites.Add(site);
            }
        }

        errors = problems;
        return problems.Count == 0 ? sites : [];
    }

    private static Site? TryConvert(SiteRow row, string where, List<(string, string)> problems)
    {
        var ok = true;
        if (!Enum.TryParse<SiteLevel>(row.Level, ignoreCase: true, out var level) || int.TryParse(row.Level, out _))
        {
            problems.Add(($"{where}.level", $"Level '{row.Level}' is not one of province, department, district, commune."));
            ok = false;
        }

        if (!Enum.TryParse<SiteKind>(row.Kind, ignoreCase: true, out var kind) || int.TryParse(row.Kind, out _))
        {
            problems.Add(($"{where}.kind", $"Kind '{row.Kind}' is not one of province, department, city, town, district, commune, ward, township."));
            ok = false;
        }

        if (!ok)
        {
            return null;
        }

        var site = new Site(row.Code ?? string.Empty, row.Name ?? string.Empty, row.ParentCode, level, kind);
        var own = SiteTree.CheckOwnFields(site).ToList();
        foreach (var problem in own)
        {
            problems.Add((where, problem));
        }

        return own.Count == 0 ? site : null;
    }

    /// <summary>Parents before children, so a file can be read top-down.</summary>
    private static IEnumerable<Site> Ordered(IEnumerable<Site> sites) =>
        sites.OrderBy(s => s.Level switch { SiteLevel.Province => 0, SiteLevel.Department => 1, SiteLevel.District => 2, _ => 3 })
             .ThenBy(s => s.ParentCode, StringComparer.Ordinal)
             .ThenBy(s => s.Code, StringComparer.Ordinal);

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
