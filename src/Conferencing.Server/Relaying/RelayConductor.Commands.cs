using System.Runtime.ExceptionServices;
using Conferencing.Relay;
using Conferencing.Server.Common;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.Relaying;

/// <summary>
/// The pass (the planner over each meeting, then orphans) and the commands' way out and back: each
/// command goes to the executor, and its outcome is applied to the views here, on the loop.
/// </summary>
public sealed partial class RelayConductor
{
    private readonly Dictionary<CommandKey, string> _lastErrors = [];

    /// <summary>
    /// One pass: every meeting's plan against what the relays report, one meeting at a time; then
    /// meetings open that no plan knows are closed, and ended meetings closed everywhere forgotten.
    /// </summary>
    private void Reconcile()
    {
        var now = _time.GetUtcNow();
        var settings = PlannerSettings.From(_options);
        var planned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plan in _plans.Values.ToList())
        {
            planned.Add(plan.Number);
            try
            {
                var state = StateOf(plan.MeetingId);
                var output = ConductorPlanner.Plan(new PlannerInput(plan, state, _views, _executor.InFlight, ContactOf, IsOpenDiscussion(plan.MeetingId), settings, now));
                state.Apply(output.Changes);
                foreach (var command in output.Commands)
                {
                    Issue(command);
                }

                if (output.Finished)
                {
                    Forget(plan);
                }
            }
            catch (Exception e)
            {
                // One meeting's bad data must not stop the others being driven; nothing of it is closed for it.
                Supervisor.Skipped(Loop, $"meeting {plan.Number}", e);
            }
        }

