using System.Globalization;
using Conferencing.Server.Common;
using Conferencing.Server.Sites;

namespace Conferencing.Server.Meetings;

/// <summary>
/// The meeting aggregate. It holds every rule about one meeting and does no I/O: the caller loads it,
/// runs one command, and saves it with the version it loaded, so commands on one meeting are
/// serialized and a lost update is impossible.
/// </summary>
public sealed partial class Meeting
{
    public const int MaxTitleLength = 300;
    public const int MaxDelegates = 5000;
    public const int MaxAgendaItems = 200;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(7);

    private readonly List<MeetingDelegate> _delegates = [];
    private readonly List<AgendaItem> _agenda = [];
    private readonly SortedDictionary<string, RollCallEntry> _rollCall = new(StringComparer.Ordinal);
    private List<string> _siteCodes = [];

    private Meeting(Guid id)
    {
        Id = id;
    }

    public Guid Id { get; }

    /// <summary>Bumped by the store on every save; a command carrying an older one gets 409.</summary>
    public int Version { get; internal set; }

    public string Title { get; private set; } = "";

    public string? Description { get; private set; }

    public MeetingKind Kind { get; private set; }

    public MeetingStatus Status { get; private set; }

    public string HostSiteCode { get; private set; } = "";

    public DateTimeOffset StartUtc { get; private set; }

    public DateTimeOffset EndUtc { get; private set; }

    public SiteSelection Selection { get; private set; } = new([], []);

    /// <summary>Every participating site, the host included, sorted by code.</summary>
    public IReadOnlyList<string> SiteCodes => _siteCodes;

    public IReadOnlyList<MeetingDelegate> Delegates => _delegates;

    public IReadOnlyList<AgendaItem> Agenda => _agenda;

    public IReadOnlyCollection<RollCallEntry> RollCall => _rollCall.Values;

    public string CreatedBy { get; private set; } = "";

    public DateTimeOffset CreatedUtc { get; private set; }

    public DateTimeOffset UpdatedUtc { get; private set; }

    public DateTimeOffset? StartedUtc { get; private set; }

    public DateTimeOffset? EndedUtc { get; private set; }

    public string? CancelReason { get; private set; }

    /// <summary>
    /// The site that has the floor in a live meeting: its media is the program every site sees and
    /// hears. Null means the meeting's own feed (the central MCU for a relayed meeting, the host room
    /// otherwise).
    /// </summary>
    public string? FloorSiteCode { get; private set; }

    /// <summary>When the floor last changed hands; null while the meeting's own feed has it.</summary>
    public DateTimeOffset? FloorSinceUtc { get; private set; }

    /// <summary>
    /// The dial-in number and PIN, assigned when the meeting is scheduled (or, for a meeting stored
    /// before numbers existed, when it next changes while active). Null until then.
    /// </summary>
    public MeetingDialIn? DialIn { get; private set; }

    /// <summary>
    /// For a meeting relayed from central: the SIP URI the province relay dials to fetch central's
    /// feed. Null when central's MCU dials in instead (<c>number*pin</c> with the central account's
    /// digest credentials), which is the usual way.
    /// </summary>
    public string? FeedUri { get; private set; }

    /// <summary>
    /// Whether a delegate may prove who they are on the room-code page with the last four digits of
    /// their phone instead of the PIN. Off unless the secretariat turns it on for the meeting: four
    /// digits are guessable and a phone number is known to many.
    /// </summary>
    public bool PhoneDigitsProof { get; private set; }

    /// <summary>Active meetings hold their endpoints; ended and cancelled ones free them.</summary>
    public bool HoldsEndpoints => Status is MeetingStatus.Scheduled or MeetingStatus.Preparing or MeetingStatus.Live;

    public static Meeting Schedule(Guid id, MeetingDetails details, SiteTree tree, string actor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(details);
        ArgumentNullException.ThrowIfNull(tree);
        var meeting = new Meeting(id)
        {
            Status = MeetingStatus.Scheduled,
            CreatedBy = actor,
            CreatedUtc = now,
            UpdatedUtc = now,
        };
        meeting.Apply(details, tree, now, creating: true);
        return meeting;
    }

    /// <summary>Changes what was scheduled; only before the meeting goes live.</summary>
    public void Update(MeetingDetails details, SiteTree tree, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(details);
        ArgumentNullException.ThrowIfNull(tree);
        if (Status is not (MeetingStatus.Scheduled or MeetingStatus.Preparing))
        {
            throw IllegalTransition("edit");
        }

        Apply(details, tree, now, creating: false);
        UpdatedUtc = now;
    }

    /// <summary>Opens the preparation window: technicians run test calls, sites turn green.</summary>
    public void Prepare(DateTimeOffset now)
    {
        if (Status != MeetingStatus.Scheduled)
        {
            throw IllegalTransition("prepare");
        }

        Status = MeetingStatus.Preparing;
        UpdatedUtc = now;
    }

