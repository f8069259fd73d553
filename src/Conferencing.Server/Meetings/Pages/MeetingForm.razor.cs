using System.Globalization;
using System.Text;
using Conferencing.Server.Accounts;
using Conferencing.Server.Common;
using Conferencing.Server.Components;
using Conferencing.Server.Components.Shared;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Sites;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.Localization;

namespace Conferencing.Server.Meetings.Pages;

/// <summary>
/// Schedules or edits a meeting. The page holds a draft and sends it to <see cref="MeetingService"/>
/// whole, so every rule is the service's; while the secretariat picks the time and the sites, the
/// page asks the service for a dry run of the conflict check and shows the answer inline.
/// </summary>
public sealed partial class MeetingForm : IDisposable
{
    /// <summary>How long the form waits after the last change before it asks about conflicts.</summary>
    private static readonly TimeSpan CheckDelay = TimeSpan.FromMilliseconds(300);
    private const int PageSize = 50;

    private readonly HashSet<string> _ticked = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _fieldErrors = new(StringComparer.Ordinal);
    private List<DelegateRow> _delegates = [];
    private List<AgendaRow> _agenda = [];
    private SiteIndex? _index;
    private HashSet<string> _withEndpoints = new(StringComparer.Ordinal);
    private Meeting? _original;
    private string? _loadProblem;
    private string _title = "";
    private string? _description;
    private bool _phoneDigitsProof;
    private MeetingKind _kind = MeetingKind.ProvinceHosted;
    private string? _host;
    private DateOnly _startDate;
    private TimeOnly _startTime = new(8, 0);
    private DateOnly _endDate;
    private TimeOnly _endTime = new(10, 0);

    // Text fields in the interface's form (dd/MM/yyyy, 24-hour); a value that does not read keeps the last good one.
    private string StartDateText { get => LocalInput.Day(_startDate); set => _startDate = LocalInput.ParseDay(value) ?? _startDate; }

    private string StartTimeText { get => LocalInput.Time(_startTime); set => _startTime = LocalInput.ParseTime(value) ?? _startTime; }

    private string EndDateText { get => LocalInput.Day(_endDate); set => _endDate = LocalInput.ParseDay(value) ?? _endDate; }

    private string EndTimeText { get => LocalInput.Time(_endTime); set => _endTime = LocalInput.ParseTime(value) ?? _endTime; }
    private IReadOnlyList<MeetingConflict>? _conflicts;
    private bool _checking;
    private bool _checkedFree;
    private CancellationTokenSource? _pendingCheck;
    private string? _problem;
    private bool _localProblem;
    private bool _saving;
    private DelegateRow? _editing;
    private bool _editingIsNew;
    private string? _editingError;
    private string _delegateQuery = "";
    private int _delegatePage;
    private string? _importNotice;
    private IReadOnlyList<DelegateImportError>? _importErrors;
    private bool _confirmClearDelegates;

    [Inject]
    private MeetingService Meetings { get; set; } = default!;

    [Inject]
    private SiteStore Sites { get; set; } = default!;

