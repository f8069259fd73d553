using System.Globalization;
using System.Text;

namespace Conferencing.Sip.Sdp;

/// <summary>
/// A codec as SDP describes it: encoding name (compared case-insensitively), clock rate,
/// channels and fmtp parameters. Codecs are matched by these, never by payload type number,
/// because dynamic numbers differ from one endpoint to the next.
/// </summary>
public sealed partial class MediaFormat : IEquatable<MediaFormat>
{
    private readonly OrderedDictionary<string, string> _parameters;

    /// <summary>Creates a format; <paramref name="formatParameters"/> is the text of an fmtp line after the payload type.</summary>
    public MediaFormat(string encodingName, int clockRate, int channels = 1, string? formatParameters = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(encodingName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clockRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        EncodingName = encodingName;
        ClockRate = clockRate;
        Channels = channels;
        FormatParameters = string.IsNullOrWhiteSpace(formatParameters) ? null : formatParameters.Trim();
        _parameters = ParseParameters(FormatParameters);
    }

    /// <summary>The encoding name as written, e.g. "H264" or "opus".</summary>
    public string EncodingName { get; }

    /// <summary>The RTP clock rate in Hz.</summary>
    public int ClockRate { get; }

    /// <summary>Audio channels; 1 unless the rtpmap says otherwise.</summary>
    public int Channels { get; }

    /// <summary>The fmtp text, verbatim, or null.</summary>
    public string? FormatParameters { get; }

    /// <summary>
    /// The fmtp parameters in their original order, keys case-insensitive. An item without '='
    /// (telephone-event's "0-15") is a key with an empty value.
    /// </summary>
    public IReadOnlyDictionary<string, string> Parameters => _parameters;

    /// <summary>True for telephone-event (RFC 4733), the DTMF format a B2BUA must keep.</summary>
    public bool IsTelephoneEvent => Is(TelephoneEventName);

    /// <summary>True for comfort noise, which is never a stream's main codec.</summary>
    public bool IsComfortNoise => Is("CN");

    /// <summary>True for H.264.</summary>
    public bool IsH264 => Is(H264Name);

    /// <summary>True when the encoding name equals <paramref name="name"/>, ignoring case.</summary>
    public bool Is(string name) => string.Equals(EncodingName, name, StringComparison.OrdinalIgnoreCase);

    /// <summary>The value of an fmtp parameter, or null.</summary>
    public string? GetParameter(string name) => _parameters.TryGetValue(name, out string? value) ? value : null;

    /// <summary>The rtpmap encoding part: "H264/90000" or "opus/48000/2".</summary>
    public string ToRtpMapEncoding() => Channels == 1 && !Is(OpusName)
        ? string.Create(CultureInfo.InvariantCulture, $"{EncodingName}/{ClockRate}")
        : string.Create(CultureInfo.InvariantCulture, $"{EncodingName}/{ClockRate}/{Channels}");

    /// <summary>The same codec with other fmtp parameters.</summary>
    public MediaFormat WithParameters(string? formatParameters) => new(EncodingName, ClockRate, Channels, formatParameters);

    /// <summary>
    /// The same codec with one fmtp parameter set (replaced in place when present, else appended).
    /// </summary>
    public MediaFormat WithParameter(string name, string value)
    {
        var copy = new OrderedDictionary<string, string>(_parameters, StringComparer.OrdinalIgnoreCase) { [name] = value };
        return WithParameters(FormatParameterText(copy));
    }

    /// <summary>Equal name (ignoring case), clock rate, channels and fmtp parameters (keys ignoring case, in order).</summary>
    public bool Equals(MediaFormat? other) =>
        other is not null && Is(other.EncodingName) && ClockRate == other.ClockRate && Channels == other.Channels
        && _parameters.Count == other._parameters.Count
        && _parameters.Zip(other._parameters).All(p => string.Equals(p.First.Key, p.Second.Key, StringComparison.OrdinalIgnoreCase) && p.First.Value == p.Second.Value);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as MediaFormat);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(EncodingName), ClockRate, Channels);

    /// <summary>"H264/90000 packetization-mode=1;…" for logs and test output.</summary>
    public override string ToString() => FormatParameters is null ? ToRtpMapEncoding() : $"{ToRtpMapEncoding()} {FormatParameters}";

    private static OrderedDictionary<string, string> ParseParameters(string? text)
    {
        var result = new OrderedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (text is null)
        {
            return result;
        }

        foreach (string item in text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? item : item[..eq].Trim();
            string value = eq < 0 ? string.Empty : item[(eq + 1)..].Trim();
            if (key.Length > 0)
            {
                result.TryAdd(key, value); // first one wins, as most stacks do
            }
        }

        return result;
    }

    private static string? FormatParameterText(OrderedDictionary<string, string> parameters)
    {
        if (parameters.Count == 0)
        {
            return null;
        }

        var sb = new StringBuilder();
        foreach ((string key, string value) in parameters)
        {
            if (sb.Length > 0)
            {
                sb.Append(';');
            }

            sb.Append(key);
            if (value.Length > 0)
            {
                sb.Append('=').Append(value);
            }
        }

        return sb.ToString();
    }
}
