using System.Globalization;
using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Components.Shared;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.LiveMeetings;
using Conferencing.Server.Relaying;
using Conferencing.Server.Sites;
using Conferencing.Server.Store;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Localization;

namespace Conferencing.Server.Meetings.Pages;

/// <summary>
/// One meeting, before, during and after: lifecycle, roll call per site, the floor, and each site's
/// connection. Commands go to <see cref="MeetingService"/>; the page redraws from the meeting's
/// committed changes (<see cref="MeetingEvents"/>) and the endpoints' presence, so two people
/// running one meeting from two browsers see each other's changes at once.
/// </summary>
public sealed partial class MeetingPage : IDisposable
{
    private IDisposable? _subscription;
    private IDisposable? _callSubscription;
    private string? _floorAsk;
    private CultureInfo _culture = CultureInfo.CurrentCulture;
    private CultureInfo _uiCulture = CultureInfo.CurrentUICulture;
    private Meeting? _meeting;
    private SiteIndex? _index;
    private readonly Dictionary<Guid, EndpointPresence> _presence = [];
    private List<Row> _rows = [];
    private IReadOnlyList<AuditEntry> _history = [];
    private bool _notFound;
    private bool _canAct;
    private bool _outOfScope;
    private bool _readOnlyByScope;
    private bool _busy;
    private string? _problem;
    private Command? _confirm;
    private string _cancelReason = "";
    private string? _absentFor;
    private string _absentReason = "";
    private string _filter = "";
    private RowView _view = RowView.All;

    private enum Command
    {
        Prepare,
        Start,
        End,
        Cancel,
    }

    private enum RowView
    {
        All,
        Unrecorded,
        Absent,
        Down,
    }

    [Inject]
    private MeetingService Meetings { get; set; } = default!;

    [Inject]
    private MeetingEvents Events { get; set; } = default!;

    [Inject]
    private PresenceService Presence { get; set; } = default!;

    [Inject]
    private LiveSiteStates SiteStates { get; set; } = default!;

    [Inject]
    private LiveCalls Calls { get; set; } = default!;

    [Inject]
    private SiteStore Sites { get; set; } = default!;

    [Inject]
    private AuditLog Audit { get; set; } = default!;

    [Inject]
    private IEnumerable<MeetingPanel> RegisteredPanels { get; set; } = default!;

    [Inject]
    private IStringLocalizer<Ui> T { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Parameter]
    public Guid Id { get; set; }

    private bool RollCallOpen => _meeting?.Status is MeetingStatus.Preparing or MeetingStatus.Live or MeetingStatus.Ended;

    private Dictionary<string, object?> PanelParameters => new() { ["Meeting"] = _meeting, ["CanAct"] = _canAct };

