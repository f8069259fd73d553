using Conferencing.Devices.Agent;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Conferencing.Server.RoomControl;

/// <summary>
/// Where room agents connect. Thin: presence goes to <see cref="AgentPresence"/>, devices and state to
/// <see cref="RoomAgentStore"/>. The agent is who its key says it is; it cannot speak for another room.
/// </summary>
[Authorize(AuthenticationSchemes = RoomAgentKeyAuthentication.SchemeName)]
public sealed class RoomAgentHub(AgentPresence presence, RoomAgentStore store, TimeProvider time, ILogger<RoomAgentHub> logger)
    : Hub<IRoomAgentClient>, IRoomAgentHub
{
    private Guid AgentId => Guid.Parse(Context.User!.FindFirst(RoomAgentKeyAuthentication.AgentIdClaim)!.Value);

    private string SiteCode => Context.User!.FindFirst(RoomAgentKeyAuthentication.SiteClaim)!.Value;

    public override Task OnConnectedAsync()
    {
        presence.Connected(new AgentSession(AgentId, SiteCode, Context.ConnectionId, time.GetUtcNow(), Context));
        RoomControlLog.AgentConnected(logger, AgentId, SiteCode);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        presence.Disconnected(AgentId, Context.ConnectionId);
        RoomControlLog.AgentDisconnected(logger, AgentId, SiteCode, exception?.Message);
        return Task.CompletedTask;
    }

    public async Task Synchronize(AgentSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Devices.Count > 64 || snapshot.Devices.Any(d => string.IsNullOrWhiteSpace(d.Id) || d.Id.Length > 64))
        {
            throw new HubException("A room reports at most 64 devices, each with an id of 1 to 64 characters.");
        }

        var agent = await store.GetAsync(AgentId, Context.ConnectionAborted).ConfigureAwait(false);
        if (agent is null || agent.Revoked)
        {
            Context.Abort();
            return;
        }

        await store.SynchronizeAsync(agent, snapshot, Context.ConnectionAborted).ConfigureAwait(false);
        RoomControlLog.AgentSynchronized(logger, AgentId, snapshot.Devices.Count);
    }

    public Task ReportState(DeviceState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return store.SaveStateAsync(AgentId, state, Context.ConnectionAborted);
    }
}
