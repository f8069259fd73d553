using System.Text;
using Conferencing.Sip.Transactions;
using Microsoft.Extensions.Time.Testing;

namespace Conferencing.Sip.Tests.Transactions;

/// <summary>The RFC 3261 17 machines in simulated time: every timer checked by the clock, not by waiting.</summary>
public sealed class TransactionTests
{
    private static readonly byte[] Request = Encoding.ASCII.GetBytes("REQUEST");
    private static readonly byte[] Ack = Encoding.ASCII.GetBytes("ACK");

    private sealed class Wire
    {
        private readonly FakeTimeProvider _time;

        public Wire(FakeTimeProvider time) => _time = time;

        public List<(TimeSpan At, string What)> Sent { get; } = [];

        public DateTimeOffset Start { get; } = new(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);

        public bool Fail { get; set; }

        public ValueTask Send(ReadOnlyMemory<byte> bytes)
        {
            if (Fail)
            {
                throw new System.Net.Sockets.SocketException(111);
            }

            Sent.Add((_time.GetUtcNow() - Start, Encoding.ASCII.GetString(bytes.Span)));
            return ValueTask.CompletedTask;
        }

        public IEnumerable<double> Times(string what) => Sent.Where(s => s.What == what).Select(s => s.At.TotalSeconds);
    }

    private sealed class User : IClientTransactionUser<string>
    {
        public List<int> Responses { get; } = [];

        public List<TransactionFailure> Failures { get; } = [];

        public void OnResponse(int statusCode, string response) => Responses.Add(statusCode);

        public void OnFailure(TransactionFailure failure) => Failures.Add(failure);
    }

