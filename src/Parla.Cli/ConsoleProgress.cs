using System.Diagnostics;
using Parla.Pipeline;

namespace Parla.Cli;

/// <summary>
/// Shows pipeline progress on standard error: a redrawn bar on a terminal, plain lines (at stage
/// changes and every 10%) when standard error is redirected to a file or a pipe; with the time a
/// stage that counts its work (the render) has left, from its pace so far.
/// </summary>
internal sealed class ConsoleProgress : IProgress<PipelineProgress>, IDisposable
{
    private readonly TextWriter _out;
    private readonly bool _interactive;
    private readonly Func<long> _milliseconds;
    private readonly Lock _gate = new();
    private string _stage = "";
    private int _lastDecile = -1;
    private long _lastDrawMs = -1000;
    private bool _barOpen;
    // Where the stage's pace is measured from: its first report that counted work.
    private long _paceFromMs = -1;
    private int _paceFromDone;

    /// <param name="output">Where the progress goes.</param>
    /// <param name="interactive">A terminal (a redrawn bar) rather than a file or a pipe (lines).</param>
    /// <param name="milliseconds">The clock, in milliseconds from any start (tests give their own).</param>
    public ConsoleProgress(TextWriter output, bool interactive, Func<long>? milliseconds = null)
    {
        _out = output;
        _interactive = interactive;
        if (milliseconds is null)
        {
            var clock = Stopwatch.StartNew();
            milliseconds = () => clock.ElapsedMilliseconds;
        }
        _milliseconds = milliseconds;
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
                _paceFromMs = -1;
                if (!_interactive || value.Total <= 0) _out.WriteLine($"parla: {value.Stage}…");
            }
            if (value.Total <= 0) return;
            var now = _milliseconds();
            if (_paceFromMs < 0)
            {
                _paceFromMs = now;
                _paceFromDone = value.Done;
            }

            if (_interactive)
            {
                if (now - _lastDrawMs < 100 && value.Done < value.Total) return;
                _lastDrawMs = now;
                const int width = 30;
                var filled = (int)Math.Round(value.Fraction * width);
                var bar = new string('#', filled) + new string('-', width - filled);
                var left = TimeLeft(value, now) is { } t ? $"  {t} left" : "";
                _out.Write($"\r{value.Stage,-10} [{bar}] {value.Fraction * 100,3:0}%  {value.Done}/{value.Total}{left}      ");
                _barOpen = true;
                if (value.Done >= value.Total) EndBar();
            }
            else
            {
                var decile = (int)(value.Fraction * 10);
                if (decile == _lastDecile) return;
                _lastDecile = decile;
                var left = TimeLeft(value, now) is { } t ? $", about {t} left" : "";
                _out.WriteLine($"parla: {value.Stage} {value.Fraction * 100:0}% ({value.Done}/{value.Total}){left}");
            }
        }
    }

    /// <summary>
    /// The time the stage has left at its pace since its first counted report, once that pace rests on
    /// a second and on a fiftieth of the work at least; null before, and at the end.
    /// </summary>
    private string? TimeLeft(PipelineProgress value, long now)
    {
        var done = value.Done - _paceFromDone;
        var elapsed = now - _paceFromMs;
        if (value.Done >= value.Total || elapsed < 1000 || done < Math.Max(1, value.Total / 50)) return null;
        var seconds = elapsed / 1000.0 / done * (value.Total - value.Done);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return seconds < 90 ? $"{Math.Max(1, Math.Round(seconds)).ToString(inv)} s"
            : seconds < 90 * 60 ? $"{Math.Round(seconds / 60).ToString(inv)} min"
            : $"{(seconds / 3600).ToString("0.0", inv)} h";
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