    [Inject]
    private EndpointStore Endpoints { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private IStringLocalizer<Ui> T { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Parameter]
    public Guid? Id { get; set; }

    [SupplyParameterFromQuery(Name = "date")]
    private string? Date { get; set; }

    private bool IsNew => Id is null;

    private string BackLink => IsNew ? "/meetings" : $"/meetings/{Id}";

    /// <summary>The sites taking part as ticked now, the host first, in tree order.</summary>
    private IEnumerable<string> MeetingSites =>
        _ticked.Append(_host).OfType<string>().Distinct(StringComparer.Ordinal).OrderBy(c => _index!.OrderOf(c));

    private string TemplateHref =>
        "data:text/csv;charset=utf-8," + Uri.EscapeDataString("\uFEFF" + DelegateCsv.TemplateHeader + "\r\n" + T["TemplateExampleRow"] + "\r\n");

    protected override async Task OnInitializedAsync()
    {
        var tree = await Sites.LoadTreeAsync(CancellationToken.None);
        _withEndpoints = (await Endpoints.ListAsync(null, CancellationToken.None)).Select(e => e.SiteCode).ToHashSet(StringComparer.Ordinal);
        var today = VietnamTime.LocalDate(Time.GetUtcNow());
        if (Id is { } id)
        {
            var meeting = await Meetings.GetAsync(id, CancellationToken.None);
            if (meeting is null)
            {
                _loadProblem = T["ErrorNotFound"];
                return;
            }

            if (meeting.Status is not (MeetingStatus.Scheduled or MeetingStatus.Preparing))
            {
                _loadProblem = string.Format(CultureInfo.CurrentCulture, T["CannotEdit"], T["Status" + meeting.Status]);
                return;
            }

            Load(meeting);
        }
        else
        {
            _host = tree.Roots.FirstOrDefault()?.Code;
            _startDate = Display.ParseIsoDate(Date) is { } day && day >= today ? day : today.AddDays(1);
            if (_startDate == today)
            {
                // Later today: the next whole hour, so the suggestion is not already past.
                var now = VietnamTime.ToLocal(Time.GetUtcNow());
                _startTime = new TimeOnly(Math.Min(now.Hour + 1, 22), 0);
                _endTime = _startTime.AddHours(1);
            }

            _endDate = _startDate;
        }

        _index = new SiteIndex(tree);
        ScheduleCheck();
    }

    private void Load(Meeting meeting)
    {
        _original = meeting;
        _title = meeting.Title;
        _description = meeting.Description;
        _phoneDigitsProof = meeting.PhoneDigitsProof;
        _kind = meeting.Kind;
        _host = meeting.HostSiteCode;
        var start = VietnamTime.ToLocal(meeting.StartUtc);
        var end = VietnamTime.ToLocal(meeting.EndUtc);
        (_startDate, _startTime) = (DateOnly.FromDateTime(start.DateTime), TimeOnly.FromDateTime(start.DateTime));
        (_endDate, _endTime) = (DateOnly.FromDateTime(end.DateTime), TimeOnly.FromDateTime(end.DateTime));
        _ticked.Clear();
        _ticked.UnionWith(meeting.SiteCodes);
        _delegates = meeting.Delegates.Select(d => new DelegateRow { Id = d.Id, Name = d.Name, Title = d.Title, Unit = d.Unit, SiteCode = d.SiteCode, Phone = d.Phone }).ToList();
        _agenda = meeting.Agenda.Select(a => new AgendaRow { Id = a.Id, Title = a.Title, Presenter = a.Presenter, Minutes = a.DurationMinutes }).ToList();
    }

    private bool HostFilter(Site site) => _kind == MeetingKind.CommuneLevel
        ? site.Level is SiteLevel.District or SiteLevel.Commune
        : site.Level is SiteLevel.Province or SiteLevel.Department;

    private Task SetKindAsync(MeetingKind kind)
    {
        _kind = kind;
        if (_host is not null && _index!.Find(_host) is { } host && !HostFilter(host.Site))
        {
            // A commune cannot host a province meeting, nor the province a commune one: choose again.
            _host = kind == MeetingKind.CommuneLevel ? null : _index.Tree.Roots.FirstOrDefault()?.Code;
        }

        ScheduleCheck();
        return Task.CompletedTask;
    }

    private Task SetHostAsync(string? code)
    {
        _host = code;
        _fieldErrors.Remove("hostSiteCode");
        ScheduleCheck();
        return Task.CompletedTask;
    }

    private void OnStartDateChanged()
    {
        // The end follows the start day unless the secretariat set a different one on purpose.
        if (_endDate < _startDate || _original is null)
        {
            _endDate = _startDate;
        }

        ScheduleCheck();
    }

    private bool TryTimes(out DateTimeOffset start, out DateTimeOffset end)
    {
        start = VietnamTime.FromLocal(_startDate, _startTime);
        end = VietnamTime.FromLocal(_endDate, _endTime);
        return end > start && end - start <= Meeting.MaxDuration && end > Time.GetUtcNow();
    }

    /// <summary>Asks for a dry run shortly after the last change, dropping any earlier request.</summary>
    private void ScheduleCheck()
    {
        _pendingCheck?.Cancel();
        _pendingCheck?.Dispose();
        _pendingCheck = new CancellationTokenSource();
        _checkedFree = false;
        if (_host is null || !TryTimes(out _, out _))
        {
            _conflicts = null;
            _checking = false;
            return;
        }

        _checking = true;
        _ = CheckLaterAsync(_pendingCheck.Token);
    }

    private async Task CheckLaterAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(CheckDelay, cancellationToken);
            var conflicts = await Meetings.CheckConflictsAsync(Id, BuildDetails(forCheck: true), await ActorAsync(), cancellationToken);
            if (!cancellationToken.IsCancellationRequested)
            {
                _conflicts = conflicts;
                _checkedFree = conflicts.Count == 0;
                _checking = false;
                await InvokeAsync(StateHasChanged);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is DomainException or System.Data.Common.DbException or TimeoutException)
        {
            // The draft is not complete enough to check yet (saving will say what is missing), or
            // the store did not answer this time; the save checks again under the schedule lock.
            _checking = false;
            _conflicts = null;
            await InvokeAsync(StateHasChanged);
        }
    }

