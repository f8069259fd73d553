namespace Conferencing.Sip.Tests;

/// <summary>One timeout for every await in these tests, so a hang fails with a clear message instead of stalling CI.</summary>
public static class TaskTimeouts
{
    /// <summary>Generous for a loaded 2-core machine; a passing test never comes near it.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public static Task DefaultTimeout(this Task task) => task.WaitAsync(Default);

    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(Default);

    public static Task DefaultTimeout(this ValueTask task) => task.AsTask().WaitAsync(Default);

    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Default);

    /// <summary>Completes when <paramref name="condition"/> holds, checking every few milliseconds; pair with <see cref="DefaultTimeout(Task)"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(5);
        }
    }
}
