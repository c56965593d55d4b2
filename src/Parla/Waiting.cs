namespace Parla;

/// <summary>Waiting that a cancelled token cuts short, as the project's producers and consumers do.</summary>
internal static class Waiting
{
    /// <summary>
    /// Takes <paramref name="gate"/> and waits until <paramref name="done"/> (called with it held; it may
    /// throw what failed) returns true; throws <see cref="OperationCanceledException"/> once
    /// <paramref name="ct"/> is cancelled. Those that change what is waited for call
    /// <see cref="Monitor.PulseAll"/> on the lock; the token's wake-up is registered and let go outside
    /// the lock: letting it go inside would wait for a wake-up already running on another thread, which
    /// waits for the lock.
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

    /// <summary>The result of <paramref name="task"/> once it is done (throwing what it threw, unwrapped); <see cref="OperationCanceledException"/> once <paramref name="ct"/> is cancelled.</summary>
    public static T ResultOf<T>(Task<T> task, CancellationToken ct)
    {
        Task.WaitAny([task], ct);
        return task.GetAwaiter().GetResult();
    }
}
