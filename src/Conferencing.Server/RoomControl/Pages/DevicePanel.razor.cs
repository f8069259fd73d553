using System.Collections.Concurrent;
using System.Globalization;
using Conferencing.Devices.Agent;
using Conferencing.Server.Accounts;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Conferencing.Server.RoomControl.Pages;

public sealed partial class DevicePanel
{
    private static readonly (int Number, string Label)[] CameraButtons =
        [(CameraPresets.Wide, "DevPresetWide"), (CameraPresets.Chair, "DevPresetChair"), (CameraPresets.Speaker, "DevPresetSpeaker")];

    /// <summary>PJLink inputs a room uses: digital 1 and 2 (HDMI), RGB 1, network.</summary>
    private static readonly string[] Inputs = ["31", "32", "11", "51"];

    private readonly ConcurrentDictionary<(string Site, string Device), byte> _busy = new();
    private readonly ConcurrentDictionary<(string Site, string Device), CommandAttempt> _last = new();
    private List<SiteDevice>? _devices;
    private HashSet<string> _codes = new(StringComparer.Ordinal);
    private SiteTree? _tree;
    private string _actor = "anonymous";
    private bool _canAct;
    private bool _subscribed;
    private BulkRun? _bulk;

    /// <summary>On the meeting page: the meeting whose sites are shown.</summary>
    [Parameter] public Meeting? Meeting { get; set; }

    /// <summary>On the meeting page: the reader may run the meeting.</summary>
    [Parameter] public bool CanAct { get; set; }

