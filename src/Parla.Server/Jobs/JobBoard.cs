using System.Collections.Concurrent;

namespace Parla.Server.Jobs;

/// <summary>Live state of a running job: what the store does not keep between stage changes.</summary>
public sealed record LiveProgress(string Stage, double Progress, double? EtaSeconds);

/// <summary>
/// The jobs being rendered right now: their live progress, a way to cancel each, and one signal
/// that fires on every change (progress, or a status written by a worker) for the event streams.
/// </summary>
public sealed class JobBoard
{
    private readonly ConcurrentDictionary<string, Entry> _running = new();
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>
    /// Held around every read-then-write of a job's status (worker and API alike), so that a cancel
    /// and a worker's start or finish cannot both win.
    /// </summary>
    public Lock StatusGate { get; } = new();

    /// <summary>Completes at the next change anywhere; take it before reading the state, then await it.</summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    /// <summary>Registers a job a worker starts; the returned token is cancelled by <see cref="CancelAsync"/> or by <paramref name="stopping"/>.</summary>
    public CancellationToken Start(string id, CancellationToken stopping)
    {
        var entry = new Entry(CancellationTokenSource.CreateLinkedTokenSource(stopping));
        _running[id] = entry;
        Pulse();
        return entry.Cancellation.Token;
    }

    public void Report(string id, LiveProgress progress)
    {
        if (!_running.TryGetValue(id, out var entry)) return;
        entry.Progress = progress;
        Pulse();
    }

    public LiveProgress? Progress(string id) => _running.TryGetValue(id, out var entry) ? entry.Progress : null;

    /// <summary>Whether cancellation of the job was asked for by a client (not by a server stop).</summary>
    public bool WasCancelled(string id) => _running.TryGetValue(id, out var entry) && entry.CancelledByClient;

    /// <summary>The worker is done with the job (whatever the outcome).</summary>
    public void End(string id)
    {
        if (_running.TryRemove(id, out var entry))
        {
            entry.Ended.TrySetResult();
            entry.Cancellation.Dispose();
        }
        Pulse();
    }

    /// <summary>Cancels a running job and waits (up to <paramref name="timeout"/>) for its worker to let go of it; false when it was not running.</summary>
    public async Task<bool> CancelAsync(string id, TimeSpan timeout)
    {
        if (!_running.TryGetValue(id, out var entry)) return false;
        entry.CancelledByClient = true;
        try
        {
            await entry.Cancellation.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // Ended between the lookup and the cancel: nothing left to stop.
        }
        await Task.WhenAny(entry.Ended.Task, Task.Delay(timeout));
        return true;
    }

    /// <summary>Wakes every waiter on <see cref="Changed"/>.</summary>
    public void Pulse() => Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Entry(CancellationTokenSource cancellation)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public volatile LiveProgress? Progress;
        public volatile bool CancelledByClient;
    }
}
