using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace Conferencing.Hosting;

/// <summary>
/// <c>--config FILE</c>: an operator's settings file (e.g. /etc/conferencing/server.json) read after
/// the appsettings files shipped beside the binary and before environment variables and the command
/// line, so an installed host keeps its settings outside the directory an upgrade replaces.
/// </summary>
public static class SettingsFile
{
    /// <summary>The configuration key (and command-line flag, <c>--config</c>) naming the file.</summary>
    public const string Key = "config";

    /// <summary>
    /// The environment variable naming the file when there is no <c>--config</c>: the server's
    /// one-shot commands (<c>create-admin</c>) take no flags, yet must read the installed settings.
    /// </summary>
    public const string Variable = "CONFERENCING_CONFIG";

    /// <summary>
    /// Adds the file named by <see cref="Key"/> (else by the <see cref="Variable"/> environment
    /// variable), if any, after the last JSON source already in <paramref name="configuration"/>.
    /// Throws <see cref="InvalidSettingException"/> when it is missing or is not JSON.
    /// </summary>
    public static void Add(IConfigurationManager configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if ((configuration[Key] ?? Environment.GetEnvironmentVariable(Variable)) is not { Length: > 0 } file)
        {
            return;
        }

        var path = Path.GetFullPath(file);
        if (!File.Exists(path))
        {
            throw new InvalidSettingException($"--config '{file}': there is no file at {path}; name an existing JSON settings file.");
        }

        var source = new JsonConfigurationSource { Path = path, Optional = false, ReloadOnChange = false };
        source.ResolveFileProvider();
        var sources = configuration.Sources;
        var last = -1;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource)
            {
                last = i;
            }
        }

        try
        {
            sources.Insert(last + 1, source);
        }
        catch (InvalidDataException e)
        {
            sources.Remove(source);
            throw new InvalidSettingException($"--config '{file}': the file is not valid JSON ({e.GetBaseException().Message}).", e);
        }
    }
}
