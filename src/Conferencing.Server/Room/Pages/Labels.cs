using System.Text.Json;
using Microsoft.Extensions.Localization;

namespace Conferencing.Server.Room.Pages;

/// <summary>The localized words the room's script shows, handed to it as JSON in a data attribute.</summary>
internal static class Labels
{
    private static readonly string[] Keys =
    [
        "RoomNoDocuments", "RoomConfidential", "RoomPagesWord", "RoomFollowing", "RoomFollow", "RoomNothingPresented", "RoomSpeak", "RoomWithdraw",
        "RoomWaiting", "RoomYouSpeak", "RoomSpeaking", "RoomFloor", "VoteAgree", "VoteDisagree", "VoteAbstain", "RoomVoted", "RoomVoteSecret",
        "RoomVoteOpenKind", "RoomVoteClosed", "RoomVoteOpen", "RoomVoteDraft", "RoomNotVoted", "RoomNoMeeting", "RoomError", "Connected",
        "Reconnecting", "Connecting", "RoomLoading",
        "LiveYourTurn", "LiveVoteOpenBanner", "LiveVoteNow", "LiveBallotConfirm", "LiveBallotYes", "LiveBallotChange", "LiveSpeaker", "LiveCountsAfterVote", "RoomCountsAfterClose",
    ];

    public static string Json(IStringLocalizer<Ui> localizer) =>
        JsonSerializer.Serialize(Keys.ToDictionary(k => k, k => localizer[k].Value));
}
