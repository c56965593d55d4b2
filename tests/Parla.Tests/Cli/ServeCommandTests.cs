using Parla.Cli;

namespace Parla.Tests.Cli;

/// <summary><c>parla serve</c> refuses bad settings before it listens (the server itself is tested in Parla.Server.Tests).</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public void Bad_settings_are_all_reported_with_exit_code_2()
    {
        var (code, _, error) = InProcessCli.Run("serve", "--workers", "0", "--port", "70000", "--token", "short", "--host", "not an address");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--workers must be between 1 and 64", error);
        Assert.Contains("--port must be between 0 and 65535", error);
        Assert.Contains("--token must be at least 8 characters", error);
        Assert.Contains("--host must be", error);
    }

    [Fact]
    public void Help_lists_the_options()
    {
        var (code, output, _) = InProcessCli.Run("serve", "--help");
        Assert.Equal(ExitCodes.Success, code);
        foreach (var option in new[] { "--host", "--port", "--data", "--workers", "--token", "--queue", "--ttl-hours", "--max-upload-mb" })
            Assert.Contains(option, output);
    }
}
