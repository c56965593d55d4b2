using System.Runtime.InteropServices;

namespace Parla.Cli;

/// <summary>
/// Ctrl+C (SIGINT), SIGTERM (kill, timeout, a service manager) and SIGHUP (the terminal closed) cancel
/// the running command instead of ending the process where it stands: a render stops, its encoder is
/// stopped and the unfinished video removed. A second signal ends the process at once.
/// </summary>
/// <remarks>
/// The commands run on the calling thread. System.CommandLine's own handling waits only for an action
/// that has returned its task, so a synchronous one was ended by the runtime at once: its encoder went
/// on alone and left the hidden <c>.NAME.PID.partial</c> file beside the output.
/// </remarks>
internal sealed class TerminationSignals : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly TextWriter _error;
    private static int _received;

    public TerminationSignals(TextWriter error)
    {
        _error = error;
        Interlocked.Exchange(ref _received, 0);
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            try
            {
                _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
            }
            catch (PlatformNotSupportedException)
            {
                // Where a signal does not exist, nothing can send it.
            }
        }
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>
    /// The exit code of a command that a signal stopped, as shells report a process the signal ended
    /// (128 + its number: 130 for Ctrl+C, 143 for SIGTERM, 129 for SIGHUP); null when none came.
    /// </summary>
    public static int? ExitCode => Volatile.Read(ref _received) is var n and > 0 ? 128 + n : null;

    private void OnSignal(PosixSignalContext context)
    {
        var number = context.Signal switch
        {
            PosixSignal.SIGHUP => 1,
            PosixSignal.SIGINT => 2,
            _ => 15,
        };
        if (Interlocked.CompareExchange(ref _received, number, 0) != 0)
            return; // the second: the runtime ends the process
        context.Cancel = true;
        _error.WriteLine($"parla: stopping ({context.Signal}); a second one ends it at once, leaving what it was writing.");
        _cancel.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _cancel.Dispose();
    }
}