    private static (FakeTimeProvider Time, Wire Wire, User User, ClientTransaction<string> Transaction) Client(bool invite, bool reliable = false)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero));
        var wire = new Wire(time);
        var user = new User();
        var transaction = new ClientTransaction<string>(invite, Request, reliable, time, SipTimers.Default, wire.Send, invite ? _ => Ack : null, user);
        transaction.Start();
        return (time, wire, user, transaction);
    }

    private static void Run(FakeTimeProvider time, double seconds)
    {
        // Step in small increments so that timers re-armed inside callbacks fire at their due time.
        for (var i = 0; i < seconds * 20; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
        }
    }

    [Fact]
    public void AnUnansweredInviteIsRetransmittedWithDoublingIntervalsUntilTimerB()
    {
        var (time, wire, user, transaction) = Client(invite: true);
        Run(time, 40);
        Assert.Equal([0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5], wire.Times("REQUEST"));
        Assert.Equal([TransactionFailure.Timeout], user.Failures);
        Assert.Equal(TransactionState.Terminated, transaction.State);
    }

    [Fact]
    public void AnUnansweredNonInviteBacksOffToT2UntilTimerF()
    {
        var (time, wire, user, _) = Client(invite: false);
        Run(time, 40);
        Assert.Equal([0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5], wire.Times("REQUEST"));
        Assert.Equal([TransactionFailure.Timeout], user.Failures);
    }

    [Fact]
    public void OnTcpNothingIsRetransmittedButTimerBStillFires()
    {
        var (time, wire, user, _) = Client(invite: true, reliable: true);
        Run(time, 40);
        Assert.Equal([0], wire.Times("REQUEST"));
        Assert.Equal([TransactionFailure.Timeout], user.Failures);
    }

    [Fact]
    public void AProvisionalResponseStopsInviteRetransmissions()
    {
        var (time, wire, user, transaction) = Client(invite: true);
        Run(time, 0.6);
        transaction.OnResponse(100, "100");
        transaction.OnResponse(180, "180");
        Run(time, 20);
        Assert.Equal([0, 0.5], wire.Times("REQUEST"));
        Assert.Equal([100, 180], user.Responses);
        Assert.Equal(TransactionState.Proceeding, transaction.State);
    }

    [Fact]
    public void AProvisionalResponseSlowsNonInviteRetransmissionsToT2()
    {
        var (time, wire, _, transaction) = Client(invite: false);
        Run(time, 0.6);
        transaction.OnResponse(100, "100");
        Run(time, 10);
        Assert.Equal([0, 0.5, 1.5, 5.5, 9.5], wire.Times("REQUEST"));
    }

    [Fact]
    public void ANon2xxFinalIsAcknowledgedAndItsRetransmissionsReAcknowledgedButNotPassedUp()
    {
        var (time, wire, user, transaction) = Client(invite: true);
        transaction.OnResponse(486, "486");
        transaction.OnResponse(486, "486");
        transaction.OnResponse(486, "486");
        Assert.Equal([486], user.Responses);
        Assert.Equal(3, wire.Times("ACK").Count());
        Assert.Equal(TransactionState.Completed, transaction.State);
        Run(time, 33);
        Assert.Equal(TransactionState.Terminated, transaction.State);
        Assert.Empty(user.Failures);
    }

    [Fact]
    public void A2xxToInviteEntersAcceptedAndEveryRetransmissionReachesTheTu()
    {
        var (time, wire, user, transaction) = Client(invite: true);
        transaction.OnResponse(180, "180");
        transaction.OnResponse(200, "200");
        Assert.Equal(TransactionState.Accepted, transaction.State);
        transaction.OnResponse(200, "200");
        Assert.Equal([180, 200, 200], user.Responses);
        Assert.Empty(wire.Times("ACK"));
        Run(time, 33);
        Assert.Equal(TransactionState.Terminated, transaction.State);
    }

    [Fact]
    public void ANonInviteFinalLingersForT4OnUdpOnly()
    {
        var (time, _, user, transaction) = Client(invite: false);
        transaction.OnResponse(200, "200");
        transaction.OnResponse(200, "200");
        Assert.Equal([200], user.Responses);
        Run(time, 4.9);
        Assert.Equal(TransactionState.Completed, transaction.State);
        Run(time, 0.2);
        Assert.Equal(TransactionState.Terminated, transaction.State);

        var (_, _, _, reliable) = Client(invite: false, reliable: true);
        reliable.OnResponse(200, "200");
        Assert.Equal(TransactionState.Terminated, reliable.State);
    }

    [Fact]
    public void ATransportErrorEndsTheTransaction()
    {
        var time = new FakeTimeProvider();
        var wire = new Wire(time) { Fail = true };
        var user = new User();
        var transaction = new ClientTransaction<string>(false, Request, false, time, SipTimers.Default, wire.Send, null, user);
        transaction.Start();
        Assert.Equal([TransactionFailure.TransportError], user.Failures);
        Assert.Equal(TransactionState.Terminated, transaction.State);
    }

    [Fact]
    public void AServerRetransmitsANon2xxFinalToInviteUntilTimerH()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero));
        var wire = new Wire(time);
        var transaction = new ServerTransaction(true, false, time, SipTimers.Default, wire.Send);
        var timedOut = false;
        transaction.AckTimedOut += () => timedOut = true;
        Assert.True(transaction.SendResponse(180, Encoding.ASCII.GetBytes("180")));
        Assert.True(transaction.OnRequestRetransmission());
        Assert.True(transaction.SendResponse(486, Encoding.ASCII.GetBytes("486")));
        Run(time, 40);
        Assert.Equal([0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5], wire.Times("486"));
        Assert.Equal(2, wire.Times("180").Count());
        Assert.True(timedOut);
        Assert.Equal(TransactionState.Terminated, transaction.State);
    }

    [Fact]
    public void TheAckOfANon2xxConfirmsAndStopsRetransmission()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero));
        var wire = new Wire(time);
        var transaction = new ServerTransaction(true, false, time, SipTimers.Default, wire.Send);
        transaction.SendResponse(603, Encoding.ASCII.GetBytes("603"));
        Run(time, 1);
        Assert.False(transaction.OnAck());
        Assert.Equal(TransactionState.Confirmed, transaction.State);
        Run(time, 6);
        Assert.Equal([0, 0.5], wire.Times("603"));
        Assert.Equal(TransactionState.Terminated, transaction.State);
    }

    [Fact]
    public void AfterA2xxTheServerPassesAcksUpAndLetsTheCoreRetransmit()
    {
        var time = new FakeTimeProvider();
        var wire = new Wire(time);
        var transaction = new ServerTransaction(true, false, time, SipTimers.Default, wire.Send);
        Assert.True(transaction.SendResponse(200, Encoding.ASCII.GetBytes("200")));
        Assert.True(transaction.SendResponse(200, Encoding.ASCII.GetBytes("200")));
        Assert.False(transaction.OnRequestRetransmission());
        Assert.True(transaction.OnAck());
        Assert.False(transaction.SendResponse(486, Encoding.ASCII.GetBytes("486")));
        Run(time, 33);
        Assert.Equal(TransactionState.Terminated, transaction.State);
    }

    [Fact]
    public void ANonInviteServerAbsorbsRetransmissionsWithItsLastResponse()
    {
        var time = new FakeTimeProvider();
        var wire = new Wire(time);
        var transaction = new ServerTransaction(false, false, time, SipTimers.Default, wire.Send);
        Assert.False(transaction.OnRequestRetransmission());
        transaction.SendResponse(200, Encoding.ASCII.GetBytes("200"));
        Assert.True(transaction.OnRequestRetransmission());
        Assert.Equal(2, wire.Times("200").Count());
        Run(time, 31);
        Assert.Equal(TransactionState.Completed, transaction.State);
        Run(time, 2);
        Assert.Equal(TransactionState.Terminated, transaction.State);
    }
    /// <summary>
    /// Each timer that ends a state, checked on both sides of its RFC 3261 table 4 / RFC 6026 value with
    /// the default T1 500 ms, T4 5 s: the machine is still in the state just before and gone just after.
    /// </summary>
    [Theory]
    [InlineData("B", 32.0)]
    [InlineData("D", 32.0)]
    [InlineData("F", 32.0)]
    [InlineData("H", 32.0)]
    [InlineData("I", 5.0)]
    [InlineData("J", 32.0)]
    [InlineData("K", 5.0)]
    [InlineData("L", 32.0)]
    [InlineData("M", 32.0)]
    public void EveryTimerEndsItsStateAtTheRfcValue(string timer, double seconds)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero));
        var wire = new Wire(time);
        var user = new User();
        Func<TransactionState> state;
        TransactionState waiting;
        switch (timer)
        {
            case "B" or "D" or "F" or "K" or "M":
            {
                var client = new ClientTransaction<string>(timer is "B" or "D" or "M", Request, false, time, SipTimers.Default, wire.Send, timer is "F" or "K" ? null : _ => Ack, user);
                client.Start();
                state = () => client.State;
                waiting = timer switch
                {
                    "B" => TransactionState.Calling,
                    "F" => TransactionState.Trying,
                    "M" => TransactionState.Accepted,
                    _ => TransactionState.Completed,
                };
                if (timer is "D" or "K" or "M")
                {
                    client.OnResponse(timer == "D" ? 486 : 200, "final");
                }

                break;
            }

            default:
            {
                var server = new ServerTransaction(timer is "H" or "I" or "L", false, time, SipTimers.Default, wire.Send);
                server.SendResponse(timer switch { "L" => 200, "J" => 200, _ => 486 }, Encoding.ASCII.GetBytes("final"));
                waiting = timer switch { "I" => TransactionState.Confirmed, "L" => TransactionState.Accepted, _ => TransactionState.Completed };
                if (timer == "I")
                {
                    server.OnAck();
                }

                state = () => server.State;
                break;
            }
        }

        Run(time, seconds - 0.1);
        Assert.Equal(waiting, state());
        Run(time, 0.2);
        Assert.Equal(TransactionState.Terminated, state());
        Assert.Equal(timer is "B" or "F" ? [TransactionFailure.Timeout] : [], user.Failures);
    }

    [Fact]
    public void ShorterRoundTripsScaleEveryTimerFromT1()
    {
        var timers = SipTimers.Default with { T1 = TimeSpan.FromMilliseconds(100), T2 = TimeSpan.FromMilliseconds(800), T4 = TimeSpan.FromSeconds(1) };
        Assert.Equal(TimeSpan.FromMilliseconds(6400), timers.TransactionTimeout);
        Assert.Equal(TimeSpan.FromSeconds(32), timers.TimerD(reliable: false));
        Assert.Equal(TimeSpan.Zero, timers.TimerD(reliable: true));
        Assert.Equal(TimeSpan.FromSeconds(1), timers.WaitT4(reliable: false));
        Assert.Equal(TimeSpan.Zero, timers.TimerJ(reliable: true));
        Assert.Equal(TimeSpan.FromMilliseconds(800), timers.Backoff(TimeSpan.FromMilliseconds(400)));
        Assert.Equal(TimeSpan.FromMilliseconds(800), timers.Backoff(TimeSpan.FromMilliseconds(800)));
    }
}
