using System.Diagnostics;
using System.Text;

namespace Parla.Face.Models;

/// <summary>Runs an external program (npm, apt-get), keeping what it printed for the error message.</summary>
internal static class ToolRunner
{
    /// <summary>
    /// Runs the program to completion and returns its standard output. A non-zero exit, a timeout
    /// or cancellation kills it and raises <see cref="ToolException"/> with its output.
    /// </summary>
    public static string Run(
        string program, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        if (environment is not null)
        {
            foreach (var (key, value) in environment) info.Environment[key] = value;
        }

        var commandLine = $"{Path.GetFileName(program)} {string.Join(' ', info.ArgumentList)}";
        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new ToolException($"Could not start {commandLine}: {e.Message}", inner: e);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            process.WaitForExitAsync(timeoutSource.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            cancellationToken.ThrowIfCancellationRequested();
            throw new ToolException($"{commandLine} did not finish within {timeout.TotalSeconds:0} s.", Combined());
        }
        process.WaitForExit(); // flushes the asynchronous readers
        if (process.ExitCode != 0)
            throw new ToolException($"{commandLine} failed with exit code {process.ExitCode}.", Combined());
        lock (output) return output.ToString();

        string Combined()
        {
            lock (output) lock (errors) return (output.ToString() + errors).Trim();
        }
    }
}
