using System.Text.RegularExpressions;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Docs;

/// <summary>Reads the markdown pages that tests hold to the code: sections by heading, table rows by cell.</summary>
internal static partial class DocPages
{
    public static string[] Lines(params string[] path) => File.ReadAllLines(Sample.RepoFile(["docs", .. path]));

    /// <summary>The table rows under each level-2 heading, split into trimmed cells (header and rule rows left out).</summary>
    public static Dictionary<string, List<string[]>> TablesByHeading(IEnumerable<string> lines)
    {
        var sections = new Dictionary<string, List<string[]>>(StringComparer.Ordinal);
        List<string[]>? current = null;
        var headerSeen = false;
        foreach (var line in lines)
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                current = [];
                sections[line[3..].Trim()] = current;
                headerSeen = false;
                continue;
            }

            if (current is null || !line.StartsWith('|'))
            {
                headerSeen = false;
                continue;
            }

            var cells = SplitRow(line);
            if (!headerSeen)
            {
                headerSeen = true;
                continue;
            }

            if (cells.All(c => RuleCell().IsMatch(c)))
            {
                continue;
            }

            current.Add(cells);
        }

        return sections;
    }

    /// <summary>Cells of a markdown table row; <c>\|</c> is a literal bar inside a cell.</summary>
    public static string[] SplitRow(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        for (var i = 1; i < line.Length; i++)
        {
            if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] == '|')
            {
                cell.Append('|');
                i++;
            }
            else if (line[i] == '|')
            {
                cells.Add(cell.ToString().Trim());
                cell.Clear();
            }
            else
            {
                cell.Append(line[i]);
            }
        }

        return [.. cells];
    }

    /// <summary>The text between the first pair of backticks, or the cell itself.</summary>
    public static string Code(string cell)
    {
        var match = CodeSpan().Match(cell);
        return match.Success ? match.Groups[1].Value : cell;
    }

    [GeneratedRegex("^:?-+:?$")]
    private static partial Regex RuleCell();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();
}
