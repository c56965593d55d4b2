using System.Diagnostics;
using Parla.Pipeline;

namespace Parla.Cli;

/// <summary>
/// Shows pipeline progress on standard error: a redrawn bar on a terminal, plain lines (at stage
/// changes and every 10%) when standard error is redirected to a file or a pipe.
/// </summary>
internal sealed class ConsoleProgress : IProgress<PipelineProgress>, IDisposable
{
    private readonly TextWriter _out;
    private readonly bool _interactive;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private string _stage = "";
    private int _lastDecile = -1;
    private long _lastDrawMs = -1000;
    private bool _barOpen;

    public ConsoleProgress(TextWriter output, bool interactive)
    {
        _out = output;
        _interactive = interactive;
    }

    public static ConsoleProgress ForStandardError() => new(Console.Error, !Console.IsErrorRedirected);

    public void Report(PipelineProgress value)
    {
        lock (_gate)
        {
            if (value.Stage != _stage)
            {
                EndBar();
                _stage = value.Stage;
                _lastDecile = -1;
                if (!_interactive || value.Total <= 0) _out.WriteLine($"parla: {value.Stage}…");
            }
            if (value.Total <= 0) return;

            if (_interactive)
            {
                var now = _clock.ElapsedMilliseconds;
                if (now - _lastDrawMs < 100 && value.Done < value.Total) return;
                _lastDrawMs = now;
                const int width = 30;
                var filled = (int)Math.Round(value.Fraction * width);
                var bar = new string('#', filled) + new string('-', width - filled);
                _out.Write($"\r{value.Stage,-10} [{bar}] {value.Fraction * 100,3:0}%  {value.Done}/{value.Total}   ");
                _barOpen = true;
                if (value.Done >= value.Total) EndBar();
            }
            else
            {
                var decile = (int)(value.Fraction * 10);
                if (decile == _lastDecile) return;
                _lastDecile = decile;
                _out.WriteLine($"parla: {value.Stage} {value.Fraction * 100:0}% ({value.Done}/{value.Total})");
            }
        }
    }

    private void EndBar()
    {
        if (!_barOpen) return;
        _out.WriteLine();
        _barOpen = false;
    }

    public void Dispose()
    {
        lock (_gate) EndBar();
    }
}
