using System.Collections;
using Parla.Provenance;

namespace Parla.Tests.Provenance;

public sealed class ConsentStatementTests
{
    [Fact]
    public void Resolve_PrefersTheOption_ThenTheEnvironment()
    {
        var env = new Hashtable { [ConsentStatement.EnvironmentVariable] = "I have the subject's written permission" };
        Assert.Equal("I am the person shown", ConsentStatement.Resolve("  I am the person shown ", env).Text);
        Assert.Equal("I have the subject's written permission", ConsentStatement.Resolve(null, env).Text);
    }

    [Fact]
    public void Missing_ExplainsWhatAndWhy_WithExamples()
    {
        var e = Assert.Throws<ConsentException>(() => ConsentStatement.Resolve(null, new Hashtable()));
        Assert.Contains("--consent", e.Message);
        Assert.Contains("PARLA_CONSENT", e.Message);
        Assert.Contains("I am the person shown", e.Message);
        Assert.Contains("I have the subject's written permission", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("yes")]
    [InlineData("ok sure")]
    public void TooShort_IsRefused(string text)
    {
        Assert.False(ConsentStatement.TryCreate(text, out _, out var problem));
        Assert.Contains("consent", problem);
        // An explicit but empty option is not silently replaced by the environment.
        Assert.Throws<ConsentException>(() => ConsentStatement.Resolve(text, new Hashtable { ["PARLA_CONSENT"] = "I am the person shown" }));
    }
}
