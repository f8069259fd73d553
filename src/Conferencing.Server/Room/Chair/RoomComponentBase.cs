using Conferencing.Server.Common;
using Conferencing.Server.Meetings;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Conferencing.Server.Room.Chair;

/// <summary>
/// The base of the chair's components: each takes a <see cref="MeetingId"/>, reloads its part when
/// the room feed (or the meeting) changes, and shows a refused command's reason in place. Each is
/// usable alone, so the secretariat's live meeting page can embed any of them.
/// </summary>
public abstract class RoomComponentBase : ComponentBase, IDisposable
{
    private IDisposable? _room;
    private IDisposable? _meetings;

    [Parameter, EditorRequired] public Guid MeetingId { get; set; }

    [CascadingParameter] private Task<AuthenticationState>? Authentication { get; set; }

    [Inject] protected RoomFeed Feed { get; set; } = default!;

    [Inject] protected MeetingEvents MeetingEvents { get; set; } = default!;

    [Inject] private IServiceProvider Services { get; set; } = default!;

    [Inject] private Microsoft.Extensions.Localization.IStringLocalizer<Ui> Text { get; set; } = default!;

    /// <summary>
    /// True once the component runs over the circuit (not just prerendered HTML): the panels say so
    /// in <c>data-ready</c>, so a person (and a test) knows the buttons answer.
    /// </summary>
    protected bool Interactive { get; private set; }

    /// <summary>The last refusal, shown until the next command.</summary>
    protected string? Error { get; set; }

    /// <summary>Which changes this component redraws for.</summary>
    protected abstract IReadOnlyCollection<RoomChangeKind> Watches { get; }

    /// <summary>Whether a change of the meeting itself (status, floor) matters here.</summary>
    protected virtual bool WatchesMeeting => false;

    protected abstract Task LoadAsync();

    protected async Task<string> ActorAsync() =>
        Authentication is null ? "unknown" : (await Authentication.ConfigureAwait(false)).User.Identity?.Name ?? "unknown";

    protected override async Task OnParametersSetAsync()
    {
        _room ??= Feed.Subscribe((change, _) => change.MeetingId == MeetingId && Watches.Contains(change.Kind) ? InvokeAsync(ReloadAsync) : Task.CompletedTask);
        if (WatchesMeeting)
        {
            _meetings ??= MeetingEvents.Subscribe((change, _) => change.Meeting.Id == MeetingId ? InvokeAsync(ReloadAsync) : Task.CompletedTask);
        }

        await LoadAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a command; a refusal becomes the message shown, never an error page. Every command of
    /// the chair's panels passes here, so this is where a scoped account meets the meeting's scope
    /// (the page hides nothing it may read, but runs nothing it may not).
    /// </summary>
    protected async Task RunAsync(Func<Task> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Error = null;
        try
        {
            var user = Authentication is null ? null : (await Authentication.ConfigureAwait(false)).User;
            if (!await MeetingAccess.AllowsAsync(Services, user, MeetingId, change: true, CancellationToken.None).ConfigureAwait(false))
            {
                Error = Text["AccReadOnlyOutOfScope"];
                return;
            }

            await command().ConfigureAwait(false);
        }
        catch (DomainException e)
        {
            Error = e.Message;
        }

        await LoadAsync().ConfigureAwait(false);
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            Interactive = true;
            StateHasChanged();
        }
    }

    private async Task ReloadAsync()
    {
        await LoadAsync().ConfigureAwait(false);
        StateHasChanged();
    }

    public void Dispose()
    {
        _room?.Dispose();
        _meetings?.Dispose();
        GC.SuppressFinalize(this);
    }
}
