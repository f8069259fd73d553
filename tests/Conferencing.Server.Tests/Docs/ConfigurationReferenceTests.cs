using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Conferencing.Server.Tests.Docs;

/// <summary>docs/operations/configuration.md has one table per options class, and the tables match the classes.</summary>
public sealed partial class ConfigurationReferenceTests
{
    /// <summary>The assemblies whose options are bound from configuration: the server, the relay, the room devices and the room agent.</summary>
    private static readonly Assembly[] Assemblies =
    [
        typeof(Program).Assembly,
        typeof(Conferencing.Relay.RelayOptions).Assembly,
        typeof(Conferencing.Devices.Agent.IRoomAgentHub).Assembly,
        typeof(Conferencing.RoomAgent.RoomAgentOptions).Assembly,
    ];

    private static IEnumerable<Type> OptionsClasses() =>
        Assemblies.SelectMany(a => a.GetExportedTypes())
            .Where(t => t.IsClass && !t.IsAbstract && t.Name.EndsWith("Options", StringComparison.Ordinal));

    private static Dictionary<string, List<string[]>> Tables() =>
        DocPages.TablesByHeading(DocPages.Lines("operations", "configuration.md"));

    [Fact]
    public void EverySettablePropertyOfEveryOptionsClassHasARow()
    {
        var tables = Tables();
        var missing = new List<string>();
        foreach (var type in OptionsClasses())
        {
            if (!tables.TryGetValue(type.Name, out var rows))
            {
                missing.Add($"no '## {type.Name}' section");
                continue;
            }

            var documented = rows.Select(r => PropertyName(r[0])).ToHashSet(StringComparer.Ordinal);
            missing.AddRange(type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.SetMethod is { IsPublic: true } && !documented.Contains(p.Name))
                .Select(p => $"{type.Name}.{p.Name} has no row"));
        }

        Assert.True(missing.Count == 0, "docs/operations/configuration.md is behind the code:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void EveryRowNamesAPropertyThatExists()
    {
        var classes = OptionsClasses().ToDictionary(t => t.Name, StringComparer.Ordinal);
        var wrong = new List<string>();
        foreach (var (heading, rows) in Tables().Where(s => s.Key.EndsWith("Options", StringComparison.Ordinal)))
        {
            if (!classes.TryGetValue(heading, out var type))
            {
                wrong.Add($"'## {heading}' names no options class");
                continue;
            }

            wrong.AddRange(rows.Select(r => PropertyName(r[0]))
                .Where(name => type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance) is null)
                .Select(name => $"{heading} has a row for '{name}', which is not a property"));
            Assert.All(rows, r => Assert.True(r.Length >= 4, $"{heading}: the row '{string.Join(" | ", r)}' needs key, default, meaning and validated"));
        }

        Assert.True(wrong.Count == 0, "docs/operations/configuration.md names settings the code does not have:\n" + string.Join('\n', wrong));
    }

    [Fact]
    public void ThePageCoversEveryOptionsClassWeKnowOf()
    {
        // Guards the reflection itself: if it found nothing, the checks above would pass on an empty page.
        var names = OptionsClasses().Select(t => t.Name).ToList();
        Assert.Contains("RelayOptions", names);
        Assert.Contains("StoreOptions", names);
        Assert.Contains("RoomAgentOptions", names);
        Assert.True(names.Count >= 20, $"only {names.Count} options classes found");
    }

    [Fact]
    public void EveryLiteralDefaultInThePageIsTheCodesDefault()
    {
        // Descriptive defaults ("the host name", "(both)") are left to review; a literal one (a number,
        // a duration, true or false, a `value`, "(none)") must be what a new instance holds.
        var classes = OptionsClasses().ToDictionary(t => t.Name, StringComparer.Ordinal);
        var wrong = new List<string>();
        var checkedCount = 0;
        foreach (var (heading, rows) in Tables().Where(s => classes.ContainsKey(s.Key)))
        {
            var instance = Activator.CreateInstance(classes[heading])!;
            foreach (var row in rows)
            {
                var property = classes[heading].GetProperty(PropertyName(row[0]), BindingFlags.Public | BindingFlags.Instance);
                if (property is null || DefaultMatches(row[1], property.GetValue(instance)) is not { } matches)
                {
                    continue;
                }

                checkedCount++;
                if (!matches)
                {
                    wrong.Add($"{heading}.{property.Name}: the page says '{row[1]}', the code's default is '{Format(property.GetValue(instance))}'");
                }
            }
        }

        Assert.True(checkedCount >= 100, $"only {checkedCount} defaults could be compared");
        Assert.True(wrong.Count == 0, "docs/operations/configuration.md has wrong defaults:\n" + string.Join('\n', wrong));
    }

    /// <summary>Null when the cell is descriptive rather than a literal value.</summary>
    private static bool? DefaultMatches(string cell, object? value)
    {
        var text = cell.Replace("`", "", StringComparison.Ordinal).Trim();
        if (text.StartsWith("(none", StringComparison.Ordinal))
        {
            return value is null || value is "" || value is System.Collections.ICollection { Count: 0 };
        }

        if (DurationCell().Match(text) is { Success: true } duration)
        {
            var amount = double.Parse(duration.Groups[1].Value, CultureInfo.InvariantCulture);
            var expected = duration.Groups[2].Value switch
            {
                "millisecond" => TimeSpan.FromMilliseconds(amount),
                "second" => TimeSpan.FromSeconds(amount),
                "minute" => TimeSpan.FromMinutes(amount),
                "hour" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
            return value is TimeSpan actual && actual == expected;
        }

        var first = text.Split(' ')[0];
        return value switch
        {
            bool b when first is "true" or "false" => b == (first == "true"),
            int or long or double when double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => Convert.ToDouble(value, CultureInfo.InvariantCulture) == number,
            string s when cell.StartsWith('`') => s == text,
            _ => null,
        };
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    [GeneratedRegex(@"^(\d+(?:\.\d+)?) (millisecond|second|minute|hour|day)s?$")]
    private static partial Regex DurationCell();

    /// <summary>`Relaying:Tls:&lt;relay name&gt;:Sha256` names the property Sha256.</summary>
    private static string PropertyName(string keyCell) => DocPages.Code(keyCell).Split(':')[^1];
}
