using System.Text;

namespace Conferencing.Sip;

/// <summary>
/// Ordered <c>;name=value</c> parameters of a URI or header. Names compare case-insensitively and
/// with %HH escapes decoded, so <c>;%6C%72</c> is found as <c>lr</c> (RFC 3261 19.1.4, RFC 4475
/// 3.1.1.3); values are kept as written (quoted values keep their quotes, escapes stay) so they
/// round-trip. <see cref="GetUnescaped"/> decodes a value once.
/// </summary>
public sealed class SipParameters : IEnumerable<KeyValuePair<string, string?>>
{
    private readonly List<KeyValuePair<string, string?>> _items = [];

    /// <summary>Number of parameters.</summary>
    public int Count => _items.Count;

    /// <summary>A parameter's value (null for a flag such as <c>lr</c> or <c>rport</c>), or null when absent.</summary>
    public string? this[string name]
    {
        get => _items.FirstOrDefault(p => NameIs(p.Key, name)).Value;
        set => Set(name, value);
    }

    /// <summary>True when the parameter is present, with or without a value.</summary>
    public bool Contains(string name) => _items.Exists(p => NameIs(p.Key, name));

    /// <summary>
    /// A parameter's value with %HH escapes decoded once, never recursively: <c>v%61lue%25%34%31</c>
    /// is <c>value%41</c>, not <c>valueA</c> (RFC 3986 2.4). Null when absent or a flag.
    /// </summary>
    public string? GetUnescaped(string name) => this[name] is { } value ? Unescape(value) : null;

    /// <summary>Adds a parameter at the end.</summary>
    public void Add(string name, string? value) => _items.Add(new(name, value));

    /// <summary>Replaces the value of the parameter, or adds it.</summary>
    public void Set(string name, string? value)
    {
        var index = _items.FindIndex(p => NameIs(p.Key, name));
        if (index >= 0)
        {
            _items[index] = new(_items[index].Key, value);
        }
        else
        {
            _items.Add(new(name, value));
        }
    }

    /// <summary>Removes the parameter; true when it was there.</summary>
    public bool Remove(string name) => _items.RemoveAll(p => NameIs(p.Key, name)) > 0;

    /// <summary>Copies the parameters.</summary>
    public SipParameters Clone()
    {
        var copy = new SipParameters();
        copy._items.AddRange(_items);
        return copy;
    }

    /// <summary>Writes <c>;name=value</c> for each parameter.</summary>
    public void AppendTo(StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var (name, value) in _items)
        {
            builder.Append(';').Append(name);
            if (value is not null)
            {
                builder.Append('=').Append(value);
            }
        }
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var builder = new StringBuilder();
        AppendTo(builder);
        return builder.ToString();
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string?>> GetEnumerator() => _items.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    private static bool NameIs(string written, string name) =>
        string.Equals(written, name, StringComparison.OrdinalIgnoreCase)
        || (written.Contains('%', StringComparison.Ordinal) && string.Equals(Unescape(written), name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Decodes %HH escapes (as UTF-8) in one pass; a '%' not followed by two hex digits stays as it is.</summary>
    internal static string Unescape(string text)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        var escaped = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '%' && i + 2 < text.Length && char.IsAsciiHexDigit(text[i + 1]) && char.IsAsciiHexDigit(text[i + 2]))
            {
                escaped.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
                continue;
            }

            Flush(builder, escaped);
            builder.Append(text[i]);
        }

        Flush(builder, escaped);
        return builder.ToString();

        static void Flush(StringBuilder builder, List<byte> escaped)
        {
            // Consecutive escapes are decoded together: %C3%A0 is one character.
            if (escaped.Count > 0)
            {
                builder.Append(Encoding.UTF8.GetString(escaped.ToArray()));
                escaped.Clear();
            }
        }
    }
}
