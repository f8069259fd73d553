using System.Text;
using System.Text.RegularExpressions;
using Conferencing.Relay;
using Microsoft.AspNetCore.Routing.Patterns;
using Serilog.Core;
using Serilog.Events;

namespace Conferencing.Server.Hosting;

/// <summary>
/// The one place that decides what never reaches a log: the bearer secrets some routes carry in
/// their path (a room code, a display link) and the PIN in a dial-in SIP URI. Every line the server
/// writes passes <see cref="LogRedactionEnricher"/>, whatever wrote it (our request log, the
/// framework's own request and routing logs at Debug, the relay conductor), so a new log call cannot
/// forget it.
/// </summary>
public static partial class LogRedaction
{
    /// <summary>
    /// Routes whose path is a bearer credential: whoever has the URL has the access. Each is the
    /// template it is mapped with; every parameter in it is secret. A test walks the app's routes and
    /// fails on any unconstrained route value that is neither here nor declared harmless, so a new
    /// secret route cannot be added without a decision.
    /// </summary>
    public static readonly IReadOnlyList<string> SecretRoutes =
    [
        "/j/{code}",               // a room code or personal invitation (QR)
        "/display/link/{token}",   // a room TV's display link
        "/display/qr/{code}.png",  // the room code drawn as a QR image
    ];

    private static readonly Regex[] SecretPaths = [.. SecretRoutes.Select(ToRegex)];

    /// <summary>
    /// <paramref name="text"/> (a path, a URL, a message) with each secret route value replaced by its
    /// parameter name in braces (<c>/j/{code}</c>) and each dial-in PIN masked.
    /// </summary>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = text;
        if (result.Contains('/', StringComparison.Ordinal))
        {
            foreach (var pattern in SecretPaths)
            {
                var input = result;
                result = pattern.Replace(input, m =>
                {
                    // Keep the literal parts of the match, put the parameter's name for each secret value.
                    var builder = new StringBuilder(m.Value.Length);
                    var at = m.Index;
                    foreach (var group in m.Groups.Values.Skip(1).Where(g => g.Success).OrderBy(g => g.Index))
                    {
                        builder.Append(input, at, group.Index - at).Append('{').Append(group.Name).Append('}');
                        at = group.Index + group.Length;
                    }

                    return builder.Append(input, at, m.Index + m.Length - at).ToString();
                });
            }
        }

        return SipLogText.Redact(result)!;
    }

    /// <summary>A request path for a log line.</summary>
    public static string Redact(PathString path) => Redact(path.Value ?? "");

    /// <summary>A route template as a pattern that finds its URLs anywhere in a text, each parameter a named group.</summary>
    private static Regex ToRegex(string template)
    {
        var pattern = RoutePatternFactory.Parse(template);
        var builder = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            builder.Append('/');
            foreach (var part in segment.Parts)
            {
                builder.Append(part switch
                {
                    RoutePatternLiteralPart literal => Regex.Escape(literal.Content),
                    RoutePatternParameterPart parameter => $"(?<{parameter.Name}>[^/?#\\s\"'<>]+?)",
                    RoutePatternSeparatorPart separator => Regex.Escape(separator.Content),
                    _ => throw new InvalidOperationException($"Route template {template} has a part log redaction does not know."),
                });
            }
        }

        // The value ends where the path segment does.
        builder.Append("(?=[/?#\\s\"'<>]|$)");
        return new Regex(builder.ToString(), RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.ExplicitCapture);
    }
}

/// <summary>
/// Redacts every text property of every log event (<see cref="LogRedaction.Redact(string)"/>), so
/// the rendered message and the structured file both come out clean.
/// </summary>
public sealed class LogRedactionEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        List<LogEventProperty>? changed = null;
        foreach (var (name, value) in logEvent.Properties)
        {
            if (Redact(value) is { } clean)
            {
                (changed ??= []).Add(new LogEventProperty(name, clean));
            }
        }

        foreach (var property in changed ?? [])
        {
            logEvent.AddOrUpdateProperty(property);
        }
    }

    /// <summary>The value with secrets removed, or null when it had none.</summary>
    private static LogEventPropertyValue? Redact(LogEventPropertyValue value)
    {
        switch (value)
        {
            case ScalarValue { Value: string or PathString or Uri or QueryString } scalar:
                var text = scalar.Value.ToString() ?? "";
                var clean = LogRedaction.Redact(text);
                return clean == text ? null : new ScalarValue(clean);
            case SequenceValue sequence:
                var items = sequence.Elements.Select(e => Redact(e) ?? e).ToList();
                return items.SequenceEqual(sequence.Elements) ? null : new SequenceValue(items);
            case StructureValue structure:
                var properties = structure.Properties.Select(p => Redact(p.Value) is { } v ? new LogEventProperty(p.Name, v) : p).ToList();
                return properties.SequenceEqual(structure.Properties) ? null : new StructureValue(properties, structure.TypeTag);
            case DictionaryValue dictionary:
                var entries = dictionary.Elements.Select(e => new KeyValuePair<ScalarValue, LogEventPropertyValue>(e.Key, Redact(e.Value) ?? e.Value)).ToList();
                return entries.Select(e => e.Value).SequenceEqual(dictionary.Elements.Select(e => e.Value)) ? null : new DictionaryValue(entries);
            default:
                return null;
        }
    }
}
