using Conferencing.Server.Hosting.Supervision;
using Conferencing.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Conferencing.Server.Tests.Hosting;

public sealed class LoopSupervisorTests
{
    [Fact]
    public async Task AFailingLoopIsStartedAgainWithADelayThatDoubles()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-02T01:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var logs = new CapturingLogger();
        var supervisor = new LoopSupervisor(time, logs);
        using var stop = new CancellationTokenSource();
        var runs = 0;
        var started = new SemaphoreSlim(0);
        var loop = supervisor.RunAsync("sample", async ct =>
        {
            Interlocked.Increment(ref runs);
            started.Release();
            await Task.Yield();
            throw new InvalidOperationException("bug");
        }, stop.Token);

        await started.WaitAsync().DefaultTimeout();
        await WaitUntilAsync(() => supervisor.StatusOf("sample")?.Restarts == 1);
        Assert.False(supervisor.StatusOf("sample")!.Running);

        // 1 s, then 2 s, then 4 s. The clock moves in small steps, because the supervisor sets its
        // delay a moment after it counts the failure: the restart comes once the delay has passed,
        // never before, and within a few steps after.
        var step = TimeSpan.FromMilliseconds(100);
        foreach (var delay in new[] { 1, 2, 4 })
        {
            var before = Volatile.Read(ref runs);
            var waited = TimeSpan.Zero;
            var deadline = DateTime.UtcNow + TaskTimeouts.Default;
            while (Volatile.Read(ref runs) == before)
            {
                Assert.True(DateTime.UtcNow < deadline, $"no restart after {waited} of the {delay} s delay");
                time.Advance(step);
                waited += step;
                await Task.Delay(5);
            }

            Assert.InRange(waited, TimeSpan.FromSeconds(delay), TimeSpan.FromSeconds(delay) + (10 * step));
            await started.WaitAsync().DefaultTimeout();
            await WaitUntilAsync(() => supervisor.StatusOf("sample")?.Restarts == before + 1);
        }

        await stop.CancelAsync();
        await loop.DefaultTimeout();
        Assert.Equal(4, supervisor.StatusOf("sample")!.Restarts);
        Assert.Equal("InvalidOperationException: bug", supervisor.StatusOf("sample")!.LastError);
        Assert.Equal(4, logs.Lines.Count(l => l.EventId == 14001));
    }

    [Fact]
    public async Task ALoopThatReturnsEndsForGoodAndCancellationIsNoFailure()
    {
        var supervisor = new LoopSupervisor(TimeProvider.System, new CapturingLogger());
        await supervisor.RunAsync("once", _ => Task.CompletedTask, CancellationToken.None).DefaultTimeout();
        using var stop = new CancellationTokenSource();
        var waiting = supervisor.RunAsync("waits", ct => Task.Delay(Timeout.Infinite, ct), stop.Token);
        await stop.CancelAsync();
        await waiting.DefaultTimeout();
        Assert.Equal(0, supervisor.StatusOf("once")!.Restarts);
        Assert.Equal(0, supervisor.StatusOf("waits")!.Restarts);
        Assert.False(supervisor.StatusOf("waits")!.Running);
    }

    [Fact]
    public void APoisonedInputIsLoggedOnceNotEveryTimeItComesBack()
    {
        var time = new FakeTimeProvider();
        var logs = new CapturingLogger();
        var supervisor = new LoopSupervisor(time, logs);
        for (var i = 0; i < 1000; i++)
        {
            supervisor.Skipped("conductor", "meeting 1001", new FormatException("bad row"));
        }

        supervisor.Skipped("conductor", "meeting 1002", new FormatException("bad row"));
        Assert.Equal(2, logs.Lines.Count(l => l.EventId == 14003));

        // After the repeat interval the same failure is logged again, saying how many were not.
        time.Advance(LoopSupervisor.RepeatLogInterval);
        supervisor.Skipped("conductor", "meeting 1001", new FormatException("bad row"));
        var lines = logs.Lines.Where(l => l.EventId == 14003).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains("999 more of the same", lines[^1].Message, StringComparison.Ordinal);
        Assert.Equal(1002, supervisor.StatusOf("conductor")!.SkippedItems);
    }

    [Fact]
    public void FailureMemoryStaysBoundedUnderAFloodOfDistinctInputs()
    {
        var supervisor = new LoopSupervisor(new FakeTimeProvider(), new CapturingLogger());
        for (var i = 0; i < LoopSupervisor.MaxRememberedFailures * 5; i++)
        {
            supervisor.Skipped("room.push", $"meeting {i}", new InvalidOperationException("x"));
        }

        var field = typeof(LoopSupervisor).GetField("_failures", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        var remembered = (System.Collections.ICollection)field.GetValue(supervisor)!;
        Assert.InRange(remembered.Count, 1, LoopSupervisor.MaxRememberedFailures);
    }

    [Fact]
    public void AnInjectedFaultIsThrownByTheNextBeatOnly()
    {
        var supervisor = new LoopSupervisor(TimeProvider.System, new CapturingLogger());
        supervisor.InjectFault("alarms", new InvalidOperationException("drill"));
        supervisor.Beat("presence");
        Assert.Equal("drill", Assert.Throws<InvalidOperationException>(() => supervisor.Beat("alarms")).Message);
        supervisor.Beat("alarms");
        Assert.NotNull(supervisor.StatusOf("alarms")!.LastBeatUtc);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TaskTimeouts.Default;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }

    private sealed class CapturingLogger : ILogger<LoopSupervisor>
    {
        private readonly List<(int EventId, string Message)> _lines = [];

        public IReadOnlyList<(int EventId, string Message)> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add((eventId.Id, formatter(state, exception)));
            }
        }
    }
}