    private async Task UntickAsync(MeetingConflict conflict)
    {
        foreach (var site in conflict.Sites)
        {
            _ticked.Remove(site.Code);
        }

        ScheduleCheck();
        await Task.CompletedTask;
    }

    private MeetingDetails BuildDetails(bool forCheck)
    {
        TryTimes(out var start, out var end);
        var sitesNow = MeetingSites.ToHashSet(StringComparer.Ordinal);

        // An edit that leaves the sites as they were keeps the meeting's own selection (which may
        // say "every commune under the province" in a way the ticks cannot).
        var unchanged = _original is not null && sitesNow.SetEquals(_original.SiteCodes);
        var selection = unchanged ? null : SiteSelections.FromTicked(_index!.Tree, sitesNow);
        return new MeetingDetails(
            forCheck && string.IsNullOrWhiteSpace(_title) ? "…" : _title,
            _description ?? "",
            _kind,
            _host,
            start,
            end,
            selection,
            forCheck ? [] : _delegates.Select(d => new DelegateInput(d.Id, d.Name, d.Title, d.Unit, d.SiteCode, d.Phone)).ToList(),
            forCheck ? [] : _agenda.Select(a => new AgendaInput(a.Id, a.Title, a.Presenter, a.Minutes)).ToList(),
            PhoneDigitsProof: _phoneDigitsProof);
    }

    private bool ValidateLocally()
    {
        _fieldErrors.Clear();
        if (string.IsNullOrWhiteSpace(_title))
        {
            _fieldErrors["title"] = T["ErrorField_title"];
        }

        if (_host is null)
        {
            _fieldErrors["hostSiteCode"] = T["ErrorField_hostSiteCode"];
        }

        var start = VietnamTime.FromLocal(_startDate, _startTime);
        var end = VietnamTime.FromLocal(_endDate, _endTime);
        if (end <= start)
        {
            _fieldErrors["endUtc"] = T["ErrorEndBeforeStart"];
        }
        else if (end - start > Meeting.MaxDuration)
        {
            _fieldErrors["endUtc"] = T["ErrorTooLong"];
        }
        else if (end <= Time.GetUtcNow())
        {
            _fieldErrors["endUtc"] = T["ErrorAlreadyOver"];
        }

        if (_delegates.Any(d => d.SiteCode is null || !IsMeetingSite(d.SiteCode)))
        {
            _fieldErrors["delegates"] = T["ErrorDelegatesOutside"];
        }

        if (_agenda.Any(a => string.IsNullOrWhiteSpace(a.Title)))
        {
            _fieldErrors["agenda"] = T["ErrorAgendaTitle"];
        }

        return _fieldErrors.Count == 0;
    }

