using System.Net;

namespace Conferencing.Sip.Auth;

/// <summary>Limits of <see cref="AuthThrottle"/>.</summary>
public sealed class AuthThrottleOptions
{
    /// <summary>The default number of failures answered at once: 3.</summary>
    public const int DefaultFreeFailures = 3;

    /// <summary>The default delay of the first slowed answer: 250 ms.</summary>
    public static readonly TimeSpan DefaultFirstDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>The default longest delay: 4 s.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(4);

    /// <summary>The default number of failures of one user name before it is refused: 10.</summary>
    public const int DefaultBlockUserAfter = 10;

    /// <summary>The default number of failures from one source address before it is refused: 30.</summary>
    public const int DefaultBlockSourceAfter = 30;

    /// <summary>The default time a user name or address is refused: 5 minutes.</summary>
    public static readonly TimeSpan DefaultBlockFor = TimeSpan.FromMinutes(5);

    /// <summary>The default quiet time after which failures are forgotten: 10 minutes.</summary>
    public static readonly TimeSpan DefaultForgetAfter = TimeSpan.FromMinutes(10);

    /// <summary>The default number of user names and of addresses remembered (each): 10,000.</summary>
    public const int DefaultMaxEntries = 10_000;

    /// <summary>Failures answered without delay. The default is <see cref="DefaultFreeFailures"/>.</summary>
    public int FreeFailures { get; init; } = DefaultFreeFailures;

    /// <summary>The delay after the first failure past the free ones; it doubles with each further failure. The default is <see cref="DefaultFirstDelay"/>.</summary>
    public TimeSpan FirstDelay { get; init; } = DefaultFirstDelay;

    /// <summary>The longest delay. The default is <see cref="DefaultMaxDelay"/>.</summary>
    public TimeSpan MaxDelay { get; init; } = DefaultMaxDelay;

    /// <summary>Failures of one user name before it is refused with 403. The default is <see cref="DefaultBlockUserAfter"/>.</summary>
    public int BlockUserAfter { get; init; } = DefaultBlockUserAfter;

    /// <summary>
    /// Failures from one address before it is refused with 403. Higher than per user: several rooms
    /// may share an address behind NAT. The default is <see cref="DefaultBlockSourceAfter"/>.
    /// </summary>
    public int BlockSourceAfter { get; init; } = DefaultBlockSourceAfter;

    /// <summary>How long a user name or address is refused. The default is <see cref="DefaultBlockFor"/>.</summary>
    public TimeSpan BlockFor { get; init; } = DefaultBlockFor;

    /// <summary>Failures older than this, with none since, are forgotten. The default is <see cref="DefaultForgetAfter"/>.</summary>
    public TimeSpan ForgetAfter { get; init; } = DefaultForgetAfter;

    /// <summary>User names and addresses remembered, each; the least recently failed go first. The default is <see cref="DefaultMaxEntries"/>.</summary>
    public int MaxEntries { get; init; } = DefaultMaxEntries;

    /// <summary>Throws when a limit makes no sense.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(FreeFailures);
        ArgumentOutOfRangeException.ThrowIfLessThan(FirstDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, FirstDelay);
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockUserAfter, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockSourceAfter, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(BlockFor, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ForgetAfter, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEntries, 1);
    }
}

/// <summary>
/// Slows down and then refuses guessing: failed digest answers are counted per source address and per
/// user name; past a few free failures the answer to each further one is delayed (doubling up to a
/// limit), and past a threshold the address or user name is refused outright for a while, without its
/// credentials even being checked. Memory is bounded: each table keeps at most
/// <see cref="AuthThrottleOptions.MaxEntries"/> entries and evicts the least recently failed.
/// </summary>
public sealed class AuthThrottle
{
    private readonly AuthThrottleOptions _options;
    private readonly TimeProvider _time;
    private readonly BoundedTable<IPAddress> _sources;
    private readonly BoundedTable<string> _users;

