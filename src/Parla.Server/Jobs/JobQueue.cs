using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Parla.Server.Jobs;

/// <summary>
/// Job ids waiting for a worker, with a bound on how many may wait. A submission reserves a place
/// first (<see cref="TryReserve"/>), is saved, then enqueued; a cancelled waiting job gives its place
/// back at once.
/// </summary>
public sealed class JobQueue
{
    private readonly Channel<string> _channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly ConcurrentDictionary<string, byte> _waiting = new();
    private readonly Lock _gate = new();
    private int _reserved;

    public JobQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>Jobs waiting or about to (reserved places included).</summary>
    public int Count
    {
        get { lock (_gate) return _waiting.Count + _reserved; }
    }

    /// <summary>Reserves a place; false when the queue is full.</summary>
    public bool TryReserve()
    {
        lock (_gate)
        {
            if (_waiting.Count + _reserved >= Capacity) return false;
            _reserved++;
            return true;
        }
    }

    /// <summary>Gives back a place reserved by a submission that did not go through.</summary>
    public void Release()
    {
        lock (_gate) _reserved--;
    }

    /// <summary>Turns a reserved place into a waiting job.</summary>
    public void Enqueue(string id)
    {
        lock (_gate)
        {
            _reserved--;
            _waiting[id] = 0;
        }
        _channel.Writer.TryWrite(id);
    }

    /// <summary>Enqueues without a reservation, whatever the bound (jobs recovered at start-up).</summary>
    public void Restore(string id)
    {
        lock (_gate) _waiting[id] = 0;
        _channel.Writer.TryWrite(id);
    }

    /// <summary>Takes a waiting job out of the queue (it was cancelled); true when it was waiting.</summary>
    public bool Remove(string id)
    {
        lock (_gate) return _waiting.TryRemove(id, out _);
    }

    /// <summary>The next waiting job, skipping removed ones.</summary>
    public async ValueTask<string> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var id = await _channel.Reader.ReadAsync(cancellationToken);
            if (Remove(id)) return id;
        }
    }
}
