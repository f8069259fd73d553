using Conferencing.Relay;

namespace Conferencing.Server.Relaying;

/// <summary>A command that ran, as it comes back to the loop.</summary>
/// <param name="Command">What ran.</param>
/// <param name="Generation">The connection it ran on: an answer from an earlier connection to the relay is not applied to today's view.</param>
/// <param name="Outcome">How it went.</param>
internal sealed record CommandCompleted(RelayCommand Command, int Generation, CommandOutcome Outcome);

/// <summary>
/// Runs relay commands in the background, so a slow relay never stalls the loop, and reports each
/// outcome back through <c>report</c> (onto the loop). It is the only writer to the relays: the
/// reconciliation's commands, a technician's actions and test calls all come through here. The
/// in-flight set is the loop's: <see cref="TryStart"/> and <see cref="Finish"/> are called on it.
/// </summary>
internal sealed class RelayCommandExecutor(Action<CommandCompleted, TaskCompletionSource<CommandOutcome>?> report)
{
    private readonly HashSet<CommandKey> _inFlight = [];

    /// <summary>Commands running now.</summary>
    public IReadOnlySet<CommandKey> InFlight => _inFlight;

    /// <summary>
    /// Starts a command on a connection unless one with its key runs; <paramref name="completion"/>
    /// (a caller outside the loop waiting) is handed back with the outcome.
    /// </summary>
    public bool TryStart(RelayConnection connection, RelayCommand command, CancellationToken stopping, TaskCompletionSource<CommandOutcome>? completion = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(command);
        if (!_inFlight.Add(command.Key))
        {
            return false;
        }

        var generation = connection.Generation;
        _ = Task.Run(async () =>
        {
            CommandOutcome outcome;
            try
            {
                outcome = await RunAsync(connection.Control, command, stopping).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Whatever went wrong comes back to the loop as this command's failure, so its key is
                // freed and the command is tried again: an exception lost here would hold the leg forever.
                outcome = new CommandFailed(e);
            }

            report(new CommandCompleted(command, generation, outcome), completion);
        }, CancellationToken.None);
        return true;
    }

    /// <summary>The loop took the outcome: the key is free again.</summary>
    public void Finish(CommandKey key) => _inFlight.Remove(key);

    /// <summary>A new incarnation of the loop starts with nothing in flight (answers of the old one are dropped by generation).</summary>
    public void Clear() => _inFlight.Clear();

    /// <summary>One command against a relay; the relay's expected refusals become outcomes, not failures.</summary>
    internal static async Task<CommandOutcome> RunAsync(IRelayControl control, RelayCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(control);
        switch (command)
        {
            case OpenMeetingCommand open:
                var request = new OpenMeetingRequest(open.Number, open.Pin, open.VideoKbps is { } kbps ? new MediaProfile { VideoKbps = kbps } : null, open.DialIn);
                try
                {
                    return new CommandDone(await control.OpenMeetingAsync(request, cancellationToken).ConfigureAwait(false));
                }
                catch (RelayException e) when (e.Code == "relay.meeting-exists")
                {
                    // Opened already, and the stream has not told yet: take it as it is, with a dial-in
                    // list not known to be this one (the next pass sends it).
                    return new CommandDone(await control.GetMeetingAsync(open.Number, cancellationToken).ConfigureAwait(false), Fresh: false);
                }

            case CloseMeetingCommand close:
                try
                {
                    await control.CloseMeetingAsync(close.Number, cancellationToken).ConfigureAwait(false);
                }
                catch (RelayException e) when (e.Code == "relay.meeting-not-found")
                {
                    // Gone already.
                }

                return new CommandDone();
            case SetDialInCommand dialIn:
                await control.SetDialInAsync(dialIn.Number, dialIn.DialIn, cancellationToken).ConfigureAwait(false);
                return new CommandDone();
            case DialCommand dial:
                try
                {
                    return new CommandDone(Leg: await control.DialAsync(dial.Number, new DialRequest(dial.Uri, dial.Leg, dial.Role), cancellationToken).ConfigureAwait(false));
                }
                catch (RelayException e) when (e.Code == "relay.leg-exists")
                {
                    return new CommandDone();
                }
                catch (RelayException e) when (e.Kind is RelayErrorKind.Invalid or RelayErrorKind.Conflict)
                {
                    return new CommandRefused(e);
                }

            case HangUpCommand hangUp:
                try
                {
                    await control.HangUpAsync(hangUp.Number, hangUp.Leg, cancellationToken).ConfigureAwait(false);
                }
                catch (RelayException e) when (e.Kind == RelayErrorKind.NotFound)
                {
                }

                return new CommandDone();
            case SetProgramCommand program:
                await control.SetProgramAsync(program.Number, new ProgramRequest(program.Program, program.ReturnFeed), cancellationToken).ConfigureAwait(false);
                return new CommandDone();
            case SetAudioMixCommand mix:
                try
                {
                    await control.SetAudioMixAsync(mix.Number, new AudioMixRequest(true, mix.OpenDiscussion, PictureFollowsSpeaker: mix.PictureFollowsSpeaker), cancellationToken).ConfigureAwait(false);
                    return new CommandDone();
                }
                catch (RelayException e) when (e.Kind is RelayErrorKind.Invalid or RelayErrorKind.NotFound)
                {
                    return new CommandRefused(e);
                }

            case SetAudioMutedCommand mute:
                await control.SetAudioMutedAsync(mute.Number, mute.Leg, mute.Muted, cancellationToken).ConfigureAwait(false);
                return new CommandDone();
            case RequestKeyframeCommand keyframe:
                await control.RequestKeyframeAsync(keyframe.Number, keyframe.Leg, cancellationToken).ConfigureAwait(false);
                return new CommandDone();
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Not a relay command the executor knows.");
        }
    }
}