    protected override async Task OnInitializedAsync()
    {
        (_culture, _uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        var user = (await AuthenticationState).User;
        _canAct = user.IsInRole(StaffRoles.Admin) || user.IsInRole(StaffRoles.Secretariat);
        var tree = await Sites.LoadTreeAsync(CancellationToken.None);
        var scope = StaffScopes.For(user, tree);
        _index = new SiteIndex(tree);
        foreach (var p in await Presence.SnapshotAsync(CancellationToken.None))
        {
            _presence[p.EndpointId] = p;
        }

        // Subscribe before reading the meeting so that no change falls between the read and the feed;
        // the version check below drops anything older than what was read.
        _subscription = Events.Subscribe(OnMeetingChangedAsync);
        Presence.Changed += OnPresenceChanged;
        _callSubscription = Calls.Subscribe(OnCallsChanged);
        var meeting = await Meetings.GetAsync(Id, CancellationToken.None);
        if (meeting is null || !scope.CanSee(meeting))
        {
            _notFound = true;
            _outOfScope = meeting is not null;
            return;
        }

        // A meeting reaching outside the account's scope is shown, read only.
        _readOnlyByScope = !scope.CanRun(meeting);
        _canAct &= !_readOnlyByScope;
        Accept(meeting);
        await LoadHistoryAsync();
    }

    private Task OnMeetingChangedAsync(MeetingChanged change, CancellationToken cancellationToken)
    {
        // The command that made the change waits for its listeners, so hand over and return.
        if (change.Meeting.Id == Id)
        {
            Post(async () =>
            {
                if (Accept(change.Meeting))
                {
                    StateHasChanged();
                    await LoadHistoryAsync();
                    StateHasChanged();
                }
            });
        }

        return Task.CompletedTask;
    }

    private void OnPresenceChanged(EndpointPresence presence) => Post(() =>
    {
        // Keepalive round trips change every probe; the page shows states, so only those redraw it.
        var changed = !_presence.TryGetValue(presence.EndpointId, out var before) || before.State != presence.State;
        _presence[presence.EndpointId] = presence;
        if (changed && _meeting is not null && _meeting.SiteCodes.Contains(presence.SiteCode, StringComparer.Ordinal))
        {
            BuildRows();
            StateHasChanged();
        }

        return Task.CompletedTask;
    });

    private void OnCallsChanged(MeetingCall call, CallChangeKind kind)
    {
        // Statistics come every second: the page redraws only when a site's state changes.
        if (call.MeetingId != Id)
        {
            return;
        }

        Post(() =>
        {
            if (_meeting is not null)
            {
                var before = _rows.Select(r => r.State).ToList();
                BuildRows();
                if (!before.SequenceEqual(_rows.Select(r => r.State), SiteStateComparer.Instance))
                {
                    StateHasChanged();
                }
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// Runs work on this page's circuit without waiting for it. The callers are the registrar and the
    /// meeting feed: nothing that happens to one browser page (closed, disconnected, a failed query)
    /// may come back to them.
    /// </summary>
    private void Post(Func<Task> work) => _ = PostAsync(work);

    private async Task PostAsync(Func<Task> work)
    {
        try
        {
            // The work runs on the circuit but in the caller's execution context, whose culture is
            // the process default: without this, a live update redraws an English page with the
            // fallback (Vietnamese) strings and invariant number formats.
            await InvokeAsync(() =>
            {
                CultureInfo.CurrentCulture = _culture;
                CultureInfo.CurrentUICulture = _uiCulture;
                return work();
            });
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or System.Data.Common.DbException or TimeoutException)
        {
            // The page is gone or the store hiccuped; the next change or a reload brings it up to date.
        }
    }

    /// <summary>Takes a newer version of the meeting; an older one (a late event) is ignored.</summary>
    private bool Accept(Meeting meeting)
    {
        if (_meeting is not null && meeting.Version <= _meeting.Version)
        {
            return false;
        }

        _meeting = meeting;
        BuildRows();
        return true;
    }

    private void BuildRows()
    {
        var meeting = _meeting!;
        var bySite = _presence.Values.GroupBy(p => p.SiteCode, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var attendance = meeting.RollCall.ToDictionary(r => r.SiteCode, StringComparer.Ordinal);
        var states = SiteStates.For(meeting, _presence.Values).ToDictionary(s => s.SiteCode, StringComparer.Ordinal);
        _rows = meeting.SiteCodes
            .OrderBy(c => c == meeting.HostSiteCode ? -1 : _index!.OrderOf(c))
            .Select(code =>
            {
                var entry = _index!.Find(code);
                return new Row(
                    code,
                    entry?.Site.Name ?? code,
                    entry?.Path ?? "",
                    entry?.Folded ?? VietnameseText.Fold(code),
                    bySite.TryGetValue(code, out var endpoints) ? SiteConnection.Of(endpoints) : SiteConnection.None,
                    attendance.GetValueOrDefault(code),
                    states[code]);
            })
            .ToList();
    }

    private IEnumerable<Row> VisibleRows()
    {
        var words = VietnameseText.Fold(_filter).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return _rows.Where(r => words.All(w => r.Folded.Contains(w, StringComparison.Ordinal)) && _view switch
        {
            RowView.Unrecorded => r.Attendance is null,
            RowView.Absent => r.Attendance?.Status == AttendanceStatus.Absent,
            RowView.Down => r.State.Color is "red" or "grey" or "amber",
            _ => true,
        });
    }

    private int CountAttendance(AttendanceStatus status) => _rows.Count(r => r.Attendance?.Status == status);

    private IEnumerable<MeetingPanel> Panels(MeetingPanelPlace place) => RegisteredPanels.Where(p => p.Place == place).OrderBy(p => p.Order);

    private async Task LoadHistoryAsync() =>
        _history = await Audit.ListAsync("meeting", Id.ToString(), 100, CancellationToken.None);

    private async Task RunAsync(Command command)
    {
        await ActAsync(actor => command switch
        {
            Command.Prepare => Meetings.PrepareAsync(Id, null, actor, CancellationToken.None),
            Command.Start => Meetings.StartAsync(Id, null, actor, CancellationToken.None),
            Command.End => Meetings.EndAsync(Id, null, actor, CancellationToken.None),
            _ => Meetings.CancelAsync(Id, null, _cancelReason, actor, CancellationToken.None),
        });
        if (_problem is null)
        {
            _confirm = null;
            _cancelReason = "";
        }
    }

    private void AskAbsent(string code)
    {
        _absentFor = code;
        _absentReason = "";
    }

    private async Task RecordAsync(string code, AttendanceStatus status, string? reason)
    {
        await ActAsync(actor => Meetings.RecordAttendanceAsync(Id, code, status, reason, null, null, actor, CancellationToken.None));
        if (_problem is null)
        {
            _absentFor = null;
        }
    }

    private Task MarkPresentAsync(IReadOnlyList<Row> rows) =>
        ActAsync(actor => Meetings.RecordAttendanceManyAsync(Id, rows.Select(r => new AttendanceInput(r.Code, AttendanceStatus.Present, null, null)).ToList(), null, actor, CancellationToken.None));

    /// <summary>Gives the floor at once, or asks first when a site other than the host speaks.</summary>
    private Task AskFloor(string code)
    {
        if (_meeting?.FloorSiteCode is not null)
        {
            _floorAsk = code;
            return Task.CompletedTask;
        }

        return GiveFloorAsync(code);
    }

    private async Task GiveFloorAsync(string? code)
    {
        await ActAsync(actor => Meetings.GiveFloorAsync(Id, code, null, actor, CancellationToken.None));
        _floorAsk = null;
    }

    /// <summary>Runs one command; the page takes the saved meeting at once (the feed brings it too).</summary>
    private async Task ActAsync(Func<string, Task<Meeting>> command)
    {
        if (!_canAct || _busy)
        {
            return;
        }

        _busy = true;
        _problem = null;
        try
        {
            var actor = (await AuthenticationState).User.Identity?.Name ?? "unknown";
            Accept(await command(actor));
        }
        catch (DomainException e)
        {
            _problem = UiErrors.Describe(e, T);
        }
        finally
        {
            _busy = false;
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _callSubscription?.Dispose();
        Presence.Changed -= OnPresenceChanged;
    }

    private sealed record Row(string Code, string Name, string Path, string Folded, SiteConnection Connection, RollCallEntry? Attendance, SiteMeetingState State);
}
