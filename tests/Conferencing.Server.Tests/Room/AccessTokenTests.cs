using Conferencing.Server.Room;

namespace Conferencing.Server.Tests.Room;

public sealed class AccessTokenTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ATokenReadsBackWhatWasSigned()
    {
        var meeting = Guid.NewGuid();
        var subject = Guid.NewGuid();
        var text = AccessTokens.Create(Key, AccessTokenKind.Invite, meeting, subject, Now.AddMinutes(5));
        Assert.Equal(AccessTokens.EncodedLength, text.Length);
        Assert.True(AccessTokens.TryRead(Key, text, Now, out var token, out var refusal), refusal.ToString());
        Assert.Equal((AccessTokenKind.Invite, meeting, subject, Now.AddMinutes(5)), (token.Kind, token.MeetingId, token.Subject, token.ExpiresUtc));
    }

    [Fact]
    public void EveryChangedCharacterIsTamperingOrMalformedAndNeverAccepted()
    {
        var text = AccessTokens.Create(Key, AccessTokenKind.Room, Guid.NewGuid(), Guid.NewGuid(), Now.AddMinutes(5));
        for (var i = 0; i < text.Length; i++)
        {
            var changed = text[..i] + (text[i] == 'x' ? 'y' : 'x') + text[(i + 1)..];
            Assert.False(AccessTokens.TryRead(Key, changed, Now, out _, out var refusal));
            Assert.True(refusal is TokenRefusal.Tampered or TokenRefusal.Malformed, $"{i}: {refusal}");
        }

        for (var length = 0; length < text.Length; length++)
        {
            Assert.False(AccessTokens.TryRead(Key, text[..length], Now, out _, out var refusal));
            Assert.Equal(TokenRefusal.Malformed, refusal);
        }
    }

    [Fact]
    public void AGenuineTokenPastItsTimeIsExpiredAndAnotherKeysTokenIsTampered()
    {
        var text = AccessTokens.Create(Key, AccessTokenKind.Room, Guid.NewGuid(), Guid.NewGuid(), Now);
        Assert.False(AccessTokens.TryRead(Key, text, Now, out _, out var refusal));
        Assert.Equal(TokenRefusal.Expired, refusal);
        Assert.False(AccessTokens.TryRead(new byte[32], text, Now.AddMinutes(-1), out _, out refusal));
        Assert.Equal(TokenRefusal.Tampered, refusal);
    }

    [Fact]
    public void PinsAreSixDigitsStableAndDifferPerDelegate()
    {
        var meeting = Guid.NewGuid();
        var pins = Enumerable.Range(0, 50).Select(_ => AccessTokens.Pin(Key, meeting, Guid.NewGuid())).ToList();
        Assert.All(pins, p => Assert.Matches("^[0-9]{6}$", p));
        Assert.True(pins.Distinct().Count() > 45);
        var person = Guid.NewGuid();
        Assert.Equal(AccessTokens.Pin(Key, meeting, person), AccessTokens.Pin(Key, meeting, person));
    }

    [Fact]
    public void PeekingNamesTheKindAndMeetingOfAWellFormedTokenOnlyAndSaysNothingOfItsKey()
    {
        var meeting = Guid.NewGuid();
        var text = AccessTokens.Create(Key, AccessTokenKind.Ticket, meeting, Guid.NewGuid(), Now.AddMinutes(5));
        Assert.True(AccessTokens.TryPeek(text, out var kind, out var peeked));
        Assert.Equal((AccessTokenKind.Ticket, meeting), (kind, peeked));

        // Signed with another key it peeks the same (the verifier chooses keys from it), and fails to read.
        var other = AccessTokens.Create(new byte[32], AccessTokenKind.Ticket, meeting, Guid.NewGuid(), Now.AddMinutes(5));
        Assert.True(AccessTokens.TryPeek(other, out _, out _));
        Assert.False(AccessTokens.TryRead(Key, other, Now, out _, out var refusal));
        Assert.Equal(TokenRefusal.Tampered, refusal);

        foreach (var bad in new[] { null, "", text[..^1], text + "A", "A" + text[1..^1] + "!", new string('A', AccessTokens.EncodedLength) })
        {
            Assert.False(AccessTokens.TryPeek(bad, out _, out _), bad);
        }
    }
}