    /// <summary>
    /// After a save refused by the form's own checks, every render checks again, so the banner and
    /// a field's mark go as soon as the field is fixed rather than staying until the next save.
    /// </summary>
    private void RefreshLocalProblem()
    {
        if (_localProblem && ValidateLocally())
        {
            _problem = null;
            _localProblem = false;
        }
    }

    private async Task SaveAsync()
    {
        _problem = null;
        _localProblem = false;
        if (!ValidateLocally())
        {
            _problem = T["FixMarkedFields"];
            _localProblem = true;
            return;
        }

        _saving = true;
        try
        {
            var actor = await ActorAsync();
            var details = BuildDetails(forCheck: false);
            if (!await WithinScopeAsync(details))
            {
                _problem = T["AccOutOfScope"];
                return;
            }

            var saved = _original is null
                ? await Meetings.ScheduleAsync(details, actor, CancellationToken.None)
                : await Meetings.UpdateAsync(_original.Id, _original.Version, details, actor, CancellationToken.None);
            Navigation.NavigateTo($"/meetings/{saved.Id}");
        }
        catch (DomainException e) when (e.Code == "meeting.endpoint-conflict" && e.Details.TryGetValue("conflicts", out var found) && found is IReadOnlyList<MeetingConflict> conflicts)
        {
            // Someone booked the same rooms since the last dry run.
            _conflicts = conflicts;
            _checkedFree = false;
        }
        catch (DomainException e)
        {
            _problem = UiErrors.Describe(e, T);
            if (e.Kind == DomainErrorKind.Invalid && e.Field is { } field)
            {
                _fieldErrors[RootField(field)] = _problem;
            }
        }
        finally
        {
            _saving = false;
        }
    }

    private static string RootField(string field)
    {
        var end = field.IndexOfAny(['.', '[']);
        return end < 0 ? field : field[..end];
    }

    private RenderFragment? FieldError(string field) => _fieldErrors.TryGetValue(field, out var message)
        ? builder =>
        {
            builder.OpenElement(0, "span");
            builder.AddAttribute(1, "class", "field-error");
            builder.AddAttribute(2, "data-field", field);
            builder.AddContent(3, message);
            builder.CloseElement();
        }
        : null;

    private bool IsMeetingSite(string code) => code == _host || _ticked.Contains(code);

    /// <summary>The same rule as the API's: a scoped account schedules only meetings wholly within its scope.</summary>
    private async Task<bool> WithinScopeAsync(MeetingDetails details)
    {
        var user = (await AuthenticationState).User;
        if (StaffScopes.ScopeOf(user) is null)
        {
            return true;
        }

        var tree = await Sites.LoadTreeAsync(CancellationToken.None);
        var scope = StaffScopes.For(user, tree);
        try
        {
            var proposed = Meeting.Schedule(Guid.NewGuid(), details, tree, user.Identity?.Name ?? "", Time.GetUtcNow());
            return scope.CanRun(proposed) && (_original is null || scope.CanRun(_original));
        }
        catch (DomainException)
        {
            // The save refuses the details with its own message.
            return true;
        }
    }

    private async Task<string> ActorAsync() => (await AuthenticationState).User.Identity?.Name ?? "unknown";

    // Delegates ---------------------------------------------------------------------------------

    private List<(DelegateRow Row, int Number)> FilteredDelegates()
    {
        var numbered = _delegates.Select((d, i) => (d, i + 1));
        if (string.IsNullOrWhiteSpace(_delegateQuery))
        {
            return numbered.ToList();
        }

        var words = VietnameseText.Fold(_delegateQuery).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return numbered.Where(x =>
        {
            var text = VietnameseText.Fold($"{x.d.Name} {x.d.Title} {x.d.Unit} {(x.d.SiteCode is null ? "" : _index!.NameOf(x.d.SiteCode))}");
            return words.All(w => text.Contains(w, StringComparison.Ordinal));
        }).ToList();
    }

    private void AddDelegate()
    {
        _editing = new DelegateRow { Id = Guid.NewGuid(), SiteCode = MeetingSites.Count() == 1 ? _host : null };
        _editingIsNew = true;
        _editingError = null;
    }

