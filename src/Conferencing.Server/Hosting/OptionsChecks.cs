using Microsoft.Extensions.Options;

namespace Conferencing.Server.Hosting;

/// <summary>Option checks whose message can name the value that was refused.</summary>
public static class OptionsChecks
{
    /// <summary>
    /// Like <c>Validate(predicate, message)</c>, but the message is built from the options, so it can
    /// say what the setting is as well as what it must be.
    /// </summary>
    public static OptionsBuilder<T> Check<T>(this OptionsBuilder<T> builder, Func<T, bool> ok, Func<T, string> message)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(ok);
        ArgumentNullException.ThrowIfNull(message);
        builder.Services.AddSingleton<IValidateOptions<T>>(new NamedCheck<T>(builder.Name, ok, message));
        return builder;
    }

    /// <summary>Checks with a function that lists every problem of the options (none when usable), one line each.</summary>
    public static OptionsBuilder<T> CheckAll<T>(this OptionsBuilder<T> builder, Func<T, IReadOnlyList<string>> problems)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(problems);
        builder.Services.AddSingleton<IValidateOptions<T>>(new ListCheck<T>(builder.Name, problems));
        return builder;
    }

    private sealed class ListCheck<T>(string name, Func<T, IReadOnlyList<string>> problems) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? optionsName, T options)
        {
            if (optionsName is not null && optionsName != name)
            {
                return ValidateOptionsResult.Skip;
            }

            var found = problems(options);
            return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
        }
    }

    private sealed class NamedCheck<T>(string name, Func<T, bool> ok, Func<T, string> message) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? optionsName, T options) =>
            optionsName is not null && optionsName != name ? ValidateOptionsResult.Skip
            : ok(options) ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(message(options));
    }
}