        foreach (var command in ConductorPlanner.CloseOrphans(_views, planned, _executor.InFlight))
        {
            Issue(command);
        }
    }

    private MeetingConductorState StateOf(Guid meetingId) =>
        _states.GetOrAdd(meetingId, id => new MeetingConductorState(id) { Held = _storedHolds.GetValueOrDefault(id, []) });

    private MeetingConductorState? StateOfNumber(string number) =>
        _plansByNumber.TryGetValue(number, out var plan) ? StateOf(plan.MeetingId) : null;

    /// <summary>Hands a command to the executor, unless its relay is not connected or the same command runs.</summary>
    private bool Issue(RelayCommand command, TaskCompletionSource<CommandOutcome>? completion = null)
    {
        if (!_connections.TryGetValue(command.Relay, out var connection) || !_executor.TryStart(connection, command, _stopping, completion))
        {
            return false;
        }

        var name = _views.GetValueOrDefault(command.Relay)?.Name ?? command.Relay;
        switch (command)
        {
            case HangUpCommand { Reason: HangUpReason.Stray } stray:
                Log.StrayLeg(_logger, stray.Number, name, stray.Leg, stray.Detail);
                break;
            case HangUpCommand { Reason: HangUpReason.HalfLink } half:
                Log.HalfLink(_logger, half.Number, name, half.Detail ?? "");
                break;
        }

        return true;
    }

    /// <summary>A command from outside the loop (a technician, a test call): it runs through the executor like every other.</summary>
    private void Submit(RelayCommand command, TaskCompletionSource<CommandOutcome> completion)
    {
        if (!_connections.ContainsKey(command.Relay) || _views.GetValueOrDefault(command.Relay)?.Health is not RelayHealth.Up)
        {
            completion.TrySetException(new DomainException(DomainErrorKind.Conflict, "relay.unavailable", $"Relay {_views.GetValueOrDefault(command.Relay)?.Name ?? command.Relay} is not reachable."));
        }
        else if (!Issue(command, completion))
        {
            if (command is HangUpCommand)
            {
                // The same leg is being hung up already.
                completion.TrySetResult(new CommandDone());
            }
            else
            {
                completion.TrySetException(new DomainException(DomainErrorKind.Conflict, "relay.command-running", $"{command.Key} is under way already."));
            }
        }
    }

    /// <summary>Runs a command on the loop's executor and waits for it; the relay's refusal or failure is thrown as it came.</summary>
    internal async Task<CommandOutcome> SendAsync(RelayCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var completion = new TaskCompletionSource<CommandOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inputs.Writer.TryWrite(new SubmitInput(command, completion)))
        {
            throw new InvalidOperationException("The relay conductor has stopped.");
        }

        var outcome = await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case CommandRefused refused:
                ExceptionDispatchInfo.Throw(refused.Error);
                break;
            case CommandFailed failed:
                ExceptionDispatchInfo.Throw(failed.Error);
                break;
        }

        return outcome;
    }

    private void OnCommandCompleted(CommandCompleted completed, TaskCompletionSource<CommandOutcome>? completion)
    {
        var command = completed.Command;
        _executor.Finish(command.Key);
        try
        {
            var current = completed.Generation == GenerationOf(command.Relay);
            switch (completed.Outcome)
            {
                case CommandDone done when current:
                    OnDone(command, done);
                    break;
                case CommandRefused refused when current:
                    OnRefused(command, refused);
                    break;
                case CommandFailed failed:
                    OnCommandFailed(command, failed.Error);
                    break;
            }
        }
        finally
        {
            completion?.TrySetResult(completed.Outcome);
        }
    }

    private void OnDone(RelayCommand command, CommandDone done)
    {
        var view = _views.GetValueOrDefault(command.Relay);
        var name = view?.Name ?? command.Relay;
        var meeting = view?.Meetings.GetValueOrDefault(command.Number);
        switch (command)
        {
            case OpenMeetingCommand open:
                Log.Opened(_logger, open.Number, name, open.DialIn?.Count ?? 0);
                if (done.Meeting is { } info)
                {
                    view?.Meetings.TryAdd(open.Number, MeetingView.From(info));
                }

                if (StateOfNumber(open.Number) is { } opened)
                {
                    if (done.Fresh && open.DialIn is { } sent)
                    {
                        opened.DialInSent[open.Relay] = sent;
                    }
                    else
                    {
                        opened.DialInSent.Remove(open.Relay);
                    }
                }

                break;
            case CloseMeetingCommand close:
                Log.Closed(_logger, close.Number, name);
                if (view is not null && view.Meetings.Remove(close.Number, out var gone))
                {
                    OnLegsGone(close.Relay, gone);
                }

                break;
            case SetDialInCommand dialIn:
                // Only while the relay still has the meeting: one that vanished meanwhile is opened
                // again with the plan's list, and this answer must not stand for that one.
                if (meeting is not null && StateOfNumber(dialIn.Number) is { } state)
                {
                    state.DialInSent[dialIn.Relay] = dialIn.DialIn;
                    Log.DialInSent(_logger, dialIn.Number, name, dialIn.DialIn.Count);
                }

                return;
            case DialCommand when done.Leg is { } leg:
                meeting?.Observe(leg);
                break;
            case SetProgramCommand program:
                Log.ProgramSet(_logger, program.Number, name, program.Program, program.ReturnFeed);
                if (meeting is not null)
                {
                    meeting.ProgramLegId = program.Program;
                    meeting.ReturnFeedLegId = program.ReturnFeed ?? meeting.ReturnFeedLegId;
                }

                break;
            case SetAudioMixCommand mix:
                Log.AudioMixSet(_logger, mix.Number, name, mix.OpenDiscussion);
                if (meeting is not null)
                {
                    meeting.AudioMix = new AudioMixInfo(true, mix.OpenDiscussion, meeting.AudioMix?.MaxSpeakers ?? AudioMixOptions.DefaultMaxSpeakers, meeting.AudioMix?.Active ?? false, mix.PictureFollowsSpeaker, meeting.AudioMix?.PictureLegId);
                }

                break;
            default:
                return;
        }

        Touch(command.Number);
    }

    private void OnRefused(RelayCommand command, CommandRefused refused)
    {
        switch (command)
        {
            case DialCommand dial:
                // A URI the relay cannot use: wait as after a failed call, and say why once.
                RecordFailure(dial.LegKey, wasUp: false);
                Log.DialRefused(_logger, dial.Number, dial.Leg, refused.Message);
                break;
            case SetAudioMixCommand mix:
                if (_views.GetValueOrDefault(mix.Relay)?.Meetings.GetValueOrDefault(mix.Number) is { } meeting)
                {
                    meeting.MixRefused = true;
                }

                Log.AudioMixRefused(_logger, mix.Number, _views.GetValueOrDefault(mix.Relay)?.Name ?? mix.Relay, refused.Message);
                break;
        }
    }

    private void OnCommandFailed(RelayCommand command, Exception error)
    {
        var message = error.Message;
        if (!_lastErrors.TryGetValue(command.Key, out var last) || last != message)
        {
            _lastErrors[command.Key] = message;
            Log.CommandFailed(_logger, command.Key.ToString(), _views.GetValueOrDefault(command.Relay)?.Name ?? command.Relay, message);
        }

        if (error is RelayException { Kind: RelayErrorKind.Unavailable, Code: "relay.unreachable" or "relay.timeout" } && _views.TryGetValue(command.Relay, out var view) && view.Health == RelayHealth.Up)
        {
            // The probe will say when it is back; until then nothing more is sent its way.
            view.SetHealth(RelayHealth.Down, message, _time.GetUtcNow());
            PublishStatuses();
        }
        else if (error is RelayException { Code: "relay.meeting-not-found" } && _views.TryGetValue(command.Relay, out var stale))
        {
            // The relay lost the meeting (restarted between two events): open it again.
            stale.Meetings.Remove(command.Number);
        }
    }

    /// <summary>A registered room is called at the contact it registered from (while not offline).</summary>
    private string? ContactOf(Guid endpointId) =>
        _presence.Get(endpointId) is { Contact: { Length: > 0 } contact, State: not Endpoints.Presence.EndpointState.Offline } ? contact : null;

    private sealed record CommandInput(CommandCompleted Completed, TaskCompletionSource<CommandOutcome>? Completion) : Input;

    private sealed record SubmitInput(RelayCommand Command, TaskCompletionSource<CommandOutcome> Completion) : Input;
}
