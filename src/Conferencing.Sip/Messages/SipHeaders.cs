namespace Conferencing.Sip;

/// <summary>One header line: the name as written and the value with folding undone.</summary>
/// <param name="Name">Header name as it appeared (compact or long form).</param>
/// <param name="Value">Header value, trimmed, continuation lines joined with one space.</param>
public readonly record struct SipHeader(string Name, string Value);

/// <summary>
/// The headers of a message, in order, with names compared case-insensitively and compact forms
/// (RFC 3261 7.3.3 and later RFCs) treated as their long names.
/// </summary>
public sealed class SipHeaders : IEnumerable<SipHeader>
{
    private static readonly Dictionary<string, string> Compact = new(StringComparer.OrdinalIgnoreCase)
    {
        ["i"] = "Call-ID", ["m"] = "Contact", ["e"] = "Content-Encoding", ["l"] = "Content-Length", ["c"] = "Content-Type",
        ["f"] = "From", ["s"] = "Subject", ["k"] = "Supported", ["t"] = "To", ["v"] = "Via", ["o"] = "Event", ["u"] = "Allow-Events",
        ["r"] = "Refer-To", ["b"] = "Referred-By", ["x"] = "Session-Expires", ["y"] = "Identity", ["a"] = "Accept-Contact",
    };

    /// <summary>Headers whose values are comma-separated lists that may be split (RFC 3261 7.3.1).</summary>
    private static readonly HashSet<string> ListHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Via", "Contact", "Route", "Record-Route", "Allow", "Supported", "Require", "Proxy-Require", "Unsupported", "Accept", "Accept-Encoding", "Accept-Language", "Allow-Events",
    };

    private readonly List<SipHeader> _headers = [];

    /// <summary>Number of header lines.</summary>
    public int Count => _headers.Count;

    /// <summary>The long form of a header name: "v" and "VIA" both become "Via" when known.</summary>
    public static string Canonical(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Compact.TryGetValue(name, out var full) ? full : name;
    }

    /// <summary>True for headers whose comma-separated values are separate entries.</summary>
    public static bool IsList(string name) => ListHeaders.Contains(Canonical(name));

    /// <summary>The first value of the header, or null.</summary>
    public string? this[string name] => Find(name) is var i && i >= 0 ? _headers[i].Value : null;

    /// <summary>True when the header is present.</summary>
    public bool Contains(string name) => Find(name) >= 0;

    /// <summary>
    /// Every value of the header in order; for list headers each comma-separated entry is its own
    /// value, so "Via: a, b" and two Via lines read the same.
    /// </summary>
    public IReadOnlyList<string> GetAll(string name)
    {
        var canonical = Canonical(name);
        var values = new List<string>();
        foreach (var header in _headers)
        {
            if (!Matches(header.Name, canonical))
            {
                continue;
            }

            if (IsList(canonical))
            {
                values.AddRange(SipSyntax.SplitList(header.Value));
            }
            else
            {
                values.Add(header.Value);
            }
        }

        return values;
    }

    /// <summary>Adds a header line at the end.</summary>
    public void Add(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.Any(c => !SipSyntax.IsToken(c)))
        {
            throw new ArgumentException($"'{name}' is not a header name.", nameof(name));
        }

        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("A header value cannot contain a line break.", nameof(value));
        }

        _headers.Add(new SipHeader(name, value));
    }

    /// <summary>Adds a header line before all others of the same name (for Via and Record-Route).</summary>
    public void AddFirst(string name, string value)
    {
        Add(name, value);
        var added = _headers[^1];
        _headers.RemoveAt(_headers.Count - 1);
        var index = Find(name);
        _headers.Insert(index >= 0 ? index : _headers.Count, added);
    }

    /// <summary>Replaces every line of the header with one line (or adds it).</summary>
    public void Set(string name, string value)
    {
        var index = Find(name);
        Remove(name);
        Add(name, value);
        if (index >= 0 && index < _headers.Count - 1)
        {
            var added = _headers[^1];
            _headers.RemoveAt(_headers.Count - 1);
            _headers.Insert(index, added);
        }
    }

    /// <summary>Removes every line of the header; returns how many.</summary>
    public int Remove(string name)
    {
        var canonical = Canonical(name);
        return _headers.RemoveAll(h => Matches(h.Name, canonical));
    }

    /// <summary>Removes the first entry of a list header (the top Via), splitting a combined line if needed.</summary>
    public bool RemoveFirstValue(string name)
    {
        var index = Find(name);
        if (index < 0)
        {
            return false;
        }

        var parts = SipSyntax.SplitList(_headers[index].Value);
        if (parts.Count <= 1)
        {
            _headers.RemoveAt(index);
        }
        else
        {
            _headers[index] = _headers[index] with { Value = string.Join(", ", parts.Skip(1)) };
        }

        return true;
    }

    /// <summary>Copies every line of <paramref name="name"/> from another collection, in order.</summary>
    public void CopyFrom(SipHeaders other, string name)
    {
        ArgumentNullException.ThrowIfNull(other);
        var canonical = Canonical(name);
        foreach (var header in other._headers.Where(h => Matches(h.Name, canonical)))
        {
            _headers.Add(header);
        }
    }

    /// <inheritdoc />
    public IEnumerator<SipHeader> GetEnumerator() => _headers.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    internal void AddParsed(string name, string value) => _headers.Add(new SipHeader(name, value));

    private int Find(string name)
    {
        var canonical = Canonical(name);
        return _headers.FindIndex(h => Matches(h.Name, canonical));
    }

    private static bool Matches(string written, string canonical) =>
        string.Equals(Canonical(written), canonical, StringComparison.OrdinalIgnoreCase);
}
