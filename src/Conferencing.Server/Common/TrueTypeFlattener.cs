using System.Buffers.Binary;

namespace Conferencing.Server.Common;

/// <summary>
/// Rewrites a TrueType font so that every composite glyph becomes a simple glyph with the outlines
/// of its components drawn in. PdfPig subsets a font to the glyphs a document uses but does not
/// carry the components of composite glyphs along, and Noto Sans builds its capitals with marks
/// (Á, Ì, Ấ, Ủ) from components: without this, "BÁO CÁO" prints as "BAO CAO" while the text layer
/// still reads right. Hinting instructions of the flattened glyphs are dropped (PDF viewers do not
/// need them); every other table is copied unchanged.
/// </summary>
public static class TrueTypeFlattener
{
    private const ushort Arg1And2AreWords = 0x0001;
    private const ushort ArgsAreXyValues = 0x0002;
    private const ushort WeHaveAScale = 0x0008;
    private const ushort MoreComponents = 0x0020;
    private const ushort WeHaveAnXAndYScale = 0x0040;
    private const ushort WeHaveATwoByTwo = 0x0080;
    private const ushort ScaledComponentOffset = 0x0800;
    private const int MaxDepth = 8;

    /// <summary>Returns the font with no composite glyphs; a font without any is returned as it was.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a TrueType font with glyf outlines.</exception>
    public static byte[] Flatten(byte[] font)
    {
        ArgumentNullException.ThrowIfNull(font);
        var tables = ReadTables(font);
        if (!tables.TryGetValue("glyf", out var glyfTable) || !tables.TryGetValue("loca", out var locaTable)
            || !tables.TryGetValue("head", out var headTable) || !tables.TryGetValue("maxp", out var maxpTable))
        {
            throw new InvalidDataException("Not a TrueType font with glyf outlines.");
        }

        var glyphCount = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(maxpTable.Offset + 4));
        var longOffsets = BinaryPrimitives.ReadInt16BigEndian(font.AsSpan(headTable.Offset + 50)) == 1;
        var glyphs = new byte[glyphCount][];
        for (var i = 0; i < glyphCount; i++)
        {
            var (start, end) = longOffsets
                ? ((int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(locaTable.Offset + i * 4)), (int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(locaTable.Offset + i * 4 + 4)))
                : (BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(locaTable.Offset + i * 2)) * 2, BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(locaTable.Offset + i * 2 + 2)) * 2);
            if (end < start || glyfTable.Offset + end > font.Length)
            {
                throw new InvalidDataException($"Glyph {i} lies outside the glyf table.");
            }

            glyphs[i] = font.AsSpan(glyfTable.Offset + start, end - start).ToArray();
        }

        if (!glyphs.Any(IsComposite))
        {
            return font;
        }

        var outlines = new Outline?[glyphCount];
        for (var i = 0; i < glyphCount; i++)
        {
            if (IsComposite(glyphs[i]))
            {
                glyphs[i] = Encode(OutlineOf(i, glyphs, outlines, 0));
            }
        }

        // New glyf (each glyph on a 4-byte boundary) and a long-offset loca.
        using var glyf = new MemoryStream();
        var loca = new byte[(glyphCount + 1) * 4];
        for (var i = 0; i < glyphCount; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(loca.AsSpan(i * 4), (uint)glyf.Position);
            glyf.Write(glyphs[i]);
            while (glyf.Position % 4 != 0)
            {
                glyf.WriteByte(0);
            }
        }

        BinaryPrimitives.WriteUInt32BigEndian(loca.AsSpan(glyphCount * 4), (uint)glyf.Position);
        var head = font.AsSpan(headTable.Offset, headTable.Length).ToArray();
        BinaryPrimitives.WriteInt16BigEndian(head.AsSpan(50), 1);
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(8), 0);
        var replaced = new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["glyf"] = glyf.ToArray(), ["loca"] = loca, ["head"] = head };
        return Write(font, tables, replaced);
    }

    private static bool IsComposite(byte[] glyph) => glyph.Length >= 10 && BinaryPrimitives.ReadInt16BigEndian(glyph) < 0;

    private sealed record Outline(List<(int X, int Y, bool On)> Points, List<int> Ends);

    private static Outline OutlineOf(int index, byte[][] glyphs, Outline?[] cache, int depth)
    {
        if (cache[index] is { } known)
        {
            return known;
        }

        if (depth > MaxDepth || index >= glyphs.Length)
        {
            throw new InvalidDataException($"Composite glyph nesting is deeper than {MaxDepth} or names a missing glyph.");
        }

        var glyph = glyphs[index];
        var outline = glyph.Length < 10 ? new Outline([], [])
            : IsComposite(glyph) ? DecodeComposite(glyph, glyphs, cache, depth)
            : DecodeSimple(glyph);
        cache[index] = outline;
        return outline;
    }

    private static Outline DecodeSimple(byte[] glyph)
    {
        var contours = BinaryPrimitives.ReadInt16BigEndian(glyph);
        var at = 10;
        var ends = new List<int>(contours);
        for (var c = 0; c < contours; c++)
        {
            ends.Add(BinaryPrimitives.ReadUInt16BigEndian(glyph.AsSpan(at)));
            at += 2;
        }

        var count = contours == 0 ? 0 : ends[^1] + 1;
        at += 2 + BinaryPrimitives.ReadUInt16BigEndian(glyph.AsSpan(at));
        var flags = new byte[count];
        for (var p = 0; p < count;)
        {
            var flag = glyph[at++];
            flags[p++] = flag;
            if ((flag & 0x08) != 0)
            {
                for (var repeat = glyph[at++]; repeat > 0 && p < count; repeat--)
                {
                    flags[p++] = flag;
                }
            }
        }

        var xs = ReadCoordinates(glyph, ref at, flags, shortBit: 0x02, sameBit: 0x10);
        var ys = ReadCoordinates(glyph, ref at, flags, shortBit: 0x04, sameBit: 0x20);
        var points = new List<(int, int, bool)>(count);
        for (var p = 0; p < count; p++)
        {
            points.Add((xs[p], ys[p], (flags[p] & 0x01) != 0));
        }

        return new Outline(points, ends);
    }

    private static int[] ReadCoordinates(byte[] glyph, ref int at, byte[] flags, byte shortBit, byte sameBit)
    {
        var values = new int[flags.Length];
        var value = 0;
        for (var p = 0; p < flags.Length; p++)
        {
            if ((flags[p] & shortBit) != 0)
            {
                var delta = glyph[at++];
                value += (flags[p] & sameBit) != 0 ? delta : -delta;
            }
            else if ((flags[p] & sameBit) == 0)
            {
                value += BinaryPrimitives.ReadInt16BigEndian(glyph.AsSpan(at));
                at += 2;
            }

            values[p] = value;
        }

        return values;
    }

    private static Outline DecodeComposite(byte[] glyph, byte[][] glyphs, Outline?[] cache, int depth)
    {
        var points = new List<(int X, int Y, bool On)>();
        var ends = new List<int>();
        var at = 10;
        ushort flags;
        do
        {
            flags = BinaryPrimitives.ReadUInt16BigEndian(glyph.AsSpan(at));
            var component = BinaryPrimitives.ReadUInt16BigEndian(glyph.AsSpan(at + 2));
            at += 4;
            int arg1, arg2;
            if ((flags & Arg1And2AreWords) != 0)
            {
                (arg1, arg2) = (BinaryPrimitives.ReadInt16BigEndian(glyph.AsSpan(at)), BinaryPrimitives.ReadInt16BigEndian(glyph.AsSpan(at + 2)));
                at += 4;
            }
            else
            {
                (arg1, arg2) = (flags & ArgsAreXyValues) != 0 ? ((int)(sbyte)glyph[at], (int)(sbyte)glyph[at + 1]) : ((int)glyph[at], (int)glyph[at + 1]);
                at += 2;
            }

            double a = 1, b = 0, c = 0, d = 1;
            if ((flags & WeHaveAScale) != 0)
            {
                a = d = F2Dot14(glyph, at);
                at += 2;
            }
            else if ((flags & WeHaveAnXAndYScale) != 0)
            {
                (a, d) = (F2Dot14(glyph, at), F2Dot14(glyph, at + 2));
                at += 4;
            }
            else if ((flags & WeHaveATwoByTwo) != 0)
            {
                (a, b, c, d) = (F2Dot14(glyph, at), F2Dot14(glyph, at + 2), F2Dot14(glyph, at + 4), F2Dot14(glyph, at + 6));
                at += 8;
            }

            var part = OutlineOf(component, glyphs, cache, depth + 1);
            var moved = part.Points.Select(p => (X: a * p.X + c * p.Y, Y: b * p.X + d * p.Y, p.On)).ToList();
            double dx, dy;
            if ((flags & ArgsAreXyValues) != 0)
            {
                (dx, dy) = (arg1, arg2);
                if ((flags & ScaledComponentOffset) != 0)
                {
                    (dx, dy) = (a * dx + c * dy, b * dx + d * dy);
                }
            }
            else
            {
                // Anchored by points: the component's point arg2 lands on the glyph's point arg1.
                if (arg1 >= points.Count || arg2 >= moved.Count)
                {
                    throw new InvalidDataException("A composite glyph anchors a point that does not exist.");
                }

                (dx, dy) = (points[arg1].X - moved[arg2].X, points[arg1].Y - moved[arg2].Y);
            }

            var offset = points.Count;
            points.AddRange(moved.Select(p => ((int)Math.Round(p.X + dx), (int)Math.Round(p.Y + dy), p.On)));
            ends.AddRange(part.Ends.Select(e => e + offset));
        }
        while ((flags & MoreComponents) != 0);

        return new Outline(points, ends);
    }

    private static double F2Dot14(byte[] data, int at) => BinaryPrimitives.ReadInt16BigEndian(data.AsSpan(at)) / 16384.0;

    /// <summary>A simple glyph with no instructions; deltas as bytes where they fit.</summary>
    private static byte[] Encode(Outline outline)
    {
        if (outline.Points.Count == 0)
        {
            return [];
        }

        using var output = new MemoryStream();
        var word = new byte[2];
        void Int16(int value)
        {
            BinaryPrimitives.WriteInt16BigEndian(word, checked((short)value));
            output.Write(word);
        }

        Int16(outline.Ends.Count);
        Int16(outline.Points.Min(p => p.X));
        Int16(outline.Points.Min(p => p.Y));
        Int16(outline.Points.Max(p => p.X));
        Int16(outline.Points.Max(p => p.Y));
        foreach (var end in outline.Ends)
        {
            BinaryPrimitives.WriteUInt16BigEndian(word, (ushort)end);
            output.Write(word);
        }

        Int16(0);
        var xs = new List<byte>();
        var ys = new List<byte>();
        int lastX = 0, lastY = 0;
        foreach (var (x, y, on) in outline.Points)
        {
            var flag = (byte)(on ? 0x01 : 0x00);
            flag |= Delta(x - lastX, xs, shortBit: 0x02, sameBit: 0x10);
            flag |= Delta(y - lastY, ys, shortBit: 0x04, sameBit: 0x20);
            output.WriteByte(flag);
            (lastX, lastY) = (x, y);
        }

        output.Write(xs.ToArray());
        output.Write(ys.ToArray());
        return output.ToArray();

        static byte Delta(int delta, List<byte> bytes, byte shortBit, byte sameBit)
        {
            if (delta == 0)
            {
                return sameBit;
            }

            if (delta is > -256 and < 256)
            {
                bytes.Add((byte)Math.Abs(delta));
                return (byte)(shortBit | (delta > 0 ? sameBit : 0));
            }

            bytes.Add((byte)((ushort)(short)delta >> 8));
            bytes.Add((byte)(short)delta);
            return 0;
        }
    }

    private readonly record struct TableRecord(string Tag, int Offset, int Length);

    private static Dictionary<string, TableRecord> ReadTables(byte[] font)
    {
        if (font.Length < 12)
        {
            throw new InvalidDataException("Too short for a TrueType font.");
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(4));
        var tables = new Dictionary<string, TableRecord>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var at = 12 + i * 16;
            if (at + 16 > font.Length)
            {
                throw new InvalidDataException("The table directory runs past the end of the font.");
            }

            var tag = System.Text.Encoding.ASCII.GetString(font, at, 4);
            var offset = (int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(at + 8));
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(at + 12));
            if (offset < 0 || length < 0 || offset + length > font.Length)
            {
                throw new InvalidDataException($"Table '{tag}' lies outside the font.");
            }

            tables[tag] = new TableRecord(tag, offset, length);
        }

        return tables;
    }

    private static byte[] Write(byte[] font, Dictionary<string, TableRecord> tables, Dictionary<string, byte[]> replaced)
    {
        var ordered = tables.Values.OrderBy(t => t.Tag, StringComparer.Ordinal).ToList();
        using var output = new MemoryStream();
        output.Write(font, 0, 12);
        output.Write(new byte[ordered.Count * 16]);
        var directory = new byte[ordered.Count * 16];
        for (var i = 0; i < ordered.Count; i++)
        {
            var data = replaced.TryGetValue(ordered[i].Tag, out var bytes) ? bytes : font.AsSpan(ordered[i].Offset, ordered[i].Length).ToArray();
            var offset = (int)output.Position;
            output.Write(data);
            while (output.Position % 4 != 0)
            {
                output.WriteByte(0);
            }

            var entry = directory.AsSpan(i * 16);
            System.Text.Encoding.ASCII.GetBytes(ordered[i].Tag, entry);
            BinaryPrimitives.WriteUInt32BigEndian(entry[4..], Checksum(data));
            BinaryPrimitives.WriteUInt32BigEndian(entry[8..], (uint)offset);
            BinaryPrimitives.WriteUInt32BigEndian(entry[12..], (uint)data.Length);
        }

        var result = output.ToArray();
        directory.CopyTo(result, 12);
        return result;
    }

    private static uint Checksum(byte[] data)
    {
        uint sum = 0;
        for (var i = 0; i < data.Length; i += 4)
        {
            uint value = 0;
            for (var j = 0; j < 4; j++)
            {
                value = (value << 8) | (i + j < data.Length ? data[i + j] : 0u);
            }

            sum = unchecked(sum + value);
        }

        return sum;
    }
}