    public void Start(DateTimeOffset now)
    {
        if (Status is not (MeetingStatus.Scheduled or MeetingStatus.Preparing))
        {
            throw IllegalTransition("start");
        }

        Status = MeetingStatus.Live;
        StartedUtc = now;
        UpdatedUtc = now;
    }

    public void End(DateTimeOffset now)
    {
        if (Status != MeetingStatus.Live)
        {
            throw IllegalTransition("end");
        }

        Status = MeetingStatus.Ended;
        EndedUtc = now;
        FloorSiteCode = null;
        FloorSinceUtc = null;
        UpdatedUtc = now;
    }

    /// <summary>
    /// Gives the floor to a participating site, or back to the meeting's own feed when
    /// <paramref name="siteCode"/> is null or the host site. Only a live meeting has a floor.
    /// </summary>
    /// <returns>False when that site already had the floor (nothing changed).</returns>
    public bool GiveFloor(string? siteCode, DateTimeOffset now)
    {
        if (Status != MeetingStatus.Live)
        {
            throw new DomainException(DomainErrorKind.Conflict, "meeting.not-live",
                $"The floor is given in a live meeting; '{Title}' is {Status}.",
                details: new Dictionary<string, object?> { ["meetingStatus"] = Status.ToString() });
        }

        var code = string.IsNullOrWhiteSpace(siteCode) ? null : siteCode.Trim();
        if (code is not null && _siteCodes.BinarySearch(code, StringComparer.Ordinal) < 0)
        {
            throw DomainException.Invalid("siteCode", $"Site '{code}' does not take part in this meeting.");
        }

        if (string.Equals(code, HostSiteCode, StringComparison.Ordinal))
        {
            code = null;
        }

        if (string.Equals(code, FloorSiteCode, StringComparison.Ordinal))
        {
            return false;
        }

        FloorSiteCode = code;
        FloorSinceUtc = code is null ? null : now;
        UpdatedUtc = now;
        return true;
    }

    public void Cancel(string? reason, DateTimeOffset now)
    {
        if (Status is not (MeetingStatus.Scheduled or MeetingStatus.Preparing))
        {
            throw IllegalTransition("cancel");
        }

        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 1000)
        {
            throw DomainException.Invalid("reason", "Cancelling a meeting needs a reason of 1 to 1000 characters.");
        }

