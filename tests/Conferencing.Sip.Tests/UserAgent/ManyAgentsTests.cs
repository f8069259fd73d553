using System.Net;
using Conferencing.Sip.Auth;
using Conferencing.Sip.Stack;
using Conferencing.Sip.UserAgent;

namespace Conferencing.Sip.Tests.UserAgent;

/// <summary>A province's worth of room systems registering at once with one registrar.</summary>
public sealed class ManyAgentsTests
{
    [Fact]
    public async Task OneHundredSixtyFiveRoomsRegisterAtOnce()
    {
        await using var registrar = new SipUserAgent(new SipUserAgentOptions
        {
            User = "registrar",
            Authenticator = new DigestServer("r", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), TimeProvider.System),
            PasswordOf = u => "p-" + u,
        });
        var rooms = Enumerable.Range(0, 165).Select(i => new SipUserAgent(new SipUserAgentOptions { User = $"room{i}", Credentials = new NetworkCredential($"room{i}", $"p-room{i}") })).ToList();
        try
        {
            var results = await Task.WhenAll(rooms.Select(r => r.RegisterAsync(SipUri.Create(null, registrar.Stack.UdpEndPoint.Address), registrar.Stack.UdpEndPoint, TimeSpan.FromMinutes(2)))).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.All(results, r => Assert.Equal(200, r.StatusCode));
            Assert.Equal(165, registrar.Registrations.Count);
        }
        finally
        {
            foreach (var room in rooms)
            {
                await room.DisposeAsync();
            }
        }
    }
}
