namespace Conferencing.Server.Meetings.Pages;

/// <summary>Where a panel goes on the meeting page.</summary>
public enum MeetingPanelPlace
{
    /// <summary>Beside the sites, under the floor: e.g. the speaking queue, the current document.</summary>
    Side,

    /// <summary>Above the sites table, full width.</summary>
    Main,
}

/// <summary>
/// A component another feature adds to the meeting page without the page knowing it: register one
/// with <c>services.AddSingleton(new MeetingPanel(typeof(SpeakingQueuePanel), MeetingPanelPlace.Side, 10))</c>.
/// The component receives two parameters: <c>Meeting</c> (<see cref="Meetings.Meeting"/>, the meeting as
/// last saved, replaced on every committed change) and <c>CanAct</c> (bool: the reader may run the
/// meeting). Panels are drawn by <see cref="Order"/> within their place.
/// </summary>
public sealed record MeetingPanel(Type Component, MeetingPanelPlace Place, int Order);