    private void EditDelegate(DelegateRow row)
    {
        _editing = row.Copy();
        _editingIsNew = false;
        _editingError = null;
    }

    private void SaveDelegate()
    {
        var row = _editing!;
        row.Name = row.Name?.Trim() ?? "";
        row.Phone = string.IsNullOrWhiteSpace(row.Phone) ? null : row.Phone.Trim();
        if (row.Name.Length == 0)
        {
            _editingError = T["ErrorField_name"];
            return;
        }

        if (string.IsNullOrEmpty(row.SiteCode))
        {
            _editingError = T["ErrorField_siteCode"];
            return;
        }

        if (row.Phone is not null && !Meeting.IsPhoneNumber(row.Phone))
        {
            _editingError = T["ErrorField_phone"];
            return;
        }

        var index = _delegates.FindIndex(d => d.Id == row.Id);
        if (_editingIsNew || index < 0)
        {
            _delegates.Add(row);
        }
        else
        {
            _delegates[index] = row;
        }

        _editing = null;
        _fieldErrors.Remove("delegates");
    }

    private void ClearDelegates()
    {
        _delegates.Clear();
        _confirmClearDelegates = false;
        _delegatePage = 0;
    }

    private async Task ImportAsync(InputFileChangeEventArgs e)
    {
        _importNotice = null;
        _importErrors = null;
        var file = e.File;
        if (file.Size > DelegateCsv.MaxBytes)
        {
            _importErrors = [new DelegateImportError(0, DelegateImportProblem.TooLarge)];
            return;
        }

        using var buffer = new MemoryStream();
        await using (var stream = file.OpenReadStream(DelegateCsv.MaxBytes))
        {
            await stream.CopyToAsync(buffer);
        }

        var result = DelegateCsv.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), _index!, MeetingSites.ToList(), _delegates.Count);
        if (!result.Ok)
        {
            _importErrors = result.Errors;
            return;
        }

        _delegates.AddRange(result.Delegates.Select(d => new DelegateRow { Id = d.Id ?? Guid.NewGuid(), Name = d.Name ?? "", Title = d.Title, Unit = d.Unit, SiteCode = d.SiteCode, Phone = d.Phone }));
        _importNotice = string.Format(CultureInfo.CurrentCulture, T["ImportedDelegates"], result.Delegates.Count, file.Name);
        _fieldErrors.Remove("delegates");
    }

    private string ImportErrorText(DelegateImportError error)
    {
        var text = new StringBuilder();
        if (error.Line > 0)
        {
            text.Append(string.Format(CultureInfo.CurrentCulture, T["ImportLine"], error.Line)).Append(": ");
        }

        text.Append(string.Format(CultureInfo.CurrentCulture, T["Import" + error.Problem], error.Value, DelegateCsv.MaxBytes / 1024 / 1024, Meeting.MaxDelegates));
        return text.ToString();
    }

    // Agenda ------------------------------------------------------------------------------------

    private void AddAgendaItem() => _agenda.Add(new AgendaRow { Id = Guid.NewGuid() });

    private void MoveAgenda(int index, int by)
    {
        var target = index + by;
        if (target < 0 || target >= _agenda.Count)
        {
            return;
        }

        (_agenda[index], _agenda[target]) = (_agenda[target], _agenda[index]);
    }

    public void Dispose()
    {
        _pendingCheck?.Cancel();
        _pendingCheck?.Dispose();
    }

    private sealed class DelegateRow
    {
        public Guid Id { get; set; }

        public string Name { get; set; } = "";

        public string? Title { get; set; }

        public string? Unit { get; set; }

        public string? SiteCode { get; set; }

        public string? Phone { get; set; }

        public DelegateRow Copy() => (DelegateRow)MemberwiseClone();
    }

    private sealed class AgendaRow
    {
        public Guid Id { get; set; }

        public string Title { get; set; } = "";

        public string? Presenter { get; set; }

        public int? Minutes { get; set; }
    }
}
