using GroveMoE.Cpu.Hub;

namespace GroveMoE.Cpu.Tests.Hub;

public sealed class ModelReferenceTests
{
    [Theory]
    [InlineData("owner/repo", "owner", "repo", null)]
    [InlineData("hf.co/owner/Repo-GGUF:Q4_K_M", "owner", "Repo-GGUF", "Q4_K_M")]
    [InlineData("huggingface.co/o.w-n_er/re.po:q8_0", "o.w-n_er", "re.po", "q8_0")]
    [InlineData("https://huggingface.co/owner/repo", "owner", "repo", null)]
    [InlineData("hf.co/owner/repo:latest", "owner", "repo", null)]
    public void ParsesTheFormsUsersType(string text, string owner, string repo, string? quant)
    {
        var reference = ModelReference.Parse(text);
        Assert.Equal((owner, repo, quant), (reference.Owner, reference.Repository, reference.Quant));
    }

    [Theory]
    [InlineData("repo")]
    [InlineData("a/b/c")]
    [InlineData("../repo")]
    [InlineData("owner/..")]
    [InlineData("owner/repo:")]
    [InlineData("owner/re po")]
    public void RejectsWhatIsNoRepository(string text)
    {
        Assert.Throws<FormatException>(() => ModelReference.Parse(text));
    }

    [Fact]
    public void APathIsAHubModelOnlyWithTheHfPrefixWhenAskedSo()
    {
        Assert.False(ModelReference.TryParse("models/x.gguf", requirePrefix: true, out _));
        Assert.True(ModelReference.TryParse("hf.co/models/x", requirePrefix: true, out var r));
        Assert.Equal("models/x", r.RepoId);
    }

    [Fact]
    public void EnvironmentIsReadAsHuggingfaceHubReadsIt()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        HubOptions With(params (string Name, string Value)[] vars) =>
            HubOptions.FromEnvironment(name => vars.FirstOrDefault(v => v.Name == name).Value);

        var plain = With(("HF_TOKEN_PATH", "/nonexistent/token"));
        Assert.Equal(new Uri("https://huggingface.co"), plain.Endpoint);
        Assert.Equal(Path.Combine(home, ".cache", "huggingface", "hub"), plain.CacheDirectory);
        Assert.Null(plain.Token);
        Assert.False(plain.Offline);

        Assert.Equal("/x/huggingface/hub", With(("XDG_CACHE_HOME", "/x")).CacheDirectory);
        Assert.Equal("/h/hub", With(("XDG_CACHE_HOME", "/x"), ("HF_HOME", "/h")).CacheDirectory);
        Assert.Equal("/c", With(("HF_HOME", "/h"), ("HF_HUB_CACHE", "/c")).CacheDirectory);

        var set = With(("HF_ENDPOINT", "http://127.0.0.1:9/mirror"), ("HF_TOKEN", " hf_abc "), ("HF_HUB_OFFLINE", "1"));
        Assert.Equal("http://127.0.0.1:9/mirror/", set.Endpoint.ToString());
        Assert.Equal("hf_abc", set.Token);
        Assert.True(set.Offline);
        Assert.Throws<HubException>(() => With(("HF_ENDPOINT", "ftp://x")));
    }
}
