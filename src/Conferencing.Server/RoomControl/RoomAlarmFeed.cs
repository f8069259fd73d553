using System.Threading.Channels;
using Conferencing.Server.Monitoring;

namespace Conferencing.Server.RoomControl;

/// <summary>
/// Feeds room control's facts to the alarm rules: agent presence and every stored device state. The
/// rules (<see cref="AlarmRules"/>) decide when to raise and clear; <see cref="AlarmService"/> stores
/// and broadcasts, as for every other alarm. A revoked agent's disconnect is not an outage.
/// </summary>
public sealed class RoomAlarmFeed(AgentPresence presence, RoomAgentStore store, AlarmService alarms, ILogger<RoomAlarmFeed> logger) : BackgroundService
{
    private readonly Channel<(Guid AgentId, bool Online)> _presence = Channel.CreateUnbounded<(Guid, bool)>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        presence.Changed += OnPresence;
        store.StateSaved += OnState;
        try
        {
            // Agents that exist but are not connected when the server starts are watched from now on.
            foreach (var agent in await store.ListAsync(stoppingToken).ConfigureAwait(false))
            {
                if (!agent.Revoked)
                {
                    alarms.ObserveRoomAgent(agent.Id, agent.SiteCode, agent.Name, presence.IsOnline(agent.Id));
                }
            }

            await foreach (var (agentId, online) in _presence.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    if (await store.GetAsync(agentId, stoppingToken).ConfigureAwait(false) is { } agent)
                    {
                        alarms.ObserveRoomAgent(agent.Id, agent.SiteCode, agent.Name, online || agent.Revoked);
                    }
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
                {
                    RoomDevicesLog.AlarmFeedFailed(logger, agentId, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            presence.Changed -= OnPresence;
            store.StateSaved -= OnState;
        }
    }

    private void OnPresence(Guid agentId, bool online) => _presence.Writer.TryWrite((agentId, online));

    private void OnState(Guid agentId, string siteCode, Conferencing.Devices.Agent.DeviceState state) =>
        alarms.ObserveRoomDevice(AlarmRules.DeviceSubject(agentId, state.DeviceId), siteCode, $"{siteCode}/{state.DeviceId}", state.Reachable, state.ErrorStatus, state.LampHours);
}
