using System.Collections.Concurrent;
using System.Threading.Channels;
using Conferencing.Server.Meetings;
using Microsoft.Extensions.Options;

namespace Conferencing.Server.RoomControl;

/// <summary>
/// The thin executor of <see cref="RoomActionPlanner"/>: hears committed meeting changes, keeps the
/// last state it saw per meeting, and sends the planned actions through <see cref="RoomDeviceService"/>
/// (which audits each one, as the meeting). It queues rather than acting inside the listener: the
/// meeting service publishes under the meeting's lock and must not wait on room hardware.
/// </summary>
public sealed class RoomLifecycleService(
    MeetingEvents events, RoomAgentStore store, RoomDeviceService devices, IOptions<RoomControlOptions> options, ILogger<RoomLifecycleService> logger) : BackgroundService
{
    private readonly Channel<(RoomMeetingState? Before, RoomMeetingState After, Guid MeetingId)> _work =
        Channel.CreateUnbounded<(RoomMeetingState?, RoomMeetingState, Guid)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Guid, RoomMeetingState> _last = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = events.Subscribe(OnChangedAsync);
        await foreach (var (before, after, meetingId) in _work.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var roomDevices = await store.DevicesAsync(after.SiteCodes, stoppingToken).ConfigureAwait(false);
                var policy = new RoomActionPolicy { PowerOffAtEnd = options.Value.PowerOffAtEnd };
                var planned = RoomActionPlanner.Plan(before, after, roomDevices, policy);
                // One site's actions in order (power before input), sites in parallel.
                await Parallel.ForEachAsync(planned.GroupBy(p => (p.SiteCode, p.DeviceId)),
                    new ParallelOptions { MaxDegreeOfParallelism = options.Value.BulkParallelism, CancellationToken = stoppingToken },
                    async (group, ct) =>
                    {
                        foreach (var action in group)
                        {
                            await devices.RunAsync(action.SiteCode, action.DeviceId, action.Action, action.Argument, $"meeting:{meetingId}", ct).ConfigureAwait(false);
                        }
                    }).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                RoomControlLog.LifecycleFailed(logger, meetingId, e);
            }
        }
    }

    private Task OnChangedAsync(MeetingChanged change, CancellationToken cancellationToken)
    {
        var m = change.Meeting;
        var state = new RoomMeetingState(m.Status, m.FloorSiteCode, [.. m.SiteCodes]);
        var before = _last.TryGetValue(m.Id, out var b) ? b : null;
        if (m.Status is MeetingStatus.Ended or MeetingStatus.Cancelled)
        {
            _last.TryRemove(m.Id, out _);
        }
        else
        {
            _last[m.Id] = state;
        }

        _work.Writer.TryWrite((before, state, m.Id));
        return Task.CompletedTask;
    }
}
