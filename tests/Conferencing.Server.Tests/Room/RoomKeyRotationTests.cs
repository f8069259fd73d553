using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conferencing.Server.Room;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Conferencing.Server.Tests.Room;

/// <summary>Rotating the room key: printed invitations keep working, new codes use the new key, old keys retire.</summary>
public class RoomKeyRotationTests : RoomTestBase
{
    private RoomKeys Keys => Factory.Services.GetRequiredService<RoomKeys>();

    private async Task<JsonElement> RotateAsync()
    {
        var response = await Admin.PostAsync(new Uri("/api/room-keys/rotate", UriKind.Relative), null).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJson(response);
    }

    private static string PathOf(string url) => new Uri(url).PathAndQuery;

    [Fact]
    public async Task AfterARotationPrintedInvitationsStillSignInAndNewCodesUseTheNewKey()
    {
        // Printed before the rotation: two invitations (code and PIN), and a phone holding a ticket from the old room code.
        var printed0 = await InvitationAsync(0);
        var printed1 = await InvitationAsync(1);
        var printed2 = await InvitationAsync(2);
        var oldKey = await Keys.CurrentAsync(CancellationToken.None).AsTask().DefaultTimeout();
        using var early = Phone();
        var earlyFields = await OpenAsync(early, "/j/" + await RoomCodeAsync());

        var rotated = await RotateAsync();
        var newId = rotated.GetProperty("id").GetString()!;
        Assert.NotEqual(oldKey.Id, newId);
        Assert.True(rotated.GetProperty("current").GetBoolean());
        var listed = await ReadJson(await Admin.GetAsync(new Uri("/api/room-keys", UriKind.Relative)).DefaultTimeout());
        var old = listed.EnumerateArray().Single(k => k.GetProperty("id").GetString() == oldKey.Id);
        Assert.False(old.GetProperty("current").GetBoolean());
        Assert.Equal("admin", old.GetProperty("retiredBy").GetString());
        Assert.Single(listed.EnumerateArray(), k => k.GetProperty("current").GetBoolean());
        Assert.DoesNotContain("secret", listed.GetRawText(), StringComparison.OrdinalIgnoreCase);

        // A new room code is signed with the new key, and the old key alone does not verify it.
        var newCode = await RoomCodeAsync();
        Assert.Equal(newId, (await Keys.ReadAsync(newCode, CancellationToken.None).DefaultTimeout()).KeyId);
        Assert.False(AccessTokens.TryRead(oldKey.Secret, newCode, DateTimeOffset.UtcNow, out _, out var refusal));
        Assert.Equal(TokenRefusal.Tampered, refusal);

        // The printed invitation's QR code signs its delegate in, with no PIN.
        using var byInvitation = Phone();
        var invitationFields = await OpenAsync(byInvitation, PathOf(printed0.Url));
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(byInvitation, invitationFields, null, null).DefaultTimeout()).StatusCode);

        // The printed PIN proves its delegate on a new room code.
        using var byPin = Phone();
        var pinFields = await OpenAsync(byPin, "/j/" + newCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(byPin, pinFields, DelegateId(1), printed1.Pin).DefaultTimeout()).StatusCode);

        // A ticket from the old room code is still good within its lifetime.
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(early, earlyFields, DelegateId(2), printed2.Pin).DefaultTimeout()).StatusCode);

        // A reprint after the rotation is the same paper: same code, same PIN.
        Assert.Equal(printed1, await InvitationAsync(1));
    }

    [Fact]
    public async Task AfterTheRetirementWindowTheOldKeysCodesAreRefusedButItsMeetingsInvitationsStillWork()
    {
        var printed0 = await InvitationAsync(0);
        var printed1 = await InvitationAsync(1);
        var oldKey = await Keys.CurrentAsync(CancellationToken.None).AsTask().DefaultTimeout();
        await RotateAsync();

        // A room code of the old key that would live for hours: accepted while the old key is in its window.
        var lasting = AccessTokens.Create(oldKey.Secret, AccessTokenKind.Room, MeetingId, Guid.NewGuid(), DateTimeOffset.UtcNow.AddHours(2));
        using var now = Phone();
        await OpenAsync(now, "/j/" + lasting);

        // A second node whose clock is past the window: the same code is refused as not genuine.
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow + Keys.RetiredWindow + TimeSpan.FromMinutes(1));
        await using var node = Factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(later)));
        using var phone = node.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        var refused = await phone.GetAsync(new Uri("/j/" + lasting, UriKind.Relative)).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("data-code=\"token.invalid\"", await refused.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);

        // The meeting is pinned to the old key: its printed invitation and PIN still work there.
        var invitationFields = await OpenAsync(phone, PathOf(printed0.Url));
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(phone, invitationFields, null, null).DefaultTimeout()).StatusCode);
        using var byPin = node.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        var code = (await node.Services.GetRequiredService<DelegateAccess>().RoomCodeAsync(MeetingId, CancellationToken.None).DefaultTimeout()).Token;
        var pinFields = await OpenAsync(byPin, "/j/" + code);
        Assert.Equal(HttpStatusCode.SeeOther, (await ConfirmAsync(byPin, pinFields, DelegateId(1), printed1.Pin).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task RotatingTheRoomKeyIsForAdministratorsOnlyAndAudited()
    {
        using var secretariat = await Factory.StaffAsync("Secretariat");
        Assert.Equal(HttpStatusCode.Forbidden, (await secretariat.PostAsync(new Uri("/api/room-keys/rotate", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await secretariat.GetAsync(new Uri("/api/room-keys", UriKind.Relative)).DefaultTimeout()).StatusCode);
        using var anonymous = Phone();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync(new Uri("/api/room-keys/rotate", UriKind.Relative), null).DefaultTimeout()).StatusCode);
        var before = await Keys.CurrentAsync(CancellationToken.None).AsTask().DefaultTimeout();
        Assert.Equal(before.Id, (await Keys.CurrentAsync(CancellationToken.None).AsTask().DefaultTimeout()).Id);

        var rotated = await RotateAsync();
        var audit = await ReadJson(await Admin.GetAsync(new Uri("/api/audit?action=room-key.rotated", UriKind.Relative)).DefaultTimeout());
        var entry = Assert.Single(audit.EnumerateArray());
        Assert.Equal("admin", entry.GetProperty("actor").GetString());
        Assert.Equal(rotated.GetProperty("id").GetString(), entry.GetProperty("entityId").GetString());
        Assert.Contains(before.Id, entry.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>The key ring's SQL on PostgreSQL: the unique current key, pinning upserts.</summary>
public sealed class PostgresRoomKeyRotationTests : RoomKeyRotationTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.PostgresAsync();
}