    /// <summary>On the dashboard: the area (a site and everything under it); null for every site the reader may see.</summary>
    [Parameter] public string? SiteCode { get; set; }

    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        var user = AuthenticationState is null ? null : (await AuthenticationState).User;
        _actor = user?.Identity?.Name ?? "anonymous";
        _tree = await Sites.LoadTreeAsync(CancellationToken.None);
        var scope = StaffScopes.For(user, _tree);
        IEnumerable<string> codes = Meeting is { } m
            ? m.SiteCodes.Append(m.HostSiteCode)
            : SiteCode is { Length: > 0 } area && _tree.TryGet(area, out _) ? _tree.Subtree(area).Select(s => s.Code) : _tree.All.Select(s => s.Code);
        _codes = codes.Where(scope.Contains).ToHashSet(StringComparer.Ordinal);
        // Room actions follow the meeting page's rule there (who may run the meeting); on the dashboard every staff role may use them (the API's rule).
        _canAct = Meeting is null ? user is not null && (user.IsInRole(StaffRoles.Admin) || user.IsInRole(StaffRoles.Technician) || user.IsInRole(StaffRoles.Secretariat)) : CanAct;
        await ReloadAsync();
        if (RendererInfo.IsInteractive && !_subscribed)
        {
            _subscribed = true;
            Store.StateSaved += OnStateSaved;
            Presence.Changed += OnPresenceChanged;
        }
    }

    private async Task ReloadAsync() =>
        _devices = [.. (await Store.DevicesAsync(_codes, CancellationToken.None)).OrderBy(d => NameOf(d.SiteCode), StringComparer.CurrentCulture).ThenBy(d => d.Device.Kind)];

    private void OnStateSaved(Guid agentId, string siteCode, DeviceState state)
    {
        if (!_codes.Contains(siteCode))
        {
            return;
        }

        _ = InvokeAsync(() =>
        {
            if (_devices is null)
            {
                return;
            }

            var i = _devices.FindIndex(d => d.AgentId == agentId && d.Device.Id == state.DeviceId);
            if (i >= 0)
            {
                _devices[i] = _devices[i] with { State = state };
                StateHasChanged();
            }
        });
    }

    private void OnPresenceChanged(Guid agentId, bool online) => _ = InvokeAsync(async () =>
    {
        // A reconnecting agent resynchronizes its devices: read them again.
        await ReloadAsync();
        StateHasChanged();
    });

    private async Task RunAsync(SiteDevice device, DeviceAction action, string? argument)
    {
        if ((action == DeviceAction.SetInput && string.IsNullOrEmpty(argument)) || !_busy.TryAdd(Key(device), 0))
        {
            return;
        }

        try
        {
            var attempt = await Commands.RunAsync(device, action, argument, _actor, CancellationToken.None);
            _last[Key(device)] = attempt;
            Apply(attempt);
        }
        finally
        {
            _busy.TryRemove(Key(device), out _);
        }
    }

    /// <summary>One action on every device of a kind in view, bounded like the API's bulk action, the page updated as each answers.</summary>
    private async Task BulkAsync(DeviceAction action, Func<SiteDevice, bool> which, string? argument)
    {
        if (_devices is null || _bulk is { Finished: false })
        {
            return;
        }

        var targets = _devices.Where(which).ToList();
        var run = _bulk = new BulkRun(targets.Count);
        StateHasChanged();
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = Options.Value.BulkParallelism }, async (d, ct) =>
        {
            var attempt = await Commands.RunAsync(d, action, argument, _actor, ct);
            run.Add(attempt);
            await InvokeAsync(() =>
            {
                Apply(attempt);
                StateHasChanged();
            });
        });
        run.Finished = true;
    }

    private void Apply(CommandAttempt attempt)
    {
        if (_devices is null || attempt.Result?.State is not { } state)
        {
            return;
        }

        var i = _devices.FindIndex(d => d.SiteCode == attempt.SiteCode && d.Device.Id == attempt.DeviceId);
        if (i >= 0)
        {
            _devices[i] = _devices[i] with { State = state };
        }
    }

    private static bool IsDisplay(SiteDevice d) => d.Device.Kind is DeviceKind.Display or DeviceKind.Projector;

    private static bool IsCamera(SiteDevice d) => d.Device.Kind == DeviceKind.Camera;

    private static (string, string) Key(SiteDevice d) => (d.SiteCode, d.Device.Id);

    private bool Busy(SiteDevice d) => _busy.ContainsKey(Key(d));

    private static string Preset(int number) => number.ToString(CultureInfo.InvariantCulture);

    private static string Outcome(CommandAttempt a) => a.Result?.Outcome.ToString() ?? a.Delivery.ToString();

    private string NameOf(string code) => _tree is not null && _tree.TryGet(code, out var site) ? site.Name : code;

    private string DeviceName(string site, string id) => _devices?.FirstOrDefault(d => d.SiteCode == site && d.Device.Id == id)?.Device.Name ?? id;

    private string PowerText(DeviceState? state) => state switch
    {
        null => T["DevNoState"],
        { Reachable: false } => T["DevUnreachable"],
        { Power: { } power } when T["DevPower_" + power] is { ResourceNotFound: false } text => text,
        { Power: { } power } => power,
        _ => T["DevNoState"],
    };

    private string InputName(string code) => T["DevInput_" + code] is { ResourceNotFound: false } text ? text : code;

    private string PresetName(int preset) => CameraButtons.FirstOrDefault(b => b.Number == preset) is { Label: { } label } ? T[label] : string.Format(CultureInfo.CurrentCulture, T["DevPresetNumber"], preset);

    public void Dispose()
    {
        if (_subscribed)
        {
            Store.StateSaved -= OnStateSaved;
            Presence.Changed -= OnPresenceChanged;
        }
    }

    /// <summary>A bulk action under way: results as they come (from many threads), shown in the order they came.</summary>
    private sealed class BulkRun(int total)
    {
        private readonly Lock _lock = new();
        private readonly List<CommandAttempt> _results = [];

        public int Total { get; } = total;

        public bool Finished { get; set; }

        public int Done
        {
            get { lock (_lock) { return _results.Count; } }
        }

        public int Succeeded
        {
            get { lock (_lock) { return _results.Count(r => r.Succeeded); } }
        }

        public void Add(CommandAttempt attempt)
        {
            lock (_lock)
            {
                _results.Add(attempt);
            }
        }

        public IReadOnlyList<CommandAttempt> Snapshot()
        {
            lock (_lock)
            {
                return [.. _results];
            }
        }
    }
}
