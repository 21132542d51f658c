using System.Diagnostics;
using System.Net;
using GroveMoE.Cpu;
using GroveMoE.Cpu.AI;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Generation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GroveMoE.Cli.Serving;

/// <summary>
/// An OpenAI-compatible HTTP server over one loaded model: <c>/v1/chat/completions</c>, <c>/v1/completions</c>,
/// <c>/v1/models</c> and <c>/health</c>. Requests share a <see cref="SessionPool"/> of <see cref="ServeOptions.Parallel"/>
/// sessions and wait for it in arrival order; a client that disconnects cancels its generation.
/// </summary>
internal sealed class OpenAiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SessionPool _pool;

    private OpenAiServer(WebApplication app, SessionPool pool, Uri address)
    {
        _app = app;
        _pool = pool;
        Address = address;
    }

    /// <summary>The base address, e.g. <c>http://127.0.0.1:8080/</c>; the API lives under <c>v1/</c>.</summary>
    public Uri Address { get; }

    public int Waiting => _pool.Waiting;

    /// <summary>Cancelled when the host is asked to stop (SIGTERM, Ctrl-C).</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    public static async Task<OpenAiServer> StartAsync(LanguageModel model, ServeOptions options, CancellationToken cancellationToken = default)
    {
        if (options.Parallel < 1) throw new UserInputException("--parallel must be at least 1");
        if (options.Port is < 0 or > 65535) throw new UserInputException("--port must be between 0 and 65535");
        var address = ParseHost(options.Host);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "grove" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, options.Port);
        });
        var app = builder.Build();

        var pool = new SessionPool(model, options.Parallel, options.Session);
        var client = new GroveChatClient(pool, new GroveChatClientOptions { Generation = options.Generation, Thinking = options.Thinking });
        var chat = new ChatCompletionsEndpoint(client, model.Name);
        var completions = new CompletionsEndpoint(pool, client, model.Name);
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        if (options.Log is { } log) app.Use((context, next) => LogRequest(context, next, log));
        app.Use(ErrorHandling.Middleware);
        app.UseStatusCodePages(new StatusCodePagesOptions { HandleAsync = status => ErrorHandling.StatusCodePage(status.HttpContext) });
        if (options.ApiKey is { Length: > 0 } key) app.Use(new ApiKeyCheck(key).Middleware);

        app.MapPost("/v1/chat/completions", chat.HandleAsync);
        app.MapPost("/v1/completions", completions.HandleAsync);
        app.MapGet("/v1/models", (HttpContext context) => context.Response.WriteAsJsonAsync(
            new ModelList([new ModelEntry(model.Name, created, "grovemoe")]), OpenAiJson.Options));
        app.MapGet("/health", (HttpContext context) => context.Response.WriteAsJsonAsync(
            new { status = "ok", waiting = pool.Waiting }, OpenAiJson.Options));

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            pool.Dispose();
            throw new UserInputException($"cannot listen on {options.Host}:{options.Port}: {e.Message}");
        }
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new OpenAiServer(app, pool, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    public static IPAddress ParseHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : IPAddress.TryParse(host, out var address) ? address
        : throw new UserInputException($"--host must be an IP address or localhost (got '{host}')");

    private static async Task LogRequest(HttpContext context, Func<Task> next, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await next();
        }
        finally
        {
            string outcome = context.RequestAborted.IsCancellationRequested ? "client left" : context.Response.StatusCode.ToString();
            log($"{context.Request.Method} {context.Request.Path} {outcome} {clock.Elapsed.TotalSeconds:F2}s");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _pool.Dispose();
    }
}
