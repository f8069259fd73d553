using System.Text.Json;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Meetings;
using Conferencing.Server.Monitoring;
using Conferencing.Server.Relaying;
using Conferencing.Server.Room;

namespace Conferencing.Server.Hosting.Cluster;

/// <summary>
/// Joins each node's in-process feeds to the cluster: what is committed or observed on one node
/// (a meeting command, a room change, the registrar's presence, the conductor's live calls and relay
/// health, an alarm) is sent to the others, which replay it into their own feeds, so their SignalR hubs and
/// Blazor pages push it to the browsers connected there. Meetings and room changes travel as ids
/// and the receiver reads the committed state from the store; presence, calls and alarms travel
/// whole, since only their owner node has them.
/// </summary>
public sealed class ClusterBridges(
    ClusterFeed feed, MeetingEvents meetingEvents, MeetingStore meetings, RoomFeed room, PresenterService presenter, PresenceService presence,
    LiveCalls live, RelayConductor conductor, Monitoring.Readiness.TestCallService tests, LiveMeetings.Preview.ProgramPreviewService preview, MonitoringBroadcaster monitoring, ClusterRoleLeases roles) : IHostedService
{
    private const string MeetingTopic = "meeting";
    private const string RoomTopic = "room";
    private const string PresenceTopic = "presence";
    private const string CallsTopic = "calls";
    private const string AlarmTopic = "alarm";
    private const string RelaysTopic = "relays";

    private static readonly JsonSerializerOptions Json = CreateJson();

    // Set while a change from another node is replayed here, so that it is not sent back out.
    private static readonly AsyncLocal<bool> Replaying = new();

    private readonly List<IDisposable> _subscriptions = [];
    private HashSet<string> _knownPeers = new(StringComparer.Ordinal);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscriptions.Add(meetingEvents.Subscribe((change, _) =>
        {
            Send(MeetingTopic, new MeetingNote(change.Meeting.Id, change.Action, change.Actor));
            return Task.CompletedTask;
        }));
        feed.On(MeetingTopic, async (body, ct) =>
        {
            var note = Read<MeetingNote>(body);
            if (await meetings.GetAsync(note.MeetingId, ct).ConfigureAwait(false) is { } meeting)
            {
                await ReplayAsync(() => meetingEvents.PublishAsync(new MeetingChanged(meeting, note.Action, note.Actor), ct)).ConfigureAwait(false);
            }
        });

        _subscriptions.Add(room.Subscribe((change, _) =>
        {
            Send(RoomTopic, change);
            return Task.CompletedTask;
        }));
        feed.On(RoomTopic, (body, ct) =>
        {
            var change = Read<RoomChange>(body);
            if (change.Kind == RoomChangeKind.Presenter)
            {
                presenter.Forget(change.MeetingId);
            }

            return ReplayAsync(() => room.PublishAsync(change, ct));
        });

        presence.Changed += OnPresence;
        feed.On(PresenceTopic, (body, _) => ReplayAsync(() =>
        {
            presence.ApplyFromPeer(Read<EndpointPresence>(body));
            return Task.CompletedTask;
        }));

        _subscriptions.Add(live.Subscribe((call, kind) => Send(CallsTopic, new CallsNote(call, kind))));
        feed.On(CallsTopic, (body, _) => ReplayAsync(() =>
        {
            var note = Read<CallsNote>(body);
            live.Publish(note.Call, note.Kind);
            return Task.CompletedTask;
        }));

        conductor.StatusesChanged += OnRelayStatuses;
        feed.On(RelaysTopic, (body, _) =>
        {
            // The conductor's own view wins on its node; a stale report from a node that just lost the role is dropped.
            if (!roles.Holds(ClusterRoles.Conductor))
            {
                conductor.ApplyStatusesFromPeer(Read<List<RelayStatus>>(body));
            }

            return Task.CompletedTask;
        });

        // A technician's action on the relays, or a test call, asked of a node that does not drive them runs where they are driven.
        conductor.Forwarder = ForwardToConductorAsync;
        feed.Answer(RelayConductor.ActionTopic, conductor.AnswerAsync);
        feed.Answer(Monitoring.Readiness.TestCallService.ForwardTopic, tests.AnswerAsync);
        feed.Answer(LiveMeetings.Preview.ProgramPreviewService.ForwardTopic, preview.AnswerAsync);

        monitoring.AlarmSent += OnAlarm;
        feed.On(AlarmTopic, (body, ct) => ReplayAsync(() => monitoring.PublishAlarmAsync(Read<Alarm>(body), ct)));

        feed.PeersChanged += OnPeersChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        feed.PeersChanged -= OnPeersChanged;
        presence.Changed -= OnPresence;
        conductor.StatusesChanged -= OnRelayStatuses;
        conductor.Forwarder = null;
        monitoring.AlarmSent -= OnAlarm;
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        _subscriptions.Clear();
        return Task.CompletedTask;
    }

    private void OnPresence(EndpointPresence change) => Send(PresenceTopic, change);

    private void OnAlarm(Alarm alarm) => Send(AlarmTopic, alarm);

    private async Task<string> ForwardToConductorAsync(string topic, string body, CancellationToken cancellationToken)
    {
        var holders = await roles.HoldersAsync(cancellationToken).ConfigureAwait(false);
        if (!holders.TryGetValue(ClusterRoles.Conductor, out var holder))
        {
            throw new ClusterUnavailableException(new InvalidOperationException("No node holds the conductor role at this moment."));
        }

        return await feed.AskAsync(holder, topic, body, cancellationToken, longRunning: topic == Monitoring.Readiness.TestCallService.ForwardTopic).ConfigureAwait(false);
    }

    private void OnRelayStatuses(IReadOnlyCollection<RelayStatus> statuses)
    {
        if (roles.Holds(ClusterRoles.Conductor))
        {
            Send(RelaysTopic, statuses);
        }
    }

    /// <summary>A node that joins learns what only the role holders know: the registrar's presence and the live calls.</summary>
    private void OnPeersChanged(IReadOnlyList<string> peers)
    {
        var joined = peers.Any(p => !_knownPeers.Contains(p));
        _knownPeers = new HashSet<string>(peers, StringComparer.Ordinal);
        if (!joined)
        {
            return;
        }

        if (roles.Holds(ClusterRoles.Registrar))
        {
            foreach (var known in presence.Known)
            {
                Send(PresenceTopic, known);
            }
        }

        if (roles.Holds(ClusterRoles.Conductor))
        {
            foreach (var call in live.Meetings)
            {
                Send(CallsTopic, new CallsNote(call, CallChangeKind.State));
            }

            Send(RelaysTopic, conductor.RelayStatuses.Values);
        }
    }

    private void Send<T>(string topic, T body)
    {
        if (!Replaying.Value)
        {
            feed.Forward(topic, JsonSerializer.Serialize(body, Json));
        }
    }

    private static async Task ReplayAsync(Func<Task> replay)
    {
        Replaying.Value = true;
        try
        {
            await replay().ConfigureAwait(false);
        }
        finally
        {
            Replaying.Value = false;
        }
    }

    private static T Read<T>(string body) =>
        JsonSerializer.Deserialize<T>(body, Json) ?? throw new JsonException($"An empty {typeof(T).Name} arrived from another node.");

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ServerSetup.ConfigureJson(options);
        return options;
    }

    private sealed record MeetingNote(Guid MeetingId, string Action, string Actor);

    private sealed record CallsNote(MeetingCall Call, CallChangeKind Kind);
}
