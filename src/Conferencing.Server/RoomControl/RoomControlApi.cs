using Conferencing.Devices.Agent;
using Conferencing.Server.Accounts;
using Conferencing.Server.Hosting;
using Conferencing.Server.Sites;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conferencing.Server.RoomControl;

public sealed record IssueAgentKeyRequest(string? SiteCode, string? Name);

/// <summary>The answer to issuing a key: the only time the key is ever shown.</summary>
public sealed record IssuedAgentKey(Guid Id, string SiteCode, string Name, string Key, string KeyPrefix);

public sealed record AgentView(Guid Id, string SiteCode, string Name, string KeyPrefix, DateTimeOffset CreatedUtc, string CreatedBy, DateTimeOffset? RevokedUtc, DateTimeOffset? LastSeenUtc, bool Online);

public sealed record DeviceView(string SiteCode, Guid AgentId, bool AgentOnline, DeviceInfo Device, DeviceState? State);

public sealed record DeviceCommandRequest(DeviceAction? Action, string? Argument);

public sealed record BulkCommandRequest(string? SiteCode, DeviceKind? Kind, DeviceAction? Action, string? Argument);

public sealed record BulkCommandItem(string SiteCode, string DeviceId, string Outcome, string? Message);

public sealed record BulkCommandResult(int Devices, int Succeeded, IReadOnlyList<BulkCommandItem> Results);

/// <summary>
/// Room devices over HTTP. Administrators issue and revoke agent keys; technicians run any device
/// action; the secretariat runs the meeting-room ones (power, camera presets, input) but cannot store
/// presets or move the head by hand.
/// </summary>
public static class RoomControlApi
{
    private static readonly DeviceAction[] SecretariatActions =
        [DeviceAction.PowerOn, DeviceAction.PowerOff, DeviceAction.RecallPreset, DeviceAction.SetInput, DeviceAction.AvMute, DeviceAction.AvUnmute, DeviceAction.ActiveSource, DeviceAction.Refresh];

    public static IEndpointRouteBuilder MapRoomControlApi(this IEndpointRouteBuilder routes)
    {
        var agents = routes.MapGroup("/api/room-agents").WithTags("Room control");
        agents.MapPost("/", IssueAsync).RequireAuthorization(StaffRoles.Policies.Admin)
            .WithSummary("Issues an agent key for a site's room. The key is in this answer only; the server keeps its SHA-256.");
        agents.MapGet("/", ListAgentsAsync).RequireAuthorization(StaffRoles.Policies.Technician);
        agents.MapDelete("/{id:guid}", RevokeAsync).RequireAuthorization(StaffRoles.Policies.Admin)
            .WithSummary("Revokes the key and drops the agent's connection; its reconnects are refused.");

        var devices = routes.MapGroup("/api/room-devices").WithTags("Room control").RequireAuthorization(StaffRoles.Policies.Staff);
        devices.MapGet("/", ListDevicesAsync).WithSummary("Devices of a site and everything under it (site), or of the whole province.");
        devices.MapPost("/{siteCode}/{deviceId}/commands", CommandAsync)
            .WithSummary("Runs one action on one device and answers with its outcome and new state; device failures are problems with codes device.unreachable, device.error, device.auth-failed, device.timeout.");
        devices.MapPost("/bulk", BulkAsync).WithSummary("Runs one action on every device of a kind in a subtree, and answers per device.");
        return routes;
    }

