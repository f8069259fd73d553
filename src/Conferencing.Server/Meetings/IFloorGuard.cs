namespace Conferencing.Server.Meetings;

/// <summary>
/// Says whether a site may be given the floor now (another feature knows whether it is in the call).
/// <see cref="MeetingService.GiveFloorAsync"/> asks every registered guard before it saves.
/// </summary>
public interface IFloorGuard
{
    /// <summary>Returns when the site may take the floor.</summary>
    /// <exception cref="Common.DomainException">It may not (409 with a code naming why).</exception>
    Task EnsureCanTakeFloorAsync(Guid meetingId, string siteCode, CancellationToken cancellationToken);
}
