using System.Text;

namespace Conferencing.Sip;

/// <summary>
/// Ordered <c>;name=value</c> parameters of a URI or header. Names compare case-insensitively;
/// values are kept as written (quoted values keep their quotes) so they round-trip.
/// </summary>
public sealed class SipParameters : IEnumerable<KeyValuePair<string, string?>>
{
    private readonly List<KeyValuePair<string, string?>> _items = [];

    /// <summary>Number of parameters.</summary>
    public int Count => _items.Count;

    /// <summary>A parameter's value (null for a flag such as <c>lr</c> or <c>rport</c>), or null when absent.</summary>
    public string? this[string name]
    {
        get => _items.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
        set => Set(name, value);
    }

    /// <summary>True when the parameter is present, with or without a value.</summary>
    public bool Contains(string name) => _items.Exists(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Adds a parameter at the end.</summary>
    public void Add(string name, string? value) => _items.Add(new(name, value));

    /// <summary>Replaces the value of the parameter, or adds it.</summary>
    public void Set(string name, string? value)
    {
        var index = _items.FindIndex(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));
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
    public bool Remove(string name) => _items.RemoveAll(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)) > 0;

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
}
