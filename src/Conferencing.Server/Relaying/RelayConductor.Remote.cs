using System.Text.Json;
using Conferencing.Server.Common;
using Conferencing.Server.Hosting.Cluster;

namespace Conferencing.Server.Relaying;

/// <summary>
/// Sends a request to the node of the cluster that drives the relays and gives its answer (JSON
/// written by <see cref="ConductorRequests"/>). Set by the cluster's wiring; a single node has none.
/// </summary>
public delegate Task<string> ConductorForwarder(string topic, string body, CancellationToken cancellationToken);

/// <summary>
/// How an action reaches the one node that drives the relays. A technician's hang-up, mute, redial or
/// keyframe request arrives at whichever node their browser is connected to; only the conductor's
/// node has the relays' state and connections, so any other node forwards it there and waits for the
/// answer (a refusal comes back as the same problem it would have been locally). A node that is
/// neither driving nor able to reach the driver answers 503 with a retry hint, never a hang.
/// </summary>
public sealed partial class RelayConductor
{
    /// <summary>The topic of conductor actions between nodes.</summary>
    public const string ActionTopic = "conductor.action";

    private volatile bool _driving;

    /// <summary>True while this node's loop drives the relays.</summary>
    public bool IsDriving => _driving;

    /// <summary>Reaches the node that drives the relays; null on a single node.</summary>
    public ConductorForwarder? Forwarder { get; set; }

    /// <summary>One action sent to the driving node.</summary>
    public sealed record RemoteAction(string Action, Guid MeetingId, Guid EndpointId, string? Actor, bool Flag);

    /// <summary>True when this action must run on another node.</summary>
    private bool Elsewhere => !_driving && Forwarder is not null;

    private async Task<CallLegRoute?> ForwardAsync(RemoteAction action, CancellationToken cancellationToken)
    {
        if (Forwarder is not { } forward)
        {
            throw NotDriving();
        }

        var answer = await forward(ActionTopic, JsonSerializer.Serialize(action, ConductorRequests.Json), cancellationToken).ConfigureAwait(false);
        return ConductorRequests.Read<CallLegRoute?>(answer);
    }

    /// <summary>An action nobody waits for (the API already answered): a failure is logged.</summary>
    private void ForwardQuietly(RemoteAction action) => _ = Task.Run(async () =>
    {
        try
        {
            await ForwardAsync(action, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DomainException or ClusterUnavailableException or JsonException or InvalidOperationException)
        {
            Log.ForwardFailed(_logger, e, action.Action);
        }
    });

    /// <summary>Runs an action another node forwarded here; the answer is written for <see cref="ConductorRequests.Read{T}"/>.</summary>
    public Task<string> AnswerAsync(string body, CancellationToken cancellationToken) => ConductorRequests.AnswerAsync(async () =>
    {
        var action = JsonSerializer.Deserialize<RemoteAction>(body, ConductorRequests.Json) ?? throw new JsonException("An empty conductor action arrived.");
        if (!_driving)
        {
            // The role moved on while the request travelled: the caller retries and finds the new driver.
            throw NotDriving();
        }

        switch (action.Action)
        {
            case "hang-up":
                return await HangUpEndpointAsync(action.MeetingId, action.EndpointId, action.Actor ?? "", cancellationToken).ConfigureAwait(false);
            case "redial":
                await RedialEndpointAsync(action.MeetingId, action.EndpointId).ConfigureAwait(false);
                return (CallLegRoute?)null;
            case "mute":
                return await SetEndpointAudioMutedAsync(action.MeetingId, action.EndpointId, action.Flag, cancellationToken).ConfigureAwait(false);
            case "keyframe":
                return await RequestEndpointKeyframeAsync(action.MeetingId, action.EndpointId, cancellationToken).ConfigureAwait(false);
            case "open-discussion":
                SetOpenDiscussion(action.MeetingId, action.Flag);
                return null;
            case "redial-now":
                Redial(action.MeetingId, action.EndpointId);
                return null;
            default:
                throw new DomainException(DomainErrorKind.Invalid, "conductor.unknown-action", $"No conductor action '{action.Action}'.");
        }
    });

    private static ClusterUnavailableException NotDriving() =>
        new(new InvalidOperationException("No node drives the relays at this moment."));
}

/// <summary>
/// The answers of requests between nodes: a value, or the problem it was refused with (kind, code,
/// message), so the asking node raises the same <see cref="DomainException"/> the serving node did.
/// </summary>
public static class ConductorRequests
{
    internal static readonly JsonSerializerOptions Json = CreateJson();

    private const string UnavailableCode = "cluster.unavailable";

    /// <summary>Runs <paramref name="work"/> and writes its value or its refusal.</summary>
    public static async Task<string> AnswerAsync<T>(Func<Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            return JsonSerializer.Serialize(new Answer<T>(await work().ConfigureAwait(false), null), Json);
        }
        catch (DomainException e)
        {
            return JsonSerializer.Serialize(new Answer<T>(default, new Refusal(e.Kind, e.Code, e.Message, e.Field)), Json);
        }
        catch (ClusterUnavailableException)
        {
            return JsonSerializer.Serialize(new Answer<T>(default, new Refusal(DomainErrorKind.Conflict, UnavailableCode, "", null)), Json);
        }
    }

    /// <summary>Reads what <see cref="AnswerAsync{T}"/> wrote, raising the refusal it carries.</summary>
    public static T Read<T>(string answer)
    {
        var read = JsonSerializer.Deserialize<Answer<T>>(answer, Json) ?? throw new JsonException("An empty answer arrived from another node.");
        if (read.Refused is { } refusal)
        {
            throw refusal.Code == UnavailableCode
                ? new ClusterUnavailableException(new InvalidOperationException("The node asked no longer drives the relays."))
                : new DomainException(refusal.Kind, refusal.Code, refusal.Message, refusal.Field);
        }

        return read.Value!;
    }

    /// <summary>Writes a request's body the way the answering side reads it.</summary>
    public static string Write<T>(T body) => JsonSerializer.Serialize(body, Json);

    /// <summary>Reads a request's body.</summary>
    public static T ReadBody<T>(string body) => JsonSerializer.Deserialize<T>(body, Json) ?? throw new JsonException($"An empty {typeof(T).Name} arrived from another node.");

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Hosting.ServerSetup.ConfigureJson(options);
        return options;
    }

    private sealed record Answer<T>(T? Value, Refusal? Refused);

    private sealed record Refusal(DomainErrorKind Kind, string Code, string Message, string? Field);
}
