using System.Security.Cryptography;
using System.Text;

namespace Conferencing.Sip.Auth;

/// <summary>Digest algorithms of RFC 8760 (SIP) and RFC 7616, with their session variants.</summary>
public enum DigestAlgorithm
{
    /// <summary>MD5, the RFC 3261 default; still what most room systems answer with.</summary>
    Md5,

    /// <summary>MD5-sess.</summary>
    Md5Sess,

    /// <summary>SHA-256, the RFC 8760 choice for new deployments.</summary>
    Sha256,

    /// <summary>SHA-256-sess.</summary>
    Sha256Sess,

    /// <summary>SHA-512-256.</summary>
    Sha512_256,

    /// <summary>SHA-512-256-sess.</summary>
    Sha512_256Sess,
}

/// <summary>Names and hash functions of the digest algorithms.</summary>
public static class DigestAlgorithms
{
    /// <summary>The token used in the <c>algorithm</c> parameter.</summary>
    public static string Name(this DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Md5 => "MD5",
        DigestAlgorithm.Md5Sess => "MD5-sess",
        DigestAlgorithm.Sha256 => "SHA-256",
        DigestAlgorithm.Sha256Sess => "SHA-256-sess",
        DigestAlgorithm.Sha512_256 => "SHA-512-256",
        DigestAlgorithm.Sha512_256Sess => "SHA-512-256-sess",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <summary>Parses an <c>algorithm</c> token, case-insensitively; an absent token means MD5 (RFC 3261 22.4).</summary>
    public static bool TryParse(string? token, out DigestAlgorithm algorithm)
    {
        algorithm = DigestAlgorithm.Md5;
        if (string.IsNullOrEmpty(token))
        {
            return true;
        }

        foreach (var candidate in Enum.GetValues<DigestAlgorithm>())
        {
            if (string.Equals(candidate.Name(), token, StringComparison.OrdinalIgnoreCase))
            {
                algorithm = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>True for the -sess variants, whose HA1 also binds the nonce and cnonce.</summary>
    public static bool IsSession(this DigestAlgorithm algorithm) =>
        algorithm is DigestAlgorithm.Md5Sess or DigestAlgorithm.Sha256Sess or DigestAlgorithm.Sha512_256Sess;

    /// <summary>Lower-case hex of the algorithm's hash of the UTF-8 text.</summary>
    public static string Hash(this DigestAlgorithm algorithm, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var input = Encoding.UTF8.GetBytes(text);
        return Hex(algorithm, input);
    }

    internal static string Hex(DigestAlgorithm algorithm, ReadOnlySpan<byte> input)
    {
        Span<byte> digest = stackalloc byte[64];
        var length = algorithm switch
        {
#pragma warning disable CA5351 // MD5 is what RFC 3261 digest requires; deployed room systems still only speak it.
            DigestAlgorithm.Md5 or DigestAlgorithm.Md5Sess => MD5.HashData(input, digest),
#pragma warning restore CA5351
            DigestAlgorithm.Sha256 or DigestAlgorithm.Sha256Sess => SHA256.HashData(input, digest),
            _ => Sha512_256(input, digest),
        };
        return Convert.ToHexStringLower(digest[..length]);
    }

    /// <summary>
    /// SHA-512/256 (FIPS 180-4 5.3.6): SHA-512 with its own initial values, truncated to 256 bits.
    /// .NET has no built-in, so the compression function is written out here.
    /// </summary>
    private static int Sha512_256(ReadOnlySpan<byte> input, Span<byte> output)
    {
        Span<ulong> h =
        [
            0x22312194FC2BF72C, 0x9F555FA3C84C64C2, 0x2393B86B6F53B151, 0x963877195940EABD,
            0x96283EE2A88EFFE3, 0xBE5E1E2553863992, 0x2B0199FC2C85B8AA, 0x0EB72DDC81C52CA2,
        ];
        var totalLength = input.Length + 1 + 16;
        var padded = (totalLength + 127) / 128 * 128;
        var message = new byte[padded];
        input.CopyTo(message);
        message[input.Length] = 0x80;
        var bits = (ulong)input.Length * 8;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(padded - 8), bits);
        Span<ulong> w = stackalloc ulong[80];
        for (var offset = 0; offset < padded; offset += 128)
        {
            for (var t = 0; t < 16; t++)
            {
                w[t] = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(message.AsSpan(offset + (t * 8)));
            }

            for (var t = 16; t < 80; t++)
            {
                var s0 = ulong.RotateRight(w[t - 15], 1) ^ ulong.RotateRight(w[t - 15], 8) ^ (w[t - 15] >> 7);
                var s1 = ulong.RotateRight(w[t - 2], 19) ^ ulong.RotateRight(w[t - 2], 61) ^ (w[t - 2] >> 6);
                w[t] = w[t - 16] + s0 + w[t - 7] + s1;
            }

            ulong a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
            for (var t = 0; t < 80; t++)
            {
                var s1 = ulong.RotateRight(e, 14) ^ ulong.RotateRight(e, 18) ^ ulong.RotateRight(e, 41);
                var ch = (e & f) ^ (~e & g);
                var temp1 = hh + s1 + ch + K[t] + w[t];
                var s0 = ulong.RotateRight(a, 28) ^ ulong.RotateRight(a, 34) ^ ulong.RotateRight(a, 39);
                var maj = (a & b) ^ (a & c) ^ (b & c);
                var temp2 = s0 + maj;
                hh = g;
                g = f;
                f = e;
                e = d + temp1;
                d = c;
                c = b;
                b = a;
                a = temp1 + temp2;
            }

            h[0] += a;
            h[1] += b;
            h[2] += c;
            h[3] += d;
            h[4] += e;
            h[5] += f;
            h[6] += g;
            h[7] += hh;
        }

        for (var i = 0; i < 4; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(output[(i * 8)..], h[i]);
        }

        return 32;
    }

    private static readonly ulong[] K =
    [
        0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
        0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
        0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65, 0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
        0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
        0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
        0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
        0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
        0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec, 0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
        0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
        0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
    ];
}
