using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conferencing.Relay.Http;

/// <summary>The JSON shape of the relay's HTTP API, shared by the API and its client: web defaults, enums as camelCase strings.</summary>
public static class RelayJson
{
    /// <summary>Options for the API and the client.</summary>
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Applies the relay's settings to <paramref name="options"/> and returns it.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        return options;
    }
}
