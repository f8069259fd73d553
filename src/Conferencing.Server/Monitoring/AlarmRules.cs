using System.Globalization;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Meetings;
using Conferencing.Server.Relaying;

namespace Conferencing.Server.Monitoring;

/// <summary>What the rules decided about the active alarm of one endpoint and kind.</summary>
public enum AlarmAction
{
    /// <summary>Raise it.</summary>
    Raise,

    /// <summary>Its cause went away: clear it.</summary>
    Clear,

    /// <summary>Its cause holds and now hurts more (the site's meeting went live): raise its severity.</summary>
    Escalate,
}

/// <summary>What the rules decided: raise an alarm, clear the active one of that endpoint and kind, or escalate it.</summary>
public sealed record AlarmDecision(AlarmAction Action, string Kind, Guid EndpointId, string SiteCode, Guid? MeetingId, AlarmSeverity Severity, string Message)
{
    public bool Raise => Action == AlarmAction.Raise;
}

/// <summary>
/// The alarm rules, without I/O or clock: observations go in with their time, and
/// <see cref="Evaluate"/> says which alarms to raise and which to clear. One watch per endpoint and
/// kind; a condition must hold for its set time before the alarm is raised, and be gone for
/// <see cref="AlarmOptions.ClearAfter"/> before it clears (an offline endpoint that answers again
/// clears at once: an answer is proof). An alarm cleared by hand is not raised again until its
/// cause has gone and come back. A raised alarm's severity follows its site: an outage raised Major
/// outside a meeting becomes Critical when the site's meeting goes live (<see cref="AlarmAction.Escalate"/>),
/// and never comes down again, so the history keeps the worst it was.
/// </summary>
public sealed class AlarmRules(AlarmOptions options, Func<string, bool> inLiveMeeting)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(Guid Endpoint, string Kind), Watch> _watches = [];
    private readonly HashSet<Guid> _registered = [];
    private readonly Dictionary<(Guid Meeting, Guid Endpoint), long> _packets = [];

    /// <summary>A presence change: offline, and registration held or lost.</summary>
    public void ObservePresence(EndpointPresence presence, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(presence);
        lock (_gate)
        {
            var offline = presence.State == EndpointState.Offline;
            var gone = presence.State is EndpointState.Offline or EndpointState.Unknown;
            Set(presence.EndpointId, AlarmKinds.EndpointOffline, presence.SiteCode, null, offline, !gone, $"{presence.SipUri}: {presence.Reason ?? "offline"}", now);

            var registered = presence.RegisteredUntilUtc is { } until && until > now;
            if (registered)
            {
                _registered.Add(presence.EndpointId);
            }

            // Only a room that was registered can lose it; one that never registers is watched by OPTIONS alone.
            if (_registered.Contains(presence.EndpointId))
            {
                Set(presence.EndpointId, AlarmKinds.RegistrationLost, presence.SiteCode, null, !registered, registered,
                    $"{presence.SipUri}: registration lost ({presence.Reason ?? "expired"})", now);
            }
        }
    }

    /// <summary>One endpoint's call as the conductor last published it.</summary>
    public void ObserveCall(Guid meetingId, EndpointCall call, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(call);
        lock (_gate)
        {
            if (call.State != CallState.InCall || call.Last is not { } s)
            {
                EndCall(meetingId, call.EndpointId, call.SiteCode, now);
                return;
            }

            var loss = Math.Max(s.LossInPercent, s.LossOutPercent ?? 0);
            Set(call.EndpointId, AlarmKinds.CallLoss, call.SiteCode, meetingId, loss >= options.LossPercent, true,
                string.Create(CultureInfo.InvariantCulture, $"loss {loss:0.#} % (from the site {s.LossInPercent:0.#} %, to the site {(s.LossOutPercent is { } o ? o.ToString("0.#", CultureInfo.InvariantCulture) + " %" : "not reported")})"), now);

            // Silence is packets not growing between two seconds; the first second counts only if it has none at all.
            var key = (meetingId, call.EndpointId);
            var silent = _packets.TryGetValue(key, out var before) ? s.PacketsIn <= before : s.PacketsIn == 0;
            _packets[key] = s.PacketsIn;
            Set(call.EndpointId, AlarmKinds.NoMedia, call.SiteCode, meetingId, silent, true, "connected, but the relay receives nothing from the site", now);
        }
    }

    /// <summary>Whether an endpoint of a live meeting is out of its call without an operator's hang-up (<see cref="LiveMeetings.SiteMeetingStates.IsDropped"/>).</summary>
    public void ObserveDrop(Guid meetingId, EndpointCall call, bool dropped, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(call);
        lock (_gate)
        {
            Set(call.EndpointId, AlarmKinds.CallDropped, call.SiteCode, meetingId, dropped, true,
                $"{call.SiteCode}: out of the live meeting's call ({(call.StatusCode is { } status ? status.ToString(CultureInfo.InvariantCulture) + " " : "")}{call.Reason ?? call.State.ToString()})", now);
        }
    }

    /// <summary>The call ended or the meeting is gone: its call alarms' cause is gone with it.</summary>
    public void EndCall(Guid meetingId, Guid endpointId, string siteCode, DateTimeOffset now)
    {
        lock (_gate)
        {
            _packets.Remove((meetingId, endpointId));
            Set(endpointId, AlarmKinds.CallLoss, siteCode, meetingId, false, true, "", now);
            Set(endpointId, AlarmKinds.NoMedia, siteCode, meetingId, false, true, "", now);
        }
    }

    /// <summary>A room agent connected or disconnected; a connection is proof it is back.</summary>
    public void ObserveRoomAgent(Guid agentId, string siteCode, string agentName, bool online, DateTimeOffset now)
    {
        lock (_gate)
        {
            Set(agentId, AlarmKinds.RoomAgentOffline, siteCode, null, !online, online, $"room agent {agentName} is not connected", now);
        }
    }

    /// <summary>
    /// A room device's state as its agent reported it: reachable or not, the projector's ERST digits
    /// (fan, lamp, temperature, cover, filter, other; 0 fine, 1 warning, 2 error) and its lamp hours.
    /// </summary>
    public void ObserveRoomDevice(Guid subjectId, string siteCode, string deviceName, bool reachable, string? errorStatus, int? lampHours, DateTimeOffset now)
    {
        lock (_gate)
        {
            Set(subjectId, AlarmKinds.RoomDeviceUnreachable, siteCode, null, !reachable, reachable, $"{deviceName}: unreachable", now);
            if (!reachable)
            {
                return; // what an unreachable projector last said of itself is not news
            }

            var faults = ProjectorFaults(errorStatus);
            Set(subjectId, AlarmKinds.ProjectorError, siteCode, null, faults.Length > 0, true, $"{deviceName}: error status {errorStatus} ({faults})", now);
            Set(subjectId, AlarmKinds.LampEndOfLife, siteCode, null, lampHours >= options.LampHoursLimit, true,
                string.Create(CultureInfo.InvariantCulture, $"{deviceName}: lamp at {lampHours} hours (limit {options.LampHoursLimit})"), now);
        }
    }

    /// <summary>The id a device's alarms carry in place of an endpoint id: stable per agent and device.</summary>
    public static Guid DeviceSubject(Guid agentId, string deviceId)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{agentId:N}/{deviceId}"));
        return new Guid(hash.AsSpan(0, 16));
    }

    /// <summary>The ERST positions that are not 0, named; empty when all are fine or the status is not six digits.</summary>
    internal static string ProjectorFaults(string? errorStatus)
    {
        string[] names = ["fan", "lamp", "temperature", "cover", "filter", "other"];
        if (errorStatus is not { Length: 6 })
        {
            return "";
        }

        return string.Join(", ", errorStatus.Select((c, i) => (c, i)).Where(x => x.c is '1' or '2')
            .Select(x => names[x.i] + (x.c == '2' ? " error" : " warning")));
    }

    /// <summary>
    /// An endpoint added to <paramref name="siteCode"/> while meetings of that site run: one alarm on
    /// each meeting that is preparing or live (a meeting only scheduled draws its plan when it
    /// prepares, so it takes the endpoint in by itself). A one-off fact, not a watched condition.
    /// </summary>
    public static IReadOnlyList<AlarmDecision> EndpointAdded(Guid endpointId, string siteCode, string sipUri, IEnumerable<(Guid MeetingId, MeetingStatus Status)> meetingsOfSite)
    {
        ArgumentNullException.ThrowIfNull(meetingsOfSite);
        return [.. meetingsOfSite
            .Where(m => m.Status is MeetingStatus.Preparing or MeetingStatus.Live)
            .Select(m => new AlarmDecision(AlarmAction.Raise, AlarmKinds.EndpointAddedDuringMeeting, endpointId, siteCode, m.MeetingId, AlarmSeverity.Major,
                $"{sipUri}: added to {siteCode} while the meeting is {(m.Status == MeetingStatus.Live ? "live" : "preparing")}; check the site's call and readiness"))];
    }

    /// <summary>An alarm active in the store when the rules start (a restart): followed, not raised again.</summary>
    public void Adopt(Alarm alarm, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        if (alarm.EndpointId is not { } endpoint || alarm.Kind == AlarmKinds.EndpointAddedDuringMeeting)
        {
            return;
        }

        lock (_gate)
        {
            _watches[(endpoint, alarm.Kind)] = new Watch(alarm.SiteCode, alarm.MeetingId, true, now, alarm.Message) { Raised = true, Severity = alarm.Severity };
            if (alarm.Kind == AlarmKinds.RegistrationLost)
            {
                _registered.Add(endpoint);
            }
        }
    }

    /// <summary>What is due now.</summary>
    public IReadOnlyList<AlarmDecision> Evaluate(DateTimeOffset now)
    {
        var decisions = new List<AlarmDecision>();
        lock (_gate)
        {
            foreach (var ((endpoint, kind), watch) in _watches.ToList())
            {
                if (watch.Condition && !watch.Raised && now - watch.Since >= DelayOf(kind))
                {
                    watch.Raised = true;
                    watch.Severity = SeverityOf(kind, watch.Site);
                    decisions.Add(new AlarmDecision(AlarmAction.Raise, kind, endpoint, watch.Site, watch.Meeting, watch.Severity, watch.Message));
                }
                else if (watch.Condition && watch.Raised && SeverityOf(kind, watch.Site) is var severity && severity > watch.Severity)
                {
                    watch.Severity = severity;
                    decisions.Add(new AlarmDecision(AlarmAction.Escalate, kind, endpoint, watch.Site, watch.Meeting, severity, watch.Message));
                }
                else if (!watch.Condition && (!watch.Raised || watch.Proven || now - watch.Since >= options.ClearAfter))
                {
                    _watches.Remove((endpoint, kind));
                    if (watch.Raised)
                    {
                        decisions.Add(new AlarmDecision(AlarmAction.Clear, kind, endpoint, watch.Site, watch.Meeting, watch.Severity, watch.Message));
                    }
                }
            }
        }

        return decisions;
    }

    private TimeSpan DelayOf(string kind) => kind switch
    {
        AlarmKinds.EndpointOffline => options.OfflineAfter,
        AlarmKinds.RegistrationLost => options.RegistrationLostAfter,
        AlarmKinds.CallLoss => options.LossAfter,
        AlarmKinds.RoomAgentOffline => options.RoomAgentOfflineAfter,
        AlarmKinds.RoomDeviceUnreachable => options.RoomDeviceUnreachableAfter,
        // A projector says its own fault and lamp hours: nothing to wait out.
        AlarmKinds.ProjectorError or AlarmKinds.LampEndOfLife => TimeSpan.Zero,
        AlarmKinds.CallDropped => options.DroppedAfter,
        _ => options.NoMediaAfter,
    };

    /// <summary>
    /// A site in a live meeting makes an outage critical and a lost registration major; loss is
    /// major (the call goes on), silence in a call critical (the site is gone from the meeting).
    /// </summary>
    private AlarmSeverity SeverityOf(string kind, string site) => kind switch
    {
        AlarmKinds.EndpointOffline => inLiveMeeting(site) ? AlarmSeverity.Critical : AlarmSeverity.Major,
        AlarmKinds.RegistrationLost => inLiveMeeting(site) ? AlarmSeverity.Major : AlarmSeverity.Minor,
        AlarmKinds.CallLoss => AlarmSeverity.Major,
        // Room devices: the call goes on without them, but a live meeting's room needs its display now.
        AlarmKinds.RoomAgentOffline or AlarmKinds.RoomDeviceUnreachable => inLiveMeeting(site) ? AlarmSeverity.Major : AlarmSeverity.Minor,
        AlarmKinds.ProjectorError => AlarmSeverity.Major,
        AlarmKinds.LampEndOfLife => AlarmSeverity.Minor,
        _ => AlarmSeverity.Critical,
    };

    /// <param name="proof">False means "the cause may be gone"; true that it certainly is (clears without waiting).</param>
    private void Set(Guid endpoint, string kind, string site, Guid? meeting, bool condition, bool proof, string message, DateTimeOffset now)
    {
        if (!_watches.TryGetValue((endpoint, kind), out var watch))
        {
            if (!condition)
            {
                return;
            }

            _watches[(endpoint, kind)] = new Watch(site, meeting, true, now, message);
            return;
        }

        if (watch.Condition != condition)
        {
            watch.Condition = condition;
            watch.Since = now;
        }

        // An offline room that answers is back for sure; call causes and registrations wait ClearAfter.
        watch.Proven = !condition && proof && kind is AlarmKinds.EndpointOffline or AlarmKinds.RoomAgentOffline or AlarmKinds.RoomDeviceUnreachable;
        if (condition)
        {
            watch.Message = message;
            watch.Meeting = meeting ?? watch.Meeting;
        }
    }

    private sealed class Watch(string site, Guid? meeting, bool condition, DateTimeOffset since, string message)
    {
        public string Site { get; } = site;

        public Guid? Meeting { get; set; } = meeting;

        public bool Condition { get; set; } = condition;

        public DateTimeOffset Since { get; set; } = since;

        public string Message { get; set; } = message;

        public bool Raised { get; set; }

        public bool Proven { get; set; }

        /// <summary>The severity it was raised with, or escalated to.</summary>
        public AlarmSeverity Severity { get; set; }
    }
}
