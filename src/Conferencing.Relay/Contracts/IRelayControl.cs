namespace Conferencing.Relay;

/// <summary>
/// Control of one relay node, the same whether the relay runs inside the server
/// (<see cref="RelayNode"/>) or on its own host (<see cref="Http.RelayHttpClient"/>). Commands throw
/// <see cref="RelayException"/>; <see cref="WatchAsync"/> streams what happens.
/// </summary>
public interface IRelayControl
{
    /// <summary>Opens a meeting: reserves its media ports and accepts dial-in for it.</summary>
    Task<RelayMeetingInfo> OpenMeetingAsync(OpenMeetingRequest request, CancellationToken cancellationToken = default);

    /// <summary>Closes a meeting: hangs up every leg and frees its ports.</summary>
    Task CloseMeetingAsync(string number, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces a meeting's dial-in list as a whole: a dial-in being authenticated meets either the
    /// old list or the new one. Calls already up are left alone, a removed user's included: the
    /// controller decides which legs belong to the meeting and hangs up the others.
    /// </summary>
    /// <param name="number">The meeting number.</param>
    /// <param name="dialIn">Digest user names and passwords; see <see cref="OpenMeetingRequest.DialIn"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task SetDialInAsync(string number, IReadOnlyDictionary<string, string> dialIn, CancellationToken cancellationToken = default);

    /// <summary>Every open meeting.</summary>
    Task<IReadOnlyList<RelayMeetingInfo>> ListMeetingsAsync(CancellationToken cancellationToken = default);

    /// <summary>One meeting with its legs.</summary>
    Task<RelayMeetingInfo> GetMeetingAsync(string number, CancellationToken cancellationToken = default);

    /// <summary>
    /// Dials a leg and returns at once with the leg in <see cref="LegState.Dialing"/>; ringing, answer
    /// and failure follow as <see cref="LegEvent"/>s.
    /// </summary>
    Task<LegInfo> DialAsync(string number, DialRequest request, CancellationToken cancellationToken = default);

    /// <summary>Hangs up a leg (or cancels it while it rings).</summary>
    Task HangUpAsync(string number, string legId, CancellationToken cancellationToken = default);

    /// <summary>Makes a leg the program source (null for none); see <see cref="ProgramRequest"/>.</summary>
    Task SetProgramAsync(string number, ProgramRequest request, CancellationToken cancellationToken = default);

    /// <summary>Stops or resumes forwarding a leg's audio.</summary>
    Task SetAudioMutedAsync(string number, string legId, bool muted, CancellationToken cancellationToken = default);

    /// <summary>Mixes a meeting's audio (the chair and the floor heard together, open discussion) or switches it; see <see cref="AudioMixRequest"/>.</summary>
    Task SetAudioMixAsync(string number, AudioMixRequest request, CancellationToken cancellationToken = default);

    /// <summary>Asks the source of what a leg receives for a keyframe (rate-limited like every request).</summary>
    Task RequestKeyframeAsync(string number, string legId, CancellationToken cancellationToken = default);

    /// <summary>The latest statistics of a meeting's connected legs.</summary>
    Task<IReadOnlyList<LegStatistics>> GetStatisticsAsync(string number, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams the node's events: a <see cref="SnapshotEvent"/> first, then changes and statistics.
    /// A remote relay's stream reconnects by itself and starts again with a snapshot.
    /// </summary>
    IAsyncEnumerable<RelayEvent> WatchAsync(CancellationToken cancellationToken = default);
}
