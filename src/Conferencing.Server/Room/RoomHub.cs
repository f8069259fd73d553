using Conferencing.Server.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Conferencing.Server.Room;

/// <summary>What the server calls on room displays and delegates' phones. Every message is full state.</summary>
public interface IRoomClient
{
    /// <summary>The presenter's document, version and page (apply only if its seq is newer than the last seen).</summary>
    Task Presenter(PresenterState state);

    /// <summary>The meeting's documents, in order.</summary>
    Task Documents(IReadOnlyList<RoomDocument> documents);

    /// <summary>Who speaks and who waits.</summary>
    Task Speaking(SpeakingView speaking);

    /// <summary>The meeting's votes with their live counts.</summary>
    Task Polls(IReadOnlyList<PollView> polls);

    /// <summary>The meeting itself changed: status, the floor.</summary>
    Task Meeting(RoomMeeting meeting);
}

/// <summary>Group names, built in one place.</summary>
public static class RoomGroups
{
    public static string Room(Guid meetingId) => "room:" + meetingId.ToString("N");
}

/// <summary>
/// The room's live channel (/hubs/room). Thin: a client joins as a delegate, a room display or staff
/// and gets a full snapshot back; the <see cref="RoomBroadcaster"/> pushes changes to the meeting's
/// group. After a reconnect the client joins again and so resynchronizes. Commands go through the
/// HTTP API, which answers with problem details.
/// </summary>
[Authorize(Policy = RoomAuth.RoomPolicy)]
public sealed class RoomHub(RoomDirectory directory, DisplayLinks displays, IServiceProvider services) : Hub<IRoomClient>
{
    /// <summary>Joins the room of the caller's meeting as <paramref name="role"/>: delegate, display or staff.</summary>
    public async Task<RoomSnapshot> Join(string role, Guid? meetingId)
    {
        var user = Context.User;
        RoomSnapshot? snapshot;
        switch (role)
        {
            case "delegate":
                var person = user.DelegateIdentity() ?? throw new HubException("Not signed in as a delegate: scan the room's QR code.");
                snapshot = await directory.SnapshotForDelegateAsync(person.MeetingId()!.Value, person.DelegateId()!.Value, Context.ConnectionAborted).ConfigureAwait(false);
                break;
            case "display":
                var display = user.DisplayIdentity() ?? throw new HubException("This screen has no display link.");
                if (!await displays.IsActiveAsync(display.DisplayLinkId()!.Value, Context.ConnectionAborted).ConfigureAwait(false))
                {
                    throw new HubException("This screen's display link was revoked.");
                }

                var current = await displays.CurrentMeetingAsync(display.DisplaySite()!, Context.ConnectionAborted).ConfigureAwait(false)
                    ?? throw new HubException("No meeting in this room now.");
                snapshot = await directory.SnapshotAsync(current.Id, new RoomMe("display", null, display.Name ?? "", null, display.DisplaySite()), Context.ConnectionAborted).ConfigureAwait(false);
                break;
            case "staff":
                var staff = user.StaffIdentity();
                if (staff is null || !StaffRoles.All.Any(r => staff.HasClaim(System.Security.Claims.ClaimTypes.Role, r)))
                {
                    throw new HubException("Sign in as staff first.");
                }

                var watched = meetingId ?? throw new HubException("Name the meeting.");

                // A meeting read-only to a scoped account may still be watched: the hub only pushes state, changes go through the API.
                if (!await Meetings.MeetingAccess.AllowsAsync(services, user, watched, change: false, Context.ConnectionAborted).ConfigureAwait(false))
                {
                    throw new HubException($"{StaffScopes.OutOfScopeCode}: The meeting has no site within your scope.");
                }

                snapshot = await directory.SnapshotAsync(watched, new RoomMe("staff", null, staff.Name ?? "", null, null), Context.ConnectionAborted).ConfigureAwait(false);
                break;
            default:
                throw new HubException("Join as delegate, display or staff.");
        }

        if (snapshot is null)
        {
            throw new HubException("That meeting does not exist.");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, RoomGroups.Room(snapshot.Meeting.Id), Context.ConnectionAborted).ConfigureAwait(false);
        return snapshot;
    }
}
