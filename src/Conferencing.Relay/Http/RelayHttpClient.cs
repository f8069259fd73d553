using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conferencing.Relay.Http;

/// <summary>
/// <see cref="IRelayControl"/> over the HTTP API of a relay on another host. Failures come back as
/// the same <see cref="RelayException"/> codes the node throws; an unreachable relay is
/// <see cref="RelayErrorKind.Unavailable"/> with code <c>relay.unreachable</c>. The event watch
/// reconnects by itself and starts again with a snapshot.
/// </summary>
public sealed partial class RelayHttpClient : IRelayControl
{
    /// <summary>A watch with no event and no heartbeat for this long is taken as dead and reopened.</summary>
    public static readonly TimeSpan WatchIdleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between two reconnection attempts.</summary>
    public static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly string _key;
    private readonly ILogger _logger;

    /// <summary>Creates a client; <paramref name="http"/> has the relay's base address (http://host:port/).</summary>
    public RelayHttpClient(HttpClient http, string apiKey, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs the relay's base address.", nameof(http));
        }

        _http = http;
        _key = apiKey;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public Task<RelayMeetingInfo> OpenMeetingAsync(OpenMeetingRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<RelayMeetingInfo>(HttpMethod.Post, "v1/meetings", request, cancellationToken);

    /// <inheritdoc />
    public Task CloseMeetingAsync(string number, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Delete, $"v1/meetings/{Escape(number)}", null, cancellationToken);

    /// <inheritdoc />
    public Task SetDialInAsync(string number, IReadOnlyDictionary<string, string> dialIn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dialIn);
        return SendAsync<object>(HttpMethod.Put, $"v1/meetings/{Escape(number)}/dial-in", new DialInRequest(dialIn), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RelayMeetingInfo>> ListMeetingsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<RelayMeetingInfo>>(HttpMethod.Get, "v1/meetings", null, cancellationToken);

    /// <inheritdoc />
    public Task<RelayMeetingInfo> GetMeetingAsync(string number, CancellationToken cancellationToken = default) =>
        SendAsync<RelayMeetingInfo>(HttpMethod.Get, $"v1/meetings/{Escape(number)}", null, cancellationToken);

    /// <inheritdoc />
    public Task<LegInfo> DialAsync(string number, DialRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<LegInfo>(HttpMethod.Post, $"v1/meetings/{Escape(number)}/legs", request, cancellationToken);

    /// <inheritdoc />
    public Task HangUpAsync(string number, string legId, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Delete, $"v1/meetings/{Escape(number)}/legs/{Escape(legId)}", null, cancellationToken);

    /// <inheritdoc />
    public Task SetProgramAsync(string number, ProgramRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<RelayMeetingInfo>(HttpMethod.Put, $"v1/meetings/{Escape(number)}/program", request, cancellationToken);

    /// <inheritdoc />
    public Task SetAudioMixAsync(string number, AudioMixRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<RelayMeetingInfo>(HttpMethod.Put, $"v1/meetings/{Escape(number)}/audio-mix", request, cancellationToken);

    /// <inheritdoc />
    public Task SetAudioMutedAsync(string number, string legId, bool muted, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Put, $"v1/meetings/{Escape(number)}/legs/{Escape(legId)}/mute", new MuteRequest(muted), cancellationToken);

    /// <inheritdoc />
    public Task RequestKeyframeAsync(string number, string legId, CancellationToken cancellationToken = default) =>
        SendAsync<object>(HttpMethod.Post, $"v1/meetings/{Escape(number)}/legs/{Escape(legId)}/keyframe", null, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<LegStatistics>> GetStatisticsAsync(string number, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<LegStatistics>>(HttpMethod.Get, $"v1/meetings/{Escape(number)}/statistics", null, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<RelayEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<RelayEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task pump = PumpAsync(channel.Writer, stop.Token);
        try
        {
            await foreach (RelayEvent relayEvent in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return relayEvent;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(false);
        }
    }

    /// <summary>Reads the event stream into <paramref name="writer"/>, reconnecting with backoff until cancelled or refused.</summary>
    private async Task PumpAsync(ChannelWriter<RelayEvent> writer, CancellationToken cancellationToken)
    {
        int failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var request = Request(HttpMethod.Get, "v1/events", null);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    writer.TryComplete(await ToExceptionAsync(response, cancellationToken).ConfigureAwait(false));
                    return;
                }

                response.EnsureSuccessStatusCode();
                Log.WatchConnected(_logger, _http.BaseAddress!);
                using Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var data = new StringBuilder();
                while (true)
                {
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    idle.CancelAfter(WatchIdleTimeout);
                    string? line = await reader.ReadLineAsync(idle.Token).ConfigureAwait(false);
                    if (line is null)
                    {
                        break;
                    }

                    if (line.Length == 0)
                    {
                        if (data.Length > 0 && JsonSerializer.Deserialize<RelayEvent>(data.ToString(), RelayJson.Options) is { } relayEvent)
                        {
                            failures = 0;
                            writer.TryWrite(relayEvent);
                        }

                        data.Clear();
                    }
                    else if (line.StartsWith("data:", StringComparison.Ordinal))
                    {
                        data.Append(line.AsSpan(line.StartsWith("data: ", StringComparison.Ordinal) ? 6 : 5));
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or JsonException or OperationCanceledException)
            {
                Log.WatchInterrupted(_logger, _http.BaseAddress!, e.Message);
            }

            failures++;
            TimeSpan delay = TimeSpan.FromMilliseconds(Math.Min(MaxReconnectDelay.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(failures, 8))));
            try
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        writer.TryComplete();
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            using HttpRequestMessage request = Request(method, path, body);
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RelayException(RelayErrorKind.Unavailable, "relay.unreachable", $"Relay {_http.BaseAddress} is unreachable: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RelayException(RelayErrorKind.Unavailable, "relay.timeout", $"Relay {_http.BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s.");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await ToExceptionAsync(response, cancellationToken).ConfigureAwait(false);
            }

            if (response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0 || typeof(T) == typeof(object))
            {
                return default!;
            }

            return (await response.Content.ReadFromJsonAsync<T>(RelayJson.Options, cancellationToken).ConfigureAwait(false))!;
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _key);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: RelayJson.Options);
        }

        return request;
    }

    private static async Task<RelayException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var kind = response.StatusCode switch
        {
            HttpStatusCode.NotFound => RelayErrorKind.NotFound,
            HttpStatusCode.Conflict => RelayErrorKind.Conflict,
            HttpStatusCode.BadRequest => RelayErrorKind.Invalid,
            HttpStatusCode.Unauthorized => RelayErrorKind.Unauthorized,
            _ => RelayErrorKind.Unavailable,
        };
        string code = $"relay.http-{(int)response.StatusCode}";
        string message = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        var errors = new Dictionary<string, string[]>();
        try
        {
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            using JsonDocument problem = JsonDocument.Parse(text);
            JsonElement root = problem.RootElement;
            if (root.TryGetProperty("code", out JsonElement c) && c.ValueKind == JsonValueKind.String)
            {
                code = c.GetString()!;
            }

            if (root.TryGetProperty("detail", out JsonElement d) && d.ValueKind == JsonValueKind.String)
            {
                message = d.GetString()!;
            }

            if (root.TryGetProperty("errors", out JsonElement e) && e.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty field in e.EnumerateObject())
                {
                    errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                        ? [.. field.Value.EnumerateArray().Select(v => v.ToString())]
                        : [field.Value.ToString()];
                }
            }
        }
        catch (JsonException)
        {
            // Not a problem document: the status says enough.
        }

        return new RelayException(kind, code, message, errors);
    }

    private static string Escape(string value) => Uri.EscapeDataString(value ?? "");

    private static partial class Log
    {
        [LoggerMessage(EventId = 20301, Level = LogLevel.Warning, Message = "Event stream of relay {Relay} interrupted ({Reason}); reconnecting")]
        public static partial void WatchInterrupted(ILogger logger, Uri relay, string reason);

        [LoggerMessage(EventId = 20302, Level = LogLevel.Debug, Message = "Event stream of relay {Relay} connected")]
        public static partial void WatchConnected(ILogger logger, Uri relay);
    }
}
