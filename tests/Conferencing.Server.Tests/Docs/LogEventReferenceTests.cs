using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Conferencing.Server.Tests.Docs;

/// <summary>docs/operations/logs.md lists every [LoggerMessage] of the product, exactly.</summary>
public sealed class LogEventReferenceTests
{
    private sealed record Event(int Id, string Level, string Component, string Message)
    {
        public string Row => string.Create(CultureInfo.InvariantCulture, $"| {Id} | {Level} | `{Component}` | {Message.Replace("|", "\\|", StringComparison.Ordinal)} |");
    }

    private static readonly Assembly[] Logging =
    [
        typeof(Program).Assembly,
        typeof(Conferencing.Relay.RelayOptions).Assembly,
        typeof(Conferencing.RoomAgent.RoomAgentOptions).Assembly,
    ];

    private static IEnumerable<(MethodInfo Method, LoggerMessageAttribute Attribute)> LoggerMessages(Assembly assembly) =>
        assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()!))
            .Where(x => x.Attribute is not null);

    /// <summary>A nested Log class is named after the class it serves.</summary>
    private static string Component(Type type)
    {
        while (type.IsNested && type.Name == "Log")
        {
            type = type.DeclaringType!;
        }

        return type.Name;
    }

    private static List<Event> CodeEvents() =>
        [.. Logging.SelectMany(LoggerMessages)
            .Select(x => new Event(x.Attribute.EventId, x.Attribute.Level.ToString(), Component(x.Method.DeclaringType!), x.Attribute.Message))
            .OrderBy(e => e.Id)];

    private static List<Event> PageEvents() =>
        [.. DocPages.TablesByHeading(DocPages.Lines("operations", "logs.md"))["Every event"]
            .Select(r => new Event(int.Parse(r[0], CultureInfo.InvariantCulture), r[1], DocPages.Code(r[2]), r[3]))];

    [Fact]
    public void EveryLoggerMessageHasItsRowAndEveryRowItsLoggerMessage()
    {
        var code = CodeEvents();
        Assert.True(code.Count > 100, $"only {code.Count} [LoggerMessage] methods found: the reflection is wrong");
        var page = PageEvents();
        var missing = code.Except(page).Select(e => e.Row).ToList();
        var stale = page.Except(code).Select(e => e.Row).ToList();
        Assert.True(missing.Count == 0 && stale.Count == 0,
            "docs/operations/logs.md is behind the code.\nRows to add (or correct):\n" + string.Join('\n', missing) + "\nRows to remove:\n" + string.Join('\n', stale));
    }

    [Fact]
    public void EventIdsAreUniqueAcrossTheProduct()
    {
        var duplicates = CodeEvents().GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Component))}").ToList();
        Assert.True(duplicates.Count == 0, "EventIds used twice:\n" + string.Join('\n', duplicates));
    }

    [Fact]
    public void EveryEventIdFallsInARangeOfTheRangeTable()
    {
        var ranges = DocPages.TablesByHeading(DocPages.Lines("operations", "logs.md"))["EventIds by component"]
            .SelectMany(r => r[0].Split(", "))
            .Select(run => run.Split('–'))
            .Select(p => (From: int.Parse(p[0], CultureInfo.InvariantCulture), To: int.Parse(p[^1], CultureInfo.InvariantCulture)))
            .ToList();
        var outside = CodeEvents().Where(e => !ranges.Any(r => e.Id >= r.From && e.Id <= r.To)).Select(e => e.Row).ToList();
        Assert.True(outside.Count == 0, "EventIds outside every range of docs/operations/logs.md:\n" + string.Join('\n', outside));
    }

    [Fact]
    public void TheProtocolLibraryAndTheDeviceDriversDoNotLog()
    {
        Assert.Empty(LoggerMessages(typeof(Conferencing.Sip.SipMessage).Assembly));
        Assert.Empty(LoggerMessages(typeof(Conferencing.Devices.Agent.IRoomAgentHub).Assembly));
    }
}
