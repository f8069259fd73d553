using System.Reflection;

namespace Conferencing.Server.Tests.Docs;

/// <summary>docs/operations/configuration.md has one table per options class, and the tables match the classes.</summary>
public sealed class ConfigurationReferenceTests
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

    /// <summary>`Relaying:Tls:&lt;relay name&gt;:Sha256` names the property Sha256.</summary>
    private static string PropertyName(string keyCell) => DocPages.Code(keyCell).Split(':')[^1];
}
