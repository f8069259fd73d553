using Conferencing.Server.Documents;
using Conferencing.Server.Meetings;

namespace Conferencing.Server.Room;

/// <summary>
/// The presenter's position: which document, which version, which page. Every message carries the
/// whole of it, so applying one twice or out of order (lower <see cref="Seq"/>) changes nothing.
/// </summary>
public sealed record PresenterState(Guid MeetingId, Guid? DocumentId, int? Version, int? Page, int? PageCount, long Seq, DateTimeOffset? SetUtc);

/// <summary>A document as room clients see it: no file names or hashes, nothing of the uploader.</summary>
public sealed record RoomDocument(Guid Id, string Title, bool Confidential, int Order, int Version, int PageCount, Guid? AgendaItemId);

/// <summary>The meeting as room clients see it.</summary>
public sealed record RoomMeeting(Guid Id, string Title, MeetingStatus Status, string StartLocal, string EndLocal, string? FloorSiteCode, string? FloorSiteName, IReadOnlyList<AgendaItem> Agenda);

/// <summary>Status of a request to speak.</summary>
public enum SpeakStatus
{
    Waiting,
    Granted,
    Done,
    Withdrawn,
    Declined,
}

/// <summary>One request to speak, for the chair.</summary>
public sealed record SpeakRequest(Guid Id, Guid MeetingId, Guid DelegateId, string DelegateName, string? Unit, string SiteCode, string SiteName, SpeakStatus Status, DateTimeOffset RequestedUtc, DateTimeOffset? DecidedUtc, string? DecidedBy);

/// <summary>
/// The speaking queue as everyone in the room sees it: who speaks, and the waiting delegates' ids in
/// order (a delegate finds their own place; names are for the chair).
/// </summary>
public sealed record SpeakingView(Guid MeetingId, SpeakRequest? Speaking, IReadOnlyList<Guid> WaitingDelegateIds);

/// <summary>The three answers of a vote (biểu quyết).</summary>
public enum VoteChoice
{
    /// <summary>Đồng ý.</summary>
    Agree,

    /// <summary>Không đồng ý.</summary>
    Disagree,

    /// <summary>Không biểu quyết: present, and chose not to vote either way.</summary>
    Abstain,
}

public enum PollStatus
{
    Draft,
    Open,
    Closed,
}

/// <summary>One delegate's ballot in an open (named) vote; secret votes keep no such record.</summary>
public sealed record BallotView(Guid DelegateId, string DelegateName, VoteChoice Choice, DateTimeOffset CastUtc);

/// <summary>
/// A vote and its live result. <see cref="Ballots"/> is filled for the chair in an open vote only.
/// With <see cref="CountsAfterClose"/> the room (delegates, the TV) gets no counts while it is open.
/// </summary>
public sealed record PollView(
    Guid Id,
    Guid MeetingId,
    Guid? AgendaItemId,
    string Question,
    bool Secret,
    PollStatus Status,
    int Eligible,
    int Agree,
    int Disagree,
    int Abstain,
    DateTimeOffset CreatedUtc,
    DateTimeOffset? OpenedUtc,
    DateTimeOffset? ClosedUtc,
    IReadOnlyList<BallotView>? Ballots,
    bool CountsAfterClose = false)
{
    /// <summary>What the room is sent: the counts of an open vote that keeps them until it closes are left out (zero).</summary>
    public PollView ForRoom() => CountsAfterClose && Status == PollStatus.Open ? this with { Agree = 0, Disagree = 0, Abstain = 0, Ballots = null } : this;

    public int Cast => Agree + Disagree + Abstain;

    public int NotVoted => Math.Max(0, Eligible - Cast);
}

/// <summary>Who the caller is in the room.</summary>
public sealed record RoomMe(string Kind, Guid? DelegateId, string Name, string? Unit, string? SiteCode);

/// <summary>Everything a room client needs to draw itself from nothing, returned on (re)join.</summary>
public sealed record RoomSnapshot(
    RoomMeeting Meeting,
    RoomMe Me,
    IReadOnlyList<RoomDocument> Documents,
    PresenterState Presenter,
    SpeakingView Speaking,
    SpeakRequest? MySpeakRequest,
    IReadOnlyList<PollView> Polls,
    IReadOnlyDictionary<Guid, VoteChoice?> MyBallots,
    DateTimeOffset ServerTimeUtc);

internal static class RoomViewMapping
{
    public static RoomDocument ToRoom(this MeetingDocument d) => new(d.Id, d.Title, d.Confidential, d.Order, d.CurrentVersion, d.Current.PageCount, d.AgendaItemId);
}