    private static async Task<Results<Created<IssuedAgentKey>, ProblemHttpResult>> IssueAsync(
        IssueAgentKeyRequest request, SiteStore sites, RoomAgentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.SiteCode) || string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            return Problems.BadRequest("siteCode and name (1 to 200 characters) are required.");
        }

        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        if (!tree.TryGet(request.SiteCode.Trim(), out var site))
        {
            return Problems.NotFound("site", request.SiteCode);
        }

        var (agent, key) = await store.IssueAsync(site.Code, request.Name.Trim(), http.Actor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/room-agents/{agent.Id}", new IssuedAgentKey(agent.Id, agent.SiteCode, agent.Name, key, agent.KeyPrefix));
    }

    private static async Task<Ok<List<AgentView>>> ListAgentsAsync(RoomAgentStore store, AgentPresence presence, CancellationToken cancellationToken)
    {
        var list = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(list.Select(a => new AgentView(a.Id, a.SiteCode, a.Name, a.KeyPrefix, a.CreatedUtc, a.CreatedBy, a.RevokedUtc, a.LastSeenUtc, presence.IsOnline(a.Id))).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        Guid id, RoomAgentStore store, AgentPresence presence, HttpContext http, ILogger<RoomAgentHub> logger, CancellationToken cancellationToken)
    {
        if (!await store.RevokeAsync(id, http.Actor(), cancellationToken).ConfigureAwait(false))
        {
            return await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is null
                ? Problems.NotFound("room-agent", id.ToString())
                : Problems.Of(409, "Already revoked", "room-agent.revoked", "This agent key was already revoked.");
        }

        RoomControlLog.AgentRevoked(logger, id, http.Actor(), presence.Abort(id));
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<List<DeviceView>>, ProblemHttpResult>> ListDevicesAsync(
        string? site, SiteStore sites, RoomAgentStore store, AgentPresence presence, CancellationToken cancellationToken)
    {
        IReadOnlyCollection<string>? codes = null;
        if (!string.IsNullOrWhiteSpace(site))
        {
            var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
            if (!tree.TryGet(site.Trim(), out _))
            {
                return Problems.NotFound("site", site);
            }

            codes = tree.Subtree(site.Trim()).Select(s => s.Code).ToHashSet(StringComparer.Ordinal);
        }

        var devices = await store.DevicesAsync(codes, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(devices.Select(d => new DeviceView(d.SiteCode, d.AgentId, presence.IsOnline(d.AgentId), d.Device, d.State)).ToList());
    }

    private static async Task<Results<Ok<DeviceCommandResult>, ProblemHttpResult>> CommandAsync(
        string siteCode, string deviceId, DeviceCommandRequest request, RoomDeviceService service, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.Action is not { } action || !Enum.IsDefined(action))
        {
            return Problems.BadRequest($"action is required: one of {string.Join(", ", Enum.GetNames<DeviceAction>())}.");
        }

        if (Forbidden(http, action) is { } forbidden)
        {
            return forbidden;
        }

        var attempt = await service.RunAsync(siteCode, deviceId, action, request.Argument, http.Actor(), cancellationToken).ConfigureAwait(false);
        return attempt switch
        {
            { Delivery: CommandDelivery.UnknownDevice } => Problems.NotFound("device", $"{siteCode}/{deviceId}"),
            { Delivery: CommandDelivery.AgentOffline } => Problem(409, "Room agent offline", $"The room agent of {siteCode} is not connected; the command was not sent.", "room-agent.offline", null),
            { Result: { Succeeded: true } ok } => TypedResults.Ok(ok),
            { Result: { } failed } => Failure(failed),
            _ => Problem(500, "No outcome", "The command has no outcome.", "device.no-outcome", null),
        };
    }

    private static async Task<Results<Ok<BulkCommandResult>, ProblemHttpResult>> BulkAsync(
        BulkCommandRequest request, SiteStore sites, RoomAgentStore store, RoomDeviceService service, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.Action is not { } action || !Enum.IsDefined(action) || string.IsNullOrWhiteSpace(request.SiteCode))
        {
            return Problems.BadRequest("siteCode and action are required.");
        }

        if (Forbidden(http, action) is { } forbidden)
        {
            return forbidden;
        }

        var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
        if (!tree.TryGet(request.SiteCode.Trim(), out _))
        {
            return Problems.NotFound("site", request.SiteCode);
        }

        var codes = tree.Subtree(request.SiteCode.Trim()).Select(s => s.Code).ToHashSet(StringComparer.Ordinal);
        var devices = (await store.DevicesAsync(codes, cancellationToken).ConfigureAwait(false))
            .Where(d => request.Kind is null || d.Device.Kind == request.Kind).ToList();
        var attempts = await service.RunManyAsync(devices, action, request.Argument, http.Actor(), cancellationToken).ConfigureAwait(false);
        var items = attempts.Select(a => new BulkCommandItem(a.SiteCode, a.DeviceId,
            a.Result?.Outcome.ToString() ?? a.Delivery.ToString(), a.Result?.Message)).ToList();
        return TypedResults.Ok(new BulkCommandResult(items.Count, attempts.Count(a => a.Succeeded), items));
    }

    private static ProblemHttpResult? Forbidden(HttpContext http, DeviceAction action) =>
        http.User.IsInRole(StaffRoles.Admin) || http.User.IsInRole(StaffRoles.Technician) || SecretariatActions.Contains(action)
            ? null
            : Problem(403, "Forbidden", $"The secretariat cannot {action}; ask a technician.", "device.action-forbidden", null);

    private static ProblemHttpResult Failure(DeviceCommandResult result) => result.Outcome switch
    {
        CommandOutcome.Unreachable => Problem(502, "Device unreachable", result.Message, "device.unreachable", result),
        CommandOutcome.DeviceError => Problem(502, "Device error", result.Message, "device.error", result),
        CommandOutcome.AuthenticationFailed => Problem(502, "Device refused the credentials", result.Message, "device.auth-failed", result),
        CommandOutcome.Timeout => Problem(504, "Device timeout", result.Message, "device.timeout", result),
        CommandOutcome.Unsupported => Problem(422, "Not supported by this device", result.Message, "device.unsupported", result),
        CommandOutcome.BadArgument => Problem(400, "Invalid argument", result.Message, "validation", result),
        CommandOutcome.UnknownDevice => Problem(404, "Not found", result.Message, "device.not-found", result),
        _ => Problem(502, "Device protocol error", result.Message, "device.protocol", result),
    };

    private static ProblemHttpResult Problem(int status, string title, string? detail, string code, DeviceCommandResult? result)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        if (result?.State is { } state)
        {
            extensions["state"] = state;
        }

        return TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: extensions);
    }
}
