using System.Net;
using System.Text.Json;
using Conferencing.Server.Tests.Infrastructure;

namespace Conferencing.Server.Tests.Room;

/// <summary>The sign-in throttles' and reissued PINs' SQL (upserts with RETURNING) on PostgreSQL.</summary>
public sealed class PostgresDelegateSignInTests : RoomTestBase
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.PostgresAsync();

    [Fact]
    public async Task WrongPinsAndAReissueWorkOnPostgres()
    {
        var (_, oldPin) = await InvitationAsync(0);
        var wrong = oldPin == "000000" ? "111111" : "000000";
        using var phone = Phone();
        var fields = await OpenAsync(phone, "/j/" + await RoomCodeAsync());
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(phone, fields, DelegateId(0), wrong).DefaultTimeout()).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Gone, (await ConfirmAsync(phone, fields, DelegateId(0), oldPin).DefaultTimeout()).StatusCode);

        var reissued = await ReadJson(await Admin.PostAsync(new Uri($"/api/meetings/{MeetingId}/delegates/{DelegateId(0)}/pin", UriKind.Relative), null).DefaultTimeout());
        var newPin = reissued.GetProperty("pin").GetString()!;
        Assert.NotEqual(oldPin, newPin);
        using var again = Phone();
        var fresh = await OpenAsync(again, "/j/" + await RoomCodeAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(again, fresh, DelegateId(0), oldPin).DefaultTimeout()).StatusCode);
        HttpStatusCode status;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        do
        {
            status = (await ConfirmAsync(again, fresh, DelegateId(0), newPin).DefaultTimeout()).StatusCode;
            if (status == HttpStatusCode.TooManyRequests)
            {
                await Task.Delay(300);
            }
        }
        while (status == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.SeeOther, status);
        Assert.Equal(JsonValueKind.String, reissued.GetProperty("url").ValueKind);
    }
}
