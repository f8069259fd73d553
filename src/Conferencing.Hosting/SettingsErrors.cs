using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conferencing.Hosting;

/// <summary>
/// Turns a refused setting into what an operator can act on: one line per setting, naming it, its
/// value and what is allowed, and exit code <see cref="ExitCode"/>. Used by every process of the
/// product (the server, the standalone relay, the room agent), so that none of them answers a typo with
/// a stack trace.
/// </summary>
public static partial class SettingsErrors
{
    /// <summary>The exit code of a process that refused its settings: 2.</summary>
    public const int ExitCode = 2;

    /// <summary>
    /// Runs every options validation registered to run at start (<c>ValidateOnStart</c>) now, before
    /// the host starts and logs a failure with its trace.
    /// </summary>
    public static void ValidateNow(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.GetService<IStartupValidator>()?.Validate();
    }

    /// <summary>
    /// The lines that describe <paramref name="exception"/> when it is a refused or unreadable setting
    /// (possibly wrapped in an <see cref="AggregateException"/>), or null when it is something else.
    /// </summary>
    public static IReadOnlyList<string>? Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var lines = new List<string>();
        foreach (var error in exception is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [exception])
        {
            switch (error)
            {
                case OptionsValidationException validation:
                    lines.AddRange(validation.Failures);
                    break;
                case InvalidSettingException refused:
                    lines.Add(refused.Message);
                    break;
                case InvalidOperationException conversion when ConversionFailure().Match(conversion.Message) is { Success: true } match:
                    lines.Add($"{match.Groups["key"].Value} must be {Friendly(match.Groups["type"].Value)}; it is '{match.Groups["value"].Value}'.");
                    break;
                default:
                    return null;
            }
        }

        return lines.Count == 0 ? null : lines;
    }

    /// <summary>Writes <paramref name="lines"/> to standard error, each prefixed by the program's name.</summary>
    public static async Task<int> ReportAsync(string program, IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        foreach (var line in lines)
        {
            await Console.Error.WriteLineAsync($"{program}: invalid setting: {line}").ConfigureAwait(false);
        }

        return ExitCode;
    }

    private static string Friendly(string type) => type switch
    {
        "System.TimeSpan" => "a duration (hh:mm:ss)",
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Boolean" => "true or false",
        "System.Double" => "a number",
        _ => type,
    };

    [GeneratedRegex("^Failed to convert configuration value (?:'(?<value>.*)' )?at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionFailure();
}
