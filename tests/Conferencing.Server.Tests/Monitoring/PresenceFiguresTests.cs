using System.Text.Json;
using Conferencing.Server.Endpoints.Presence;
using Conferencing.Server.Hosting;
using Conferencing.Server.Monitoring;

namespace Conferencing.Server.Tests.Monitoring;

public sealed class PresenceFiguresTests
{
    private static readonly DateTimeOffset Since = new(2025, 9, 2, 1, 0, 0, TimeSpan.Zero);
    private static readonly Guid Room = Guid.Parse("11111111-2222-3333-4444-555555555555");

    private static JsonSerializerOptions HubJson()
    {
        // As the hub serializes: SignalR's web defaults plus the server's own settings.
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ServerSetup.ConfigureJson(options);
        return options;
    }

    private static EndpointPresence Presence(EndpointState state, string? reason, double? roundTrip, DateTimeOffset? registeredUntil = null) =>
        new(Room, "PT-08515", "sip:hy-cuong@10.0.0.5", state, "sip:hy-cuong@10.0.0.5:5060", registeredUntil, roundTrip, Since.AddSeconds(30), Since, reason);

    [Fact]
    public void APresenceChangeCarriesOnlyWhatChangesUnderOneLetterNames()
    {
        var json = JsonSerializer.Serialize(PresenceFigures.From(Presence(EndpointState.Offline, "no answer to OPTIONS", 12.345)), HubJson());
        Assert.Equal("{\"e\":\"11111111-2222-3333-4444-555555555555\",\"s\":\"Offline\",\"w\":\"no answer to OPTIONS\",\"r\":12.3,\"t\":1756774800}", json);
    }

    [Fact]
    public void AChangeWithoutReasonOrRoundTripLeavesThemOut()
    {
        var json = JsonSerializer.Serialize(PresenceFigures.From(Presence(EndpointState.Reachable, null, double.NaN)), HubJson());
        Assert.Equal("{\"e\":\"11111111-2222-3333-4444-555555555555\",\"s\":\"Reachable\",\"t\":1756774800}", json);
    }

    [Fact]
    public void ARenewedRegistrationLooksTheSameToADashboard()
    {
        // The broadcaster skips a change equal to the last one sent: a re-REGISTER moves only the expiry.
        var first = PresenceFigures.From(Presence(EndpointState.Registered, null, 20.04, Since.AddMinutes(5)));
        var renewed = PresenceFigures.From(Presence(EndpointState.Registered, null, 19.96, Since.AddMinutes(10)));
        Assert.Equal(first, renewed);
        Assert.NotEqual(first, PresenceFigures.From(Presence(EndpointState.Registered, null, 25, Since.AddMinutes(10))));
    }

    [Fact]
    public void TheCompactFormIsAFractionOfTheWholeRecord()
    {
        var presence = Presence(EndpointState.Degraded, "loss 4 %", 18.2, Since.AddMinutes(5));
        var whole = JsonSerializer.SerializeToUtf8Bytes(presence, HubJson()).Length;
        var compact = JsonSerializer.SerializeToUtf8Bytes(PresenceFigures.From(presence), HubJson()).Length;
        Assert.True(compact * 3 < whole, $"compact {compact} bytes, whole {whole} bytes");
    }
}
