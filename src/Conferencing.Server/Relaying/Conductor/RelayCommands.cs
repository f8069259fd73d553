using Conferencing.Relay;

namespace Conferencing.Server.Relaying;

/// <summary>One leg of one meeting on one relay: what backoff, half-link and silence watches are kept for.</summary>
public readonly record struct LegKey(string Relay, string Number, string Leg)
{
    public override string ToString() => $"{Relay}/{Number}/{Leg}";
}

/// <summary>What a relay command acts on.</summary>
public enum CommandKind
{
    Open,
    Close,
    DialIn,
    Dial,
    HangUp,
    Program,
    AudioMix,
    Mute,
    Keyframe,
}

/// <summary>
/// Identifies a command for "at most one at a time": a second command with the same key is not
/// issued while the first runs (a dial per leg, one open per relay meeting).
/// </summary>
public readonly record struct CommandKey(string Relay, string Number, CommandKind Kind, string? Leg = null)
{
    public override string ToString() => Leg is null ? $"{Kind} {Number} on {Relay}" : $"{Kind} {Number}/{Leg} on {Relay}";
}

/// <summary>Why a leg is hung up; the loop logs it when the command is issued.</summary>
public enum HangUpReason
{
    /// <summary>The leg no longer belongs to the meeting on this relay (site removed, user not on the list).</summary>
    Stray,

    /// <summary>A child's link died with its parent's meeting (the parent reopened it).</summary>
    StaleLink,

    /// <summary>The child sees a link the parent does not (<see cref="RelayingOptions.LinkGrace"/> passed).</summary>
    HalfLink,

    /// <summary>At a parent, a link from a child that is gone, or an older duplicate.</summary>
    ChildGone,

    /// <summary>No media for <see cref="RelayingOptions.MediaTimeout"/>.</summary>
    Silent,

    /// <summary>A technician asked for a redial.</summary>
    Redial,

    /// <summary>The room registered elsewhere while still being dialled at an old address.</summary>
    DialAtContact,

    /// <summary>A technician hung the site up (it is held).</summary>
    Operator,

    /// <summary>A test call's own leg.</summary>
    TestCall,
}

/// <summary>A command for one relay: the conductor's only way of changing a relay's state.</summary>
public abstract record RelayCommand(string Relay, string Number)
{
    public abstract CommandKey Key { get; }
}

/// <summary>Open a meeting (with its PIN, profile and dial-in list; a test call's has none).</summary>
public sealed record OpenMeetingCommand(string Relay, string Number, string? Pin, int? VideoKbps, IReadOnlyDictionary<string, string>? DialIn) : RelayCommand(Relay, Number)
{
    public override CommandKey Key => new(Relay, Number, CommandKind.Open);
}

/// <summary>Close a meeting (gone already counts as done).</summary>
public sealed record CloseMeetingCommand(string Relay, string Number) : RelayCommand(Relay, Number)
{
    public override CommandKey Key => new(Relay, Number, CommandKind.Close);
}

/// <summary>Replace a meeting's dial-in list.</summary>
public sealed record SetDialInCommand(string Relay, string Number, IReadOnlyDictionary<string, string> DialIn) : RelayCommand(Relay, Number)
{
    public override CommandKey Key => new(Relay, Number, CommandKind.DialIn);
}

/// <summary>Dial a leg: an endpoint, the parent relay, or central's feed.</summary>
public sealed record DialCommand(string Relay, string Number, string Leg, string Uri, LegRole Role) : RelayCommand(Relay, Number)
{
    public override CommandKey Key => new(Relay, Number, CommandKind.Dial, Leg);

    public LegKey LegKey => new(Relay, Number, Leg);
}

/// <summary>Hang a leg up (gone already counts as done).</summary>
public sealed record HangUpCommand(string Relay, string Number, string Leg, HangUpReason Reason, string? Detail = null) : RelayCommand(Relay, Number)
{
    public override CommandKey Key => new(Relay, Number, CommandKind.HangUp, Leg);
}

/// <summary>Set what the relay forwards (and what the program's source receives).</summary>
public sealed record SetProgramCommand(string Relay, string Number, string Program, string? ReturnFeed) : RelayCommand(Relay, Number)
{
    public override CommandKey Key => new(Relay, Number, CommandKind.Program);
}

/// <summary>Mix the meeting's audio at a relay (it runs where the relay has the floor and the chair, or open discussion); at the top the picture may follow the speaker.</summary>
public sealed record SetAudioMixCommand(string Relay, string Number, bool OpenDiscussion, bool PictureFollowsSpeaker = false) : RelayCommand(Relay, Number)
{
    public override CommandKey Key => new(Relay, Number, CommandKind.AudioMix);
}

/// <summary>Stop or resume forwarding a leg's audio (a technician's action).</summary>
public sealed record SetAudioMutedCommand(string Relay, string Number, string Leg, bool Muted) : RelayCommand(Relay, Number)
{
    public override CommandKey Key => new(Relay, Number, CommandKind.Mute, Leg);
}

/// <summary>Ask the source of what a leg receives for a keyframe.</summary>
public sealed record RequestKeyframeCommand(string Relay, string Number, string Leg) : RelayCommand(Relay, Number)
{
    public override CommandKey Key => new(Relay, Number, CommandKind.Keyframe, Leg);
}

/// <summary>How a command ended, as the executor reports it back to the loop.</summary>
public abstract record CommandOutcome;

/// <summary>Done. <paramref name="Meeting"/> for an open (with <paramref name="Fresh"/> false when it existed already), <paramref name="Leg"/> for a dial (null when the relay had it already).</summary>
public sealed record CommandDone(RelayMeetingInfo? Meeting = null, bool Fresh = true, LegInfo? Leg = null) : CommandOutcome;

/// <summary>The relay understood and said no (a URI it cannot dial, a mix it does not do): waited on, not retried at once.</summary>
public sealed record CommandRefused(RelayException Error) : CommandOutcome
{
    public string Message => Error.Message;
}

/// <summary>Failed: unreachable, timed out, or an error nobody foresaw.</summary>
public sealed record CommandFailed(Exception Error) : CommandOutcome;
