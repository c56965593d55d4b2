namespace Parla;

/// <summary>
/// Waiting on a lock for a condition, as the project's producers and consumers do: those that change
/// what is waited for call <see cref="Monitor.PulseAll"/> on the lock; a cancelled token wakes the
/// waiter too. The token's wake-up is registered and let go outside the lock: letting it go inside
/// would wait for a wake-up already running on another thread, which waits for the lock.
/// </summary>
internal static class MonitorWait
{
    /// <summary>
    /// Takes <paramref name="gate"/> and waits until <paramref name="done"/> (called with it held; it may
    /// throw what failed) returns true; throws <see cref="OperationCanceledException"/> once
    /// <paramref name="ct"/> is cancelled.
    /// </summary>
    public static void Until(object gate, Func<bool> done, CancellationToken ct)
    {
        using var wake = ct.Register(static g => { lock (g!) Monitor.PulseAll(g); }, gate);
        lock (gate)
        {
            while (!done())
            {
                ct.ThrowIfCancellationRequested();
                Monitor.Wait(gate);
            }
        }
    }
}
