using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Conferencing.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Conferencing.Server.Tests.Relaying;

/// <summary>
/// A standalone relay whose control API speaks HTTPS with a self-signed certificate made here: the
/// server trusts it by the SHA-256 pin configured for that relay, and by nothing else.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class RelayTlsTests : RelayTestBase, IDisposable
{
    private const string RelayName = "huyen-lam-thao";
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("conferencing-relay-tls");
    private readonly string _certificate;
    private readonly string _key;
    private readonly string _pin;

    public RelayTlsTests(ITestOutputHelper output)
        : base(output)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + RelayName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        _certificate = Path.Combine(_folder.FullName, "relay.pem");
        _key = Path.Combine(_folder.FullName, "relay.key");
        File.WriteAllText(_certificate, certificate.ExportCertificatePem());
        File.WriteAllText(_key, key.ExportPkcs8PrivateKeyPem());
        _pin = string.Join(':', Convert.ToHexString(SHA256.HashData(certificate.RawData)).Chunk(2).Select(c => new string(c)));
    }

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { [$"Relaying:Tls:{RelayName}:Sha256"] = _pin };

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task ARelayOverHttpsIsUpWithTheRightPinAndNeverWithAWrongOne()
    {
        await using var relay = await RelayProcess.StartAsync(RelayName, Output, "--cert", _certificate, "--cert-key", _key).DefaultTimeout();
        Assert.Equal("https", relay.Http.Scheme);

        var relayId = await RegisterRelayAsync(relay, "PT-H-LT", "huyen", "mat-khau-huyen-lam-thao");
        await Until(async () => (await RelayAsync(relayId)).GetProperty("health").GetString() == "Up", "the relay to be up over HTTPS with its pin");

        // The same relay seen by a server holding another pin: the TLS handshake is refused, the relay never comes up.
        var wrongPin = new Dictionary<string, string?> { [$"Relaying:Tls:{RelayName}:Sha256"] = new string('A', 64) };
        await using var other = new ConferencingFactory(TestDatabase.Sqlite(), settings: wrongPin);
        using var admin = await other.AdminAsync();
        using var sites = new StringContent(Conferencing.Server.Sites.SiteFiles.ToCsv(Sample.MixedTree()), System.Text.Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync(new Uri("/api/sites/import", UriKind.Relative), sites).DefaultTimeout()).StatusCode);
        var created = await admin.PostAsJsonAsync("/api/relays", new
        {
            name = RelayName, siteCode = "PT-H-LT", controlUrl = relay.Http.ToString(), apiKey = relay.Key, sipAddress = relay.Sip.ToString(), sipUser = "huyen", sipPassword = "mat-khau-huyen-lam-thao",
        }, Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Json).DefaultTimeout()).GetProperty("id").GetGuid();
        for (var i = 0; i < 8; i++)
        {
            await Task.Delay(500);
            var seen = await admin.GetFromJsonAsync<JsonElement>($"/api/relays/{id}", Json).DefaultTimeout();
            Assert.NotEqual("Up", seen.GetProperty("health").GetString());
        }

        Assert.Equal("Up", (await RelayAsync(relayId)).GetProperty("health").GetString());
    }
}
