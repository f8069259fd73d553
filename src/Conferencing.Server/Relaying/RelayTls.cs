using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Conferencing.Server.Relaying;

/// <summary>
/// How the server trusts one standalone relay's HTTPS control API, bound from
/// <c>Relaying:Tls:{relay name}</c>. A relay usually has a self-signed certificate on a
/// management network with no public name: pin it by its SHA-256, or name the CA file that issued it.
/// With neither, the system's trusted roots and the host name decide, as for any HTTPS site.
/// </summary>
public sealed class RelayTlsOptions
{
    /// <summary>SHA-256 of the relay's certificate (DER), hex, colons allowed: <c>openssl x509 -noout -fingerprint -sha256 -in relay.pem</c>.</summary>
    public string? Sha256 { get; set; }

    /// <summary>A PEM file of the CA certificate(s) that issued the relay's certificate; the host name must match too.</summary>
    public string? CaFile { get; set; }

    /// <summary>Null when usable, else what is wrong.</summary>
    public string? Validate(string relay)
    {
        if (Sha256 is { Length: > 0 } && Pin() is null)
        {
            return $"Relaying:Tls:{relay}:Sha256 must be the 64 hex digits of a SHA-256 fingerprint.";
        }

        return CaFile is { Length: > 0 } file && !File.Exists(Path.GetFullPath(file)) ? $"Relaying:Tls:{relay}:CaFile: no file at {Path.GetFullPath(file)}." : null;
    }

    internal byte[]? Pin()
    {
        var hex = (Sha256 ?? "").Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        return hex.Length == 64 && hex.All(char.IsAsciiHexDigit) ? Convert.FromHexString(hex) : null;
    }
}

/// <summary>The HTTP handlers that carry the server's calls to a relay, with its TLS trust.</summary>
public static class RelayTls
{
    public static SocketsHttpHandler Handler(RelayTlsOptions? tls)
    {
        var handler = new SocketsHttpHandler();
        if (tls?.Pin() is { } pin)
        {
            // A pinned certificate is trusted by what it is, not by who signed it or which name it carries.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(certificate.GetRawCertData()), pin);
        }
        else if (tls?.CaFile is { Length: > 0 } file)
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(Path.GetFullPath(file));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                return chain.Build(presented);
            };
        }

        return handler;
    }
}
