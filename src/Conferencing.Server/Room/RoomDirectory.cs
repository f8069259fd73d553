using Conferencing.Server.Common;
using Conferencing.Server.Documents;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;

namespace Conferencing.Server.Room;

/// <summary>Builds what room clients see, from the services that own each part.</summary>
public sealed class RoomDirectory(
    MeetingService meetings, SiteStore sites, DocumentService documents, PresenterService presenter, SpeakingService speaking, VotingService voting, TimeProvider time)
{
    public async Task<RoomMeeting?> MeetingAsync(Guid meetingId, CancellationToken cancellationToken) =>
        await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false) is { } m ? await ToRoomAsync(m, cancellationToken).ConfigureAwait(false) : null;

    public async Task<RoomMeeting> ToRoomAsync(Meeting meeting, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        string? floorName = null;
        if (meeting.FloorSiteCode is { } code)
        {
            var tree = await sites.LoadTreeAsync(cancellationToken).ConfigureAwait(false);
            floorName = tree.TryGet(code, out var site) ? site.Name : code;
        }

        return new RoomMeeting(meeting.Id, meeting.Title, meeting.Status, VietnamTime.FormatLocal(meeting.StartUtc), VietnamTime.FormatLocal(meeting.EndUtc),
            meeting.FloorSiteCode, floorName, meeting.Agenda);
    }

    public async Task<IReadOnlyList<RoomDocument>> DocumentsAsync(Guid meetingId, CancellationToken cancellationToken) =>
        [.. (await documents.ListAsync(meetingId, cancellationToken).ConfigureAwait(false)).Select(d => d.ToRoom())];

    public async Task<SpeakingView> SpeakingAsync(Guid meetingId, CancellationToken cancellationToken) =>
        SpeakingService.View(meetingId, await speaking.QueueAsync(meetingId, cancellationToken).ConfigureAwait(false));

    public async Task<RoomSnapshot?> SnapshotForDelegateAsync(Guid meetingId, Guid delegateId, CancellationToken cancellationToken)
    {
        var meeting = await meetings.GetAsync(meetingId, cancellationToken).ConfigureAwait(false);
        if (meeting?.Delegates.FirstOrDefault(d => d.Id == delegateId) is not { } person)
        {
            return null;
        }

        return await SnapshotAsync(meetingId, new RoomMe("delegate", person.Id, person.Name, person.Unit, person.SiteCode), cancellationToken).ConfigureAwait(false);
    }

    public async Task<RoomSnapshot?> SnapshotAsync(Guid meetingId, RoomMe me, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(me);
        if (await MeetingAsync(meetingId, cancellationToken).ConfigureAwait(false) is not { } meeting)
        {
            return null;
        }

        var queue = await speaking.QueueAsync(meetingId, cancellationToken).ConfigureAwait(false);
        var mine = me.DelegateId is { } id ? queue.FirstOrDefault(r => r.DelegateId == id) : null;
        var ballots = me.DelegateId is { } d ? await voting.BallotsOfAsync(meetingId, d, cancellationToken).ConfigureAwait(false) : new Dictionary<Guid, VoteChoice?>();
        return new RoomSnapshot(
            meeting,
            me,
            await DocumentsAsync(meetingId, cancellationToken).ConfigureAwait(false),
            await presenter.GetAsync(meetingId, cancellationToken).ConfigureAwait(false),
            SpeakingService.View(meetingId, queue),
            mine,
            [.. (await voting.ListAsync(meetingId, withBallots: false, cancellationToken).ConfigureAwait(false)).Select(p => p.ForRoom())],
            ballots,
            time.GetUtcNow());
    }
}
