using System.Security.Cryptography;

namespace Conferencing.Server.Endpoints.Presence;

/// <summary>
/// The registrar's view of which digest user belongs to which endpoint, with its password at hand
/// (the digest callback is synchronous and runs on the packet path, so it must not touch the store).
/// It follows the store three ways: every change made through <see cref="EndpointStore"/> applies at
/// once (a deleted endpoint stops authenticating before the API answers), a full reload runs on a
/// schedule (for edits by another node), and an unknown user name asks for a reload at most once per
/// <see cref="MinOnDemandInterval"/>, so a flood of made-up names costs one query a second at most.
/// </summary>
internal sealed class DigestDirectory
{
    /// <summary>The shortest time between two reloads asked for by unknown user names.</summary>
    public static readonly TimeSpan MinOnDemandInterval = TimeSpan.FromSeconds(1);

    private readonly EndpointStore _store;
    private readonly TimeProvider _time;
    private readonly Action<Exception> _loadFailed;
    private readonly Lock _gate = new();
    private Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private long _version;
    private int _loading;
    private DateTimeOffset _lastOnDemand = DateTimeOffset.MinValue;
    private long _loads;

    public DigestDirectory(EndpointStore store, TimeProvider time, Action<Exception> loadFailed)
    {
        _store = store;
        _time = time;
        _loadFailed = loadFailed;
        store.Changed += OnChanged;
    }

    /// <summary>An endpoint's credentials went away (deleted, or its digest user removed or renamed).</summary>
    public event Action<SipEndpoint, bool>? Removed;

    /// <summary>Full reloads from the store so far.</summary>
    public long Loads => Interlocked.Read(ref _loads);

    /// <summary>The endpoint a digest user belongs to, or null.</summary>
    public Account? Find(string user) => Volatile.Read(ref _accounts).GetValueOrDefault(user);

    /// <summary>The digest callback: the password, or null (and perhaps a reload) for an unknown user.</summary>
    public string? PasswordOf(string user)
    {
        if (Find(user) is { } account)
        {
            return account.Password;
        }

        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (now - _lastOnDemand < MinOnDemandInterval)
            {
                return null;
            }

            _lastOnDemand = now;
        }

        _ = LoadSafeAsync();
        return null;
    }

    /// <summary>Reloads every endpoint's credentials (one running at a time; a load that overlapped a change is discarded).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _loading, 1) == 1)
        {
            return;
        }

        try
        {
            var version = Interlocked.Read(ref _version);
            var all = await _store.ListAsync(null, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _loads);
            var fresh = new Dictionary<string, Account>(StringComparer.Ordinal);
            foreach (var endpoint in all)
            {
                if (endpoint.DigestUsername is { } user && Reveal(endpoint) is { } password)
                {
                    fresh[user] = new Account(endpoint, password);
                }
            }

            List<SipEndpoint> gone;
            lock (_gate)
            {
                if (Interlocked.Read(ref _version) != version)
                {
                    // A change landed while the list was read: it may be older than that change.
                    // The change itself is applied already; the next reload catches the rest.
                    _lastOnDemand = DateTimeOffset.MinValue;
                    return;
                }

                gone = _accounts.Where(a => !fresh.ContainsKey(a.Key)).Select(a => a.Value.Endpoint).ToList();
                Volatile.Write(ref _accounts, fresh);
            }

            foreach (var endpoint in gone)
            {
                Removed?.Invoke(endpoint, !fresh.Values.Any(a => a.Endpoint.Id == endpoint.Id));
            }
        }
        finally
        {
            Volatile.Write(ref _loading, 0);
        }
    }

    private async Task LoadSafeAsync()
    {
        try
        {
            await LoadAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            _loadFailed(e);
        }
    }

    private void OnChanged(SipEndpoint? before, SipEndpoint? after)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _version);
            var next = new Dictionary<string, Account>(_accounts, StringComparer.Ordinal);
            if (before?.DigestUsername is { } old)
            {
                next.Remove(old);
            }

            if (after?.DigestUsername is { } user && Reveal(after) is { } password)
            {
                next[user] = new Account(after, password);
            }

            Volatile.Write(ref _accounts, next);
        }

        if (before?.DigestUsername is { } previous && after?.DigestUsername != previous)
        {
            Removed?.Invoke(before, after is null);
        }
    }

    private string? Reveal(SipEndpoint endpoint)
    {
        try
        {
            return _store.RevealPassword(endpoint);
        }
        catch (CryptographicException)
        {
            // A secret protected under a key this node lacks cannot authenticate anyone.
            return null;
        }
    }

    /// <summary>A digest user: its endpoint and clear password.</summary>
    public sealed record Account(SipEndpoint Endpoint, string Password);
}
