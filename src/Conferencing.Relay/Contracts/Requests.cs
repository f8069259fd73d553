namespace Conferencing.Relay;

/// <summary>Opens a relay meeting.</summary>
/// <param name="Number">The meeting number endpoints dial in with: 1 to 20 digits.</param>
/// <param name="Pin">The PIN dial-in needs after the number (<c>number*pin</c>): 0 to 16 digits; null or empty for none.</param>
/// <param name="Profile">What the program carries; <see cref="MediaProfile.Default"/> when null.</param>
/// <param name="DialIn">
/// Digest user names and passwords of the endpoints (and parent or child relays) allowed to dial in.
/// Dial-in always needs digest authentication: a meeting without entries accepts no incoming calls.
/// </param>
public sealed record OpenMeetingRequest(string Number, string? Pin = null, MediaProfile? Profile = null, IReadOnlyDictionary<string, string>? DialIn = null);

/// <summary>Replaces who may dial in to an open relay meeting.</summary>
/// <param name="DialIn">
/// Digest user names and passwords, as in <see cref="OpenMeetingRequest.DialIn"/>: the whole list, not
/// a change to it (an empty list lets nobody in).
/// </param>
public sealed record DialInRequest(IReadOnlyDictionary<string, string>? DialIn);

/// <summary>Dials a leg out from a relay meeting.</summary>
/// <param name="Uri">The SIP URI to call: an endpoint (<c>sip:room@10.1.2.3</c>) or another relay (<c>sip:1234*5678@10.0.0.2:5070</c>).</param>
/// <param name="LegId">The id to give the leg (an endpoint or site code lets the controller match events); generated when null.</param>
/// <param name="Role">What the leg is, for the controller's display; the relay treats every role alike.</param>
public sealed record DialRequest(string Uri, string? LegId = null, LegRole Role = LegRole.Endpoint);

/// <summary>Sets the program of a relay meeting.</summary>
/// <param name="LegId">The leg whose media everyone else receives; null for no program.</param>
/// <param name="ReturnFeedLegId">
/// The leg whose media the program leg itself receives; when null, the previous program source
/// (so the site that has the floor sees the chair or central, not itself).
/// </param>
public sealed record ProgramRequest(string? LegId, string? ReturnFeedLegId = null);

/// <summary>Mutes or unmutes the audio a leg sends, at the relay.</summary>
/// <param name="Muted">True to stop forwarding the leg's audio.</param>
public sealed record MuteRequest(bool Muted);

/// <summary>How a meeting's audio is mixed at this relay (the root of the cascade; child relays forward).</summary>
/// <param name="Enabled">
/// Mix rather than switch: while the meeting has a program and a return feed (the floor and the
/// chair), or open discussion is on, everyone hears those together; each of them hears the others.
/// </param>
/// <param name="OpenDiscussion">Also hear up to <paramref name="MaxSpeakers"/> of the loudest unmuted sites, by voice activity.</param>
/// <param name="MaxSpeakers">How many sites open discussion hears at once, 0 to 16; the relay's <c>Relay:AudioMix:MaxSpeakers</c> when null.</param>
/// <param name="PictureFollowsSpeaker">
/// In open discussion, whether the picture moves to the loudest heard site once it has been the
/// loudest for <c>Relay:AudioMix:PictureHold</c> (else it stays with the program: the chair or the
/// floor); the relay's <c>Relay:AudioMix:PictureFollowsSpeaker</c> when null. Child relay legs are
/// not followed unless they are the program, since a district sends no picture up without the floor.
/// </param>
public sealed record AudioMixRequest(bool Enabled, bool OpenDiscussion = false, int? MaxSpeakers = null, bool? PictureFollowsSpeaker = null)
{
    /// <summary>Switched audio, as without a mix.</summary>
    public static AudioMixRequest Off { get; } = new(false);
}
