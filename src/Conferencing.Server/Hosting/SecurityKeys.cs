using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Conferencing.Server.Hosting;

/// <summary>
/// The key-encryption key: 32 random bytes in a file beside the server, never in the database, that
/// encrypts the Data Protection keys the database holds. A copy of the database (a backup, a dump, a
/// replica) then opens neither login cookies nor the protected endpoint and relay secrets.
/// </summary>
/// <remarks>
/// Why a key file and our own AES-256-GCM rather than <c>ProtectKeysWithCertificate</c>: on Linux a
/// certificate needs its private key in a file just the same (no DPAPI, no machine key store), and the
/// framework's certificate path goes through XML Encryption with RSA key transport, more moving parts
/// for the same protection. A 256-bit key file is made with one command, is authenticated encryption,
/// and its mode is checked at start.
/// </remarks>
public sealed class KeyEncryptionKey
{
    public const int Length = 32;

    private readonly byte[] _key;

    private KeyEncryptionKey(byte[] key, string path)
    {
        _key = key;
        Path = path;
        Id = Convert.ToHexStringLower(SHA256.HashData(key))[..16];
    }

    public string Path { get; }

    /// <summary>Names the key without revealing it, so a key sealed with another file is recognised.</summary>
    public string Id { get; }

    /// <summary>Reads the key file; in Development makes one if there is none.</summary>
    public static KeyEncryptionKey Load(string path, bool createIfMissing)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full) && createIfMissing)
        {
            // Written aside and moved into place, so a server starting beside this one never reads a half-made key.
            var temp = full + "." + Guid.NewGuid().ToString("N") + ".part";
            OwnerOnly.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            using (var stream = OwnerOnly.OpenNew(temp))
            {
                stream.Write(RandomNumberGenerator.GetBytes(Length));
            }

            try
            {
                File.Move(temp, full, overwrite: false);
            }
            catch (IOException) when (File.Exists(full))
            {
                // Another server made it first: use theirs.
            }
            finally
            {
                File.Delete(temp);
            }
        }

        if (Problem(full) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        return new KeyEncryptionKey(Read(full)!, full);
    }

    /// <summary>Null when the file is usable, else a one-line reason.</summary>
    public static string? Problem(string path)
    {
        if (!File.Exists(path))
        {
            return $"Security:KeyFile: no key-encryption key at {path}. Make one: head -c 32 /dev/urandom > {path} && chmod 600 {path}";
        }

        if (!OwnerOnly.IsOwnerOnly(path))
        {
            return $"Security:KeyFile: {path} can be read by other accounts; chmod 600 {path}";
        }

        return Read(path) is null ? $"Security:KeyFile: {path} must hold exactly {Length} bytes (raw or base64): head -c 32 /dev/urandom > {path}" : null;
    }

    private static byte[]? Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == Length)
        {
            return bytes;
        }

        var text = System.Text.Encoding.ASCII.GetString(bytes).Trim();
        var decoded = new byte[Length + 3];
        return Convert.TryFromBase64String(text, decoded, out var written) && written == Length ? decoded[..Length] : null;
    }

    internal byte[] Seal(byte[] plaintext)
    {
        var sealedBytes = new byte[12 + 16 + plaintext.Length];
        var nonce = sealedBytes.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16));
        return sealedBytes;
    }

    internal byte[] Open(byte[] sealedBytes)
    {
        if (sealedBytes.Length < 28)
        {
            throw new CryptographicException("The sealed key is cut short.");
        }

        var plaintext = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(_key, 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), plaintext);
        return plaintext;
    }
}

/// <summary>Seals each new Data Protection key with the <see cref="KeyEncryptionKey"/>.</summary>
public sealed class KeyFileXmlEncryptor(KeyEncryptionKey key) : IXmlEncryptor
{
    internal static readonly XName Element = "sealedKey";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plain = System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        try
        {
            var sealedElement = new XElement(Element, new XAttribute("kek", key.Id), new XAttribute("algorithm", "AES-256-GCM"),
                Convert.ToBase64String(key.Seal(plain)));
            return new EncryptedXmlInfo(sealedElement, typeof(KeyFileXmlDecryptor));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }
}

/// <summary>Opens keys sealed by <see cref="KeyFileXmlEncryptor"/>; Data Protection makes it by type name with the service provider.</summary>
public sealed class KeyFileXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var key = services.GetRequiredService<KeyEncryptionKey>();
        if ((string?)encryptedElement.Attribute("kek") is { } id && id != key.Id)
        {
            throw new CryptographicException($"This Data Protection key was sealed with another key-encryption key ({id}); this server has {key.Id} from {key.Path}.");
        }

        var plain = key.Open(Convert.FromBase64String(encryptedElement.Value));
        try
        {
            return XElement.Parse(System.Text.Encoding.UTF8.GetString(plain));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }
}