    /// <summary>Creates a throttle.</summary>
    public AuthThrottle(AuthThrottleOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new AuthThrottleOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _sources = new BoundedTable<IPAddress>(_options.MaxEntries, EqualityComparer<IPAddress>.Default);
        _users = new BoundedTable<string>(_options.MaxEntries, StringComparer.Ordinal);
    }

    /// <summary>The limits in force.</summary>
    public AuthThrottleOptions Options => _options;

    /// <summary>Addresses and user names remembered now (for tests and figures).</summary>
    public (int Sources, int Users) Tracked => (_sources.Count, _users.Count);

    /// <summary>True while the address, or the user name when given, is refused.</summary>
    public bool IsBlocked(IPAddress source, string? user)
    {
        ArgumentNullException.ThrowIfNull(source);
        var now = _time.GetUtcNow();
        return _sources.IsBlocked(source, now) || (user is not null && _users.IsBlocked(user, now));
    }

    /// <summary>Counts a failure; returns how long to hold the answer to it.</summary>
    public TimeSpan Failed(IPAddress source, string? user)
    {
        ArgumentNullException.ThrowIfNull(source);
        var now = _time.GetUtcNow();
        var failures = _sources.Fail(source, now, _options.BlockSourceAfter, _options);
        if (user is not null)
        {
            failures = Math.Max(failures, _users.Fail(user, now, _options.BlockUserAfter, _options));
        }

        if (failures <= _options.FreeFailures)
        {
            return TimeSpan.Zero;
        }

        var doublings = Math.Min(failures - _options.FreeFailures - 1, 30);
        var delay = _options.FirstDelay * Math.Pow(2, doublings);
        return delay > _options.MaxDelay ? _options.MaxDelay : delay;
    }

    /// <summary>A user authenticated: its failures are forgotten (its address's are not: others may guess from there).</summary>
    public void Succeeded(string user)
    {
        ArgumentNullException.ThrowIfNull(user);
        _users.Forget(user);
    }

    /// <summary>A least-recently-failed table of bounded size.</summary>
    private sealed class BoundedTable<TKey>(int capacity, IEqualityComparer<TKey> comparer)
        where TKey : notnull
    {
        private readonly Dictionary<TKey, LinkedListNode<Entry>> _entries = new(comparer);
        private readonly LinkedList<Entry> _order = new();

        public int Count
        {
            get
            {
                lock (_entries)
                {
                    return _entries.Count;
                }
            }
        }

        public bool IsBlocked(TKey key, DateTimeOffset now)
        {
            lock (_entries)
            {
                return _entries.TryGetValue(key, out var node) && node.Value.BlockedUntil > now;
            }
        }

        public int Fail(TKey key, DateTimeOffset now, int blockAfter, AuthThrottleOptions options)
        {
            lock (_entries)
            {
                if (_entries.TryGetValue(key, out var node))
                {
                    _order.Remove(node);
                    if (now - node.Value.LastFailure > options.ForgetAfter && node.Value.BlockedUntil <= now)
                    {
                        node.Value.Failures = 0;
                    }
                }
                else
                {
                    if (_entries.Count >= capacity)
                    {
                        var oldest = _order.First!;
                        _order.RemoveFirst();
                        _entries.Remove(oldest.Value.Key);
                    }

                    node = new LinkedListNode<Entry>(new Entry(key));
                    _entries[key] = node;
                }

                var entry = node.Value;
                entry.Failures++;
                entry.LastFailure = now;
                if (entry.Failures >= blockAfter && entry.BlockedUntil <= now)
                {
                    entry.BlockedUntil = now + options.BlockFor;
                }

                _order.AddLast(node);
                return entry.Failures;
            }
        }

        public void Forget(TKey key)
        {
            lock (_entries)
            {
                if (_entries.Remove(key, out var node))
                {
                    _order.Remove(node);
                }
            }
        }

        private sealed class Entry(TKey key)
        {
            public TKey Key { get; } = key;

            public int Failures { get; set; }

            public DateTimeOffset LastFailure { get; set; }

            public DateTimeOffset BlockedUntil { get; set; }
        }
    }
}