        Status = MeetingStatus.Cancelled;
        CancelReason = reason.Trim();
        UpdatedUtc = now;
    }

    /// <summary>Records a site's attendance; a later call for the same site replaces the earlier one.</summary>
    public RollCallEntry RecordAttendance(string siteCode, AttendanceStatus status, string? reason, DateTimeOffset? arrivedUtc, string actor, DateTimeOffset now)
    {
        if (Status is not (MeetingStatus.Preparing or MeetingStatus.Live or MeetingStatus.Ended))
        {
            throw new DomainException(DomainErrorKind.Conflict, "meeting.illegal-transition",
                $"Roll call is taken while a meeting is preparing, live or just ended; this one is {Status}.");
        }

        if (_siteCodes.BinarySearch(siteCode, StringComparer.Ordinal) < 0)
        {
            throw DomainException.Invalid("siteCode", $"Site '{siteCode}' does not take part in this meeting.");
        }

        if (status == AttendanceStatus.Absent && string.IsNullOrWhiteSpace(reason))
        {
            throw DomainException.Invalid("reason", "An absent site needs a reason.");
        }

        if (reason is { Length: > 500 })
        {
            throw DomainException.Invalid("reason", "The reason is longer than 500 characters.");
        }

        var entry = new RollCallEntry(
            siteCode,
            status,
            string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(),
            status == AttendanceStatus.Late ? arrivedUtc ?? now : status == AttendanceStatus.Present ? arrivedUtc : null,
            actor,
            now);
        _rollCall[siteCode] = entry;
        UpdatedUtc = now;
        return entry;
    }

    /// <summary>Gives the meeting its dial-in number and PIN; a meeting keeps the first one it got.</summary>
    /// <returns>False when it already had one.</returns>
    internal bool AssignDialIn(MeetingDialIn dialIn)
    {
        ArgumentNullException.ThrowIfNull(dialIn);
        if (DialIn is not null)
        {
            return false;
        }

        DialIn = dialIn;
        return true;
    }

    private DomainException IllegalTransition(string verb) =>
        new(DomainErrorKind.Conflict, "meeting.illegal-transition",
            $"Cannot {verb} meeting '{Title}': it is {Status}. {Allowed(verb)}",
            details: new Dictionary<string, object?> { ["meetingStatus"] = Status.ToString() });

    private static string Allowed(string verb) => verb switch
    {
        "edit" => "Only a scheduled or preparing meeting can be edited.",
        "prepare" => "Only a scheduled meeting can move to preparing.",
        "start" => "Only a scheduled or preparing meeting can start.",
        "end" => "Only a live meeting can end.",
        "cancel" => "Only a scheduled or preparing meeting can be cancelled; a live one is ended instead.",
        _ => string.Empty,
    };

    private void Apply(MeetingDetails details, SiteTree tree, DateTimeOffset now, bool creating)
    {
        var title = creating || details.Title is not null ? details.Title?.Trim() : Title;
        if (string.IsNullOrWhiteSpace(title) || title.Length > MaxTitleLength)
        {
            throw DomainException.Invalid("title", $"A meeting needs a title of 1 to {MaxTitleLength} characters.");
        }

        var description = details.Description is null ? (creating ? null : Description) : details.Description.Trim();
        if (description is { Length: > 10_000 })
        {
            throw DomainException.Invalid("description", "The description is longer than 10,000 characters.");
        }

        var kind = details.Kind ?? (creating ? throw DomainException.Invalid("kind", "A meeting needs a kind: RelayedFromCentral, ProvinceHosted or CommuneLevel.") : Kind);
        if (!Enum.IsDefined(kind))
        {
            throw DomainException.Invalid("kind", "Kind must be RelayedFromCentral, ProvinceHosted or CommuneLevel.");
        }

        var hostCode = details.HostSiteCode?.Trim() ?? (creating ? throw DomainException.Invalid("hostSiteCode", "A meeting needs a host site.") : HostSiteCode);
        if (!tree.TryGet(hostCode, out var host))
        {
            throw DomainException.Invalid("hostSiteCode", $"No site '{hostCode}' exists.");
        }

        CheckHost(kind, host);

        var start = details.StartUtc ?? (creating ? throw DomainException.Invalid("startUtc", "A meeting needs a start time.") : StartUtc);
        var end = details.EndUtc ?? (creating ? throw DomainException.Invalid("endUtc", "A meeting needs an end time.") : EndUtc);
        start = start.ToUniversalTime();
        end = end.ToUniversalTime();
        if (end <= start)
        {
            throw DomainException.Invalid("endUtc", "The meeting must end after it starts.");
        }

        if (end - start > MaxDuration)
        {
            throw DomainException.Invalid("endUtc", "A meeting lasts at most 7 days.");
        }

        if ((creating || details.EndUtc is not null) && end <= now)
        {
            throw DomainException.Invalid("endUtc", string.Create(CultureInfo.InvariantCulture, $"The meeting would already be over (it ends {VietnamTime.FormatLocal(end)})."));
        }

        var feedUri = details.FeedUri is null ? (creating ? null : FeedUri) : (string.IsNullOrWhiteSpace(details.FeedUri) ? null : details.FeedUri.Trim());
        if (feedUri is not null)
        {
            if (kind != MeetingKind.RelayedFromCentral)
            {
                throw DomainException.Invalid("feedUri", "Only a meeting relayed from central takes a feed URI; the others take their program from the host site.");
            }

            Endpoints.EndpointRules.CheckSipUri(feedUri, "feedUri");
        }

        var selection = details.Sites ?? (creating ? new SiteSelection([], []) : Selection);
        var sites = ResolveSites(selection, hostCode, tree);
        var delegates = details.Delegates is null && !creating ? _delegates.ToList() : BuildDelegates(details.Delegates ?? [], sites);
        var agenda = details.Agenda is null && !creating ? _agenda.ToList() : BuildAgenda(details.Agenda ?? []);

        Title = title;
        Description = string.IsNullOrEmpty(description) ? null : description;
        Kind = kind;
        HostSiteCode = hostCode;
        StartUtc = start;
        EndUtc = end;
        Selection = selection;
        FeedUri = feedUri;
        PhoneDigitsProof = details.PhoneDigitsProof ?? (!creating && PhoneDigitsProof);
        _siteCodes = sites;
        _delegates.Clear();
        _delegates.AddRange(delegates);
        _agenda.Clear();
        _agenda.AddRange(agenda);
        foreach (var gone in _rollCall.Keys.Where(k => sites.BinarySearch(k, StringComparer.Ordinal) < 0).ToList())
        {
            _rollCall.Remove(gone);
        }
    }

    private static void CheckHost(MeetingKind kind, Site host)
    {
        var ok = kind switch
        {
            MeetingKind.RelayedFromCentral or MeetingKind.ProvinceHosted => host.Level is SiteLevel.Province or SiteLevel.Department,
            MeetingKind.CommuneLevel => host.Level is SiteLevel.District or SiteLevel.Commune,
            _ => false,
        };
        if (!ok)
        {
            throw DomainException.Invalid("hostSiteCode", kind == MeetingKind.CommuneLevel
                ? $"A commune-level meeting is hosted by a district or a commune, not by {host.Name}."
                : $"A {(kind == MeetingKind.ProvinceHosted ? "province-hosted" : "relayed")} meeting is hosted by the province or one of its departments, not by {host.Name}.");
        }
    }

    private static List<string> ResolveSites(SiteSelection selection, string hostCode, SiteTree tree)
    {
        var codes = new SortedSet<string>(StringComparer.Ordinal) { hostCode };
        var levels = selection.Levels is { Count: > 0 } l ? l.ToHashSet() : null;
        foreach (var (root, i) in (selection.Subtrees ?? []).Select((c, i) => (c, i)))
        {
            if (!tree.TryGet(root ?? "", out _))
            {
                throw DomainException.Invalid($"sites.subtrees[{i}]", $"No site '{root}' exists.");
            }

            foreach (var site in tree.Subtree(root!))
            {
                if (levels is null || levels.Contains(site.Level))
                {
                    codes.Add(site.Code);
                }
            }
        }

        foreach (var (code, i) in (selection.Sites ?? []).Select((c, i) => (c, i)))
        {
            if (!tree.TryGet(code ?? "", out _))
            {
                throw DomainException.Invalid($"sites.sites[{i}]", $"No site '{code}' exists.");
            }

            codes.Add(code!);
        }

        return [.. codes];
    }

    private static List<MeetingDelegate> BuildDelegates(IReadOnlyList<DelegateInput> inputs, List<string> sites)
    {
        if (inputs.Count > MaxDelegates)
        {
            throw DomainException.Invalid("delegates", $"A meeting has at most {MaxDelegates} delegates.");
        }

        var result = new List<MeetingDelegate>(inputs.Count);
        var ids = new HashSet<Guid>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var d = inputs[i] ?? throw DomainException.Invalid($"delegates[{i}]", "Delegate entry is empty.");
            if (string.IsNullOrWhiteSpace(d.Name) || d.Name.Length > 200)
            {
                throw DomainException.Invalid($"delegates[{i}].name", "A delegate needs a name of 1 to 200 characters.");
            }

            if (d.Title is { Length: > 200 } || d.Unit is { Length: > 300 })
            {
                throw DomainException.Invalid($"delegates[{i}]", "A delegate's title is at most 200 and unit at most 300 characters.");
            }

            if (d.SiteCode is null || sites.BinarySearch(d.SiteCode, StringComparer.Ordinal) < 0)
            {
                throw DomainException.Invalid($"delegates[{i}].siteCode", $"Delegate {d.Name} is placed at site '{d.SiteCode}', which does not take part in the meeting.");
            }

            if (d.Phone is { } phone && !IsPhoneNumber(phone))
            {
                throw DomainException.Invalid($"delegates[{i}].phone", $"'{phone}' is not a phone number.");
            }

            var id = d.Id ?? Guid.NewGuid();
            if (!ids.Add(id))
            {
                throw DomainException.Invalid($"delegates[{i}].id", "Two delegates have the same id.");
            }

            result.Add(new MeetingDelegate(id, d.Name.Trim(), Blank(d.Title), Blank(d.Unit), d.SiteCode, Blank(d.Phone)));
        }

        return result;
    }

    private static List<AgendaItem> BuildAgenda(IReadOnlyList<AgendaInput> inputs)
    {
        if (inputs.Count > MaxAgendaItems)
        {
            throw DomainException.Invalid("agenda", $"An agenda has at most {MaxAgendaItems} items.");
        }

        var result = new List<AgendaItem>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            var a = inputs[i] ?? throw DomainException.Invalid($"agenda[{i}]", "Agenda entry is empty.");
            if (string.IsNullOrWhiteSpace(a.Title) || a.Title.Length > 500)
            {
                throw DomainException.Invalid($"agenda[{i}].title", "An agenda item needs a title of 1 to 500 characters.");
            }

            if (a.DurationMinutes is < 1 or > 24 * 60)
            {
                throw DomainException.Invalid($"agenda[{i}].durationMinutes", "An agenda item lasts 1 to 1440 minutes.");
            }

            result.Add(new AgendaItem(a.Id ?? Guid.NewGuid(), i + 1, a.Title.Trim(), Blank(a.Presenter), a.DurationMinutes));
        }

        return result;
    }

    /// <summary>The phone rule for delegates: 6 or more digits, up to 20 characters of digits, '+', ' ', '.', '-'.</summary>
    internal static bool IsPhoneNumber(string phone) =>
        phone.Length <= 20 && phone.Count(char.IsAsciiDigit) >= 6 && phone.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '.' or '-');

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
