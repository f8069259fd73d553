using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Conferencing.Sip.Auth;

/// <summary>
/// The value of a WWW-Authenticate, Proxy-Authenticate, Authorization or Proxy-Authorization header:
/// a scheme and comma-separated <c>name=value</c> parameters (RFC 3261 25.1), values being tokens or
/// quoted strings with backslash escapes.
/// </summary>
public sealed class AuthParameters
{
    private readonly List<KeyValuePair<string, string>> _parameters;

    /// <summary>Creates a header value with the scheme and parameters in the given order.</summary>
    public AuthParameters(string scheme, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        ArgumentNullException.ThrowIfNull(parameters);
        Scheme = scheme;
        _parameters = [.. parameters];
    }

    /// <summary>The scheme, e.g. <c>Digest</c>.</summary>
    public string Scheme { get; }

    /// <summary>The parameters in wire order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters => _parameters;

    /// <summary>A parameter's unescaped value by case-insensitive name, or null.</summary>
    public string? this[string name] => _parameters.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Parses a header value; false with a reason when it is malformed.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out AuthParameters? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        var text = value.AsSpan().Trim();
        var i = 0;
        while (i < text.Length && IsToken(text[i]))
        {
            i++;
        }

        if (i == 0)
        {
            error = "no authentication scheme";
            return false;
        }

        var scheme = text[..i].ToString();
        var parameters = new List<KeyValuePair<string, string>>();
        while (true)
        {
            SkipSpace(text, ref i);
            if (i >= text.Length)
            {
                break;
            }

            var nameStart = i;
            while (i < text.Length && IsToken(text[i]))
            {
                i++;
            }

            if (i == nameStart)
            {
                error = $"expected a parameter name at {i}";
                return false;
            }

            var name = text[nameStart..i].ToString();
            SkipSpace(text, ref i);
            if (i >= text.Length || text[i] != '=')
            {
                error = $"parameter '{name}' has no value";
                return false;
            }

            i++;
            SkipSpace(text, ref i);
            string parameterValue;
            if (i < text.Length && text[i] == '"')
            {
                var builder = new StringBuilder();
                i++;
                var closed = false;
                while (i < text.Length)
                {
                    var c = text[i++];
                    if (c == '\\' && i < text.Length)
                    {
                        builder.Append(text[i++]);
                    }
                    else if (c == '"')
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        builder.Append(c);
                    }
                }

                if (!closed)
                {
                    error = $"the quoted value of '{name}' is not closed";
                    return false;
                }

                parameterValue = builder.ToString();
            }
            else
            {
                var valueStart = i;
                while (i < text.Length && IsToken(text[i]))
                {
                    i++;
                }

                if (i == valueStart)
                {
                    error = $"parameter '{name}' has an empty value";
                    return false;
                }

                parameterValue = text[valueStart..i].ToString();
            }

            parameters.Add(new(name, parameterValue));
            SkipSpace(text, ref i);
            if (i < text.Length)
            {
                if (text[i] != ',')
                {
                    error = $"expected ',' after parameter '{name}'";
                    return false;
                }

                i++;
            }
        }

        result = new AuthParameters(scheme, parameters);
        error = null;
        return true;
    }

    /// <summary>Serializes with the given parameters quoted and the rest as tokens.</summary>
    public string ToString(IReadOnlySet<string> quoted)
    {
        ArgumentNullException.ThrowIfNull(quoted);
        var builder = new StringBuilder(Scheme);
        for (var i = 0; i < _parameters.Count; i++)
        {
            var (name, value) = (_parameters[i].Key, _parameters[i].Value);
            builder.Append(i == 0 ? " " : ", ").Append(name).Append('=');
            if (quoted.Contains(name) || value.Length == 0 || value.Any(c => !IsToken(c)))
            {
                builder.Append('"').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                builder.Append(value);
            }
        }

        return builder.ToString();
    }

    private static void SkipSpace(ReadOnlySpan<char> text, ref int i)
    {
        while (i < text.Length && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        {
            i++;
        }
    }

    /// <summary>RFC 3261 token characters.</summary>
    internal static bool IsToken(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '!' or '%' or '*' or '_' or '+' or '`' or '\'' or '~';
}
