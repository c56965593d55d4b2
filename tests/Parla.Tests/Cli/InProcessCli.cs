using Parla.Cli;

namespace Parla.Tests.Cli;

/// <summary>Runs the command line in-process, as a user's shell would, and keeps what it printed.</summary>
internal static class InProcessCli
{
    public static (int Code, string Output, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
