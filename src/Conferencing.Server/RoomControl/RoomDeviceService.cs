using Conferencing.Devices.Agent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.RoomControl;

/// <summary>What became of a command sent to a room.</summary>
public enum CommandDelivery { Delivered, UnknownDevice, AgentOffline }

public sealed record CommandAttempt(string SiteCode, string DeviceId, CommandDelivery Delivery, DeviceCommandResult? Result)
{
    public bool Succeeded => Result is { Succeeded: true };
}

/// <summary>
/// Sends device commands to the agents that own the devices, waits for their results (SignalR client
/// results), keeps the state they carry, and audits every attempt, delivered or not.
/// </summary>
public sealed class RoomDeviceService(
    RoomAgentStore store, AgentPresence presence, IHubContext<RoomAgentHub, IRoomAgentClient> hub,
    IOptions<RoomControlOptions> options, ILogger<RoomDeviceService> logger)
{
    public async Task<CommandAttempt> RunAsync(string siteCode, string deviceId, DeviceAction action, string? argument, string actor, CancellationToken cancellationToken)
    {
        var devices = await store.DevicesAsync([siteCode], cancellationToken).ConfigureAwait(false);
        var device = devices.FirstOrDefault(d => string.Equals(d.Device.Id, deviceId, StringComparison.Ordinal));
        return await RunAsync(device, siteCode, deviceId, action, argument, actor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs one action on a device already looked up (a page that lists devices and acts on many, one by one).</summary>
    public Task<CommandAttempt> RunAsync(SiteDevice device, DeviceAction action, string? argument, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        return RunAsync(device, device.SiteCode, device.Device.Id, action, argument, actor, cancellationToken);
    }

    /// <summary>Runs one action on many devices at once (bounded), e.g. every display of a subtree.</summary>
    public async Task<IReadOnlyList<CommandAttempt>> RunManyAsync(IReadOnlyList<SiteDevice> devices, DeviceAction action, string? argument, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var results = new CommandAttempt[devices.Count];
        await Parallel.ForAsync(0, devices.Count, new ParallelOptions { MaxDegreeOfParallelism = options.Value.BulkParallelism, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var d = devices[i];
            results[i] = await RunAsync(d, d.SiteCode, d.Device.Id, action, argument, actor, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return results;
    }

    private async Task<CommandAttempt> RunAsync(SiteDevice? device, string siteCode, string deviceId, DeviceAction action, string? argument, string actor, CancellationToken cancellationToken)
    {
        var command = new DeviceCommand(Guid.NewGuid(), deviceId, action, argument);
        CommandAttempt attempt;
        if (device is null)
        {
            attempt = new CommandAttempt(siteCode, deviceId, CommandDelivery.UnknownDevice, null);
        }
        else if (!presence.TryGet(device.AgentId, out var session))
        {
            attempt = new CommandAttempt(siteCode, deviceId, CommandDelivery.AgentOffline, null);
        }
        else
        {
            DeviceCommandResult result;
            try
            {
                result = await hub.Clients.Client(session.ConnectionId).RunCommand(command)
                    .WaitAsync(options.Value.CommandTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                result = new DeviceCommandResult(command.CommandId, CommandOutcome.Timeout, $"the room agent gave no outcome within {options.Value.CommandTimeout.TotalSeconds:0} s", null);
            }
            catch (Exception e) when (e is IOException or HubException or InvalidOperationException)
            {
                // The connection went away while the command was out.
                result = new DeviceCommandResult(command.CommandId, CommandOutcome.Unreachable, "the room agent disconnected before answering", null);
                attempt = new CommandAttempt(siteCode, deviceId, CommandDelivery.AgentOffline, result);
                await AuditAsync(actor, siteCode, command, result, cancellationToken).ConfigureAwait(false);
                return attempt;
            }

            if (result.State is { } state && state.DeviceId == deviceId)
            {
                await store.SaveStateAsync(device.AgentId, state, cancellationToken).ConfigureAwait(false);
            }

            attempt = new CommandAttempt(siteCode, deviceId, CommandDelivery.Delivered, result);
        }

        var audited = attempt.Result ?? new DeviceCommandResult(command.CommandId,
            attempt.Delivery == CommandDelivery.UnknownDevice ? CommandOutcome.UnknownDevice : CommandOutcome.Unreachable,
            attempt.Delivery == CommandDelivery.UnknownDevice ? "no such device" : "room agent offline", null);
        await AuditAsync(actor, siteCode, command, audited, cancellationToken).ConfigureAwait(false);
        return attempt;
    }

    private async Task AuditAsync(string actor, string siteCode, DeviceCommand command, DeviceCommandResult result, CancellationToken cancellationToken)
    {
        RoomControlLog.CommandRan(logger, actor, command.Action.ToString(), siteCode, command.DeviceId, result.Outcome.ToString(), result.Message);
        await store.AuditCommandAsync(actor, siteCode, command, result, cancellationToken).ConfigureAwait(false);
    }
}
