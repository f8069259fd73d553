using System.Text;

namespace Conferencing.Server.Common;

/// <summary>RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends, UTF-8 with or without BOM.</summary>
public static class Csv
{
    /// <summary>
    /// Splits CSV text into records. Each record carries the 1-based line it started on so that an
    /// import error can point at it. Throws <see cref="FormatException"/> for an unterminated quote.
    /// The delimiter is a comma unless given: spreadsheets set to Vietnamese save with ';', because
    /// there the comma is the decimal separator.
    /// </summary>
    public static IEnumerable<(int Line, IReadOnlyList<string> Fields)> Read(string text, char delimiter = ',')
    {
        ArgumentNullException.ThrowIfNull(text);
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var inQuotes = false;
        var fieldStarted = false;
        var i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }

                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0 && !fieldStarted:
                    inQuotes = true;
                    fieldStarted = true;
                    break;
                case var d when d == delimiter:
                    fields.Add(Restore(field.ToString()));
                    field.Clear();
                    fieldStarted = false;
                    break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    break;
                case '\r' or '\n':
                    fields.Add(Restore(field.ToString()));
                    field.Clear();
                    fieldStarted = false;
                    if (!(fields.Count == 1 && fields[0].Length == 0))
                    {
                        yield return (recordLine, fields.ToArray());
                    }

                    fields.Clear();
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(c);
                    fieldStarted = true;
                    break;
            }
        }

        if (inQuotes)
        {
            throw new FormatException($"Line {recordLine}: a quoted field is not closed.");
        }

        if (field.Length > 0 || fields.Count > 0 || fieldStarted)
        {
            fields.Add(Restore(field.ToString()));
            yield return (recordLine, fields.ToArray());
        }
    }

    /// <summary>Writes one record, quoting only the fields that need it.</summary>
    public static void WriteRecord(StringBuilder output, params string?[] fields) => WriteRecord(output, ',', fields);

    /// <summary>
    /// Writes one record with the given delimiter (';' for a spreadsheet set to a culture whose
    /// decimal separator is the comma), quoting only the fields that need it.
    /// </summary>
    public static void WriteRecord(StringBuilder output, char delimiter, params string?[] fields)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(fields);
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                output.Append(delimiter);
            }

            var value = Neutralize(fields[i] ?? string.Empty);
            if (value.AsSpan().IndexOfAny(",;\"\r\n") >= 0 || (value.Length > 0 && (value[0] == ' ' || value[^1] == ' ')))
            {
                output.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                output.Append(value);
            }
        }

        output.Append("\r\n");
    }

    /// <summary>
    /// A cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
    /// return) gets a leading apostrophe, which spreadsheets show as text and <see cref="Read"/>
    /// takes off again. A plain number (-5, +3.2) is left alone: it cannot be a formula, and a
    /// report's figures must stay numbers.
    /// </summary>
    public static string Neutralize(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0 || !IsFormulaStart(value[0])
            || double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
            || double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.CurrentCulture, out _))
        {
            return value;
        }

        return "'" + value;
    }

    private static bool IsFormulaStart(char c) => c is '=' or '+' or '-' or '@' or '\t' or '\r';

    private static string Restore(string field) => field.Length > 1 && field[0] == '\'' && IsFormulaStart(field[1]) ? field[1..] : field;
}
