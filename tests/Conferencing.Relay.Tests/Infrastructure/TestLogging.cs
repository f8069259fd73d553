using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Conferencing.Relay.Tests.Infrastructure;

/// <summary>Relay logs into the test's output, so a failing test shows what the relay saw.</summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper output, string prefix = "") : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, prefix);

    public void Dispose()
    {
    }

    public static ILoggerFactory Factory(ITestOutputHelper output, string prefix = "") =>
        LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new TestOutputLoggerProvider(output, prefix)));

    private sealed class Logger(ITestOutputHelper output, string prefix) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {prefix}{logLevel} {eventId.Id} {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test already finished.
            }
        }
    }
}
