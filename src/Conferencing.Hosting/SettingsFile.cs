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
    /// Adds the file named by <see cref="Key"/>, if any, after the last JSON source already in
    /// <paramref name="configuration"/>. Throws <see cref="InvalidSettingException"/> when it is
    /// missing or is not JSON.
    /// </summary>
    public static void Add(IConfigurationManager configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[Key] is not { Length: > 0 } file)
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
