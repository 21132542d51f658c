using System.Net;
using GroveMoE.Cpu;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GroveMoE.Cli.Serving;

/// <summary>
/// An OpenAI-compatible HTTP server over one model: <c>/v1/chat/completions</c>, <c>/v1/completions</c>,
/// <c>/v1/models</c>, and <c>/health</c> and <c>/metrics</c> (which need no API key). It listens before the model has
/// loaded (<c>/health</c> says "loading"), admits <see cref="ServeOptions.Parallel"/> + <see cref="ServeOptions.MaxQueue"/>
/// requests and refuses more with 503; a client that disconnects cancels its generation. On stop it refuses new
/// requests and gives running answers <see cref="ServeOptions.ShutdownGrace"/> to finish before ending them.
/// </summary>
internal sealed class OpenAiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Task<ServedModel> _served;
    private readonly CancellationTokenSource _shutdown;

    private OpenAiServer(WebApplication app, Task<ServedModel> served, CancellationTokenSource shutdown, Uri address)
    {
        _app = app;
        _served = served;
        _shutdown = shutdown;
        Address = address;
    }

    /// <summary>The base address, e.g. <c>http://127.0.0.1:8080/</c>; the API lives under <c>v1/</c>.</summary>
    public Uri Address { get; }

    /// <summary>Completes when the model has loaded and the server answers; faults when loading failed.</summary>
    public Task Ready => _served;

    /// <summary>Cancelled when the host is asked to stop (SIGTERM, Ctrl-C).</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    /// <summary>Starts serving an already loaded model; returns once it answers.</summary>
    public static async Task<OpenAiServer> StartAsync(LanguageModel model, ServeOptions options, CancellationToken cancellationToken = default)
    {
        var server = await StartAsync(() => model, options, cancellationToken);
        try
        {
            await server.Ready;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Listens at once and loads the model with <paramref name="load"/> in the background (see <see cref="Ready"/>).</summary>
    public static async Task<OpenAiServer> StartAsync(Func<LanguageModel> load, ServeOptions options, CancellationToken cancellationToken = default)
    {
        if (options.Parallel < 1) throw new ServeOptionsException("--parallel must be at least 1");
        if (options.Port is < 0 or > 65535) throw new ServeOptionsException("--port must be between 0 and 65535");
        var address = ParseHost(options.Host);
        if (!IPAddress.IsLoopback(address) && string.IsNullOrEmpty(options.ApiKey))
            options.Warn?.Invoke($"listening on {options.Host} without --api-key: anyone who can reach this port can use the model");

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "grove" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10); // a client that trickles its headers
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);
            kestrel.Limits.MaxConcurrentConnections = 4L * (options.Parallel + options.MaxQueue) + 16;
            // Kestrel's default minimum data rates (240 B/s after 5 s) stay on: a body trickled slower, or a client that
            // stops reading its stream, is disconnected.
            kestrel.Listen(address, options.Port);
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownGrace + TimeSpan.FromSeconds(5));
        if (options.CorsOrigins.Count > 0) builder.Services.AddCors();
        var app = builder.Build();

        var shutdown = new CancellationTokenSource();
        var admission = new Admission(options.Parallel, options.MaxQueue);
        Task<ServedModel>? served = null;
        ServedModel? Served() => served is { IsCompletedSuccessfully: true } ? served.Result : null;
        var metrics = new ServerMetrics(() =>
        {
            var pool = Served()?.Pool;
            int waiting = pool?.Waiting ?? 0;
            return new ServerMetrics.Load(waiting, Math.Max(0, admission.Inside - waiting), pool?.CachedTokens ?? 0,
                (long)options.Parallel * options.Session.ContextLength);
        }, () => Served()?.Pool.GeneratedTokens ?? 0);
        var turns = new Turns(admission, metrics, options.RequestTimeout, shutdown.Token);
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            admission.Close();
            shutdown.CancelAfter(options.ShutdownGrace);
        });

        app.Use((context, next) => RequestLog.Middleware(context, next, metrics, options.Log));
        app.Use(ErrorHandling.Middleware);
        app.UseStatusCodePages(new StatusCodePagesOptions { HandleAsync = status => ErrorHandling.StatusCodePage(status.HttpContext) });
        if (options.CorsOrigins.Count > 0) app.UseCors(policy => Cors(policy, options.CorsOrigins));
        if (options.ApiKey is { Length: > 0 } key)
            app.UseWhen(context => context.Request.Path.StartsWithSegments("/v1"), v1 => v1.Use(new ApiKeyCheck(key).Middleware));

        ServedModel Ready() => Served() ?? throw new ApiErrorException(503,
            served is { IsFaulted: true } ? "the model failed to load" : "the model is still loading", code: "model_loading");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        app.MapPost("/v1/chat/completions", (HttpContext context) => Ready().Chat.HandleAsync(context));
        app.MapPost("/v1/completions", (HttpContext context) => Ready().Completions.HandleAsync(context));
        app.MapGet("/v1/models", (HttpContext context) => OpenAiJson.WriteAsync(context.Response,
            new ModelList([new ModelEntry(Ready().Model.Name, created, "grovemoe")])));
        app.MapGet("/v1/models/{id}", (HttpContext context) =>
        {
            string id = context.Request.RouteValues["id"] as string ?? "";
            return Ready().Model.Name == id
                ? OpenAiJson.WriteAsync(context.Response, new ModelEntry(id, created, "grovemoe"))
                : throw new ApiErrorException(404, $"the model '{id}' does not exist (this server serves '{Ready().Model.Name}')", "model", "model_not_found");
        });
        app.MapGet("/health", (HttpContext context) =>
        {
            var ready = Served();
            string status = shutdown.IsCancellationRequested || app.Lifetime.ApplicationStopping.IsCancellationRequested ? "stopping"
                : ready is not null ? "ok" : served is { IsFaulted: true } ? "error" : "loading";
            context.Response.StatusCode = status == "ok" ? 200 : 503;
            return OpenAiJson.WriteAsync(context.Response, new HealthStatus(status, ready?.Pool.Waiting ?? 0));
        });
        app.MapGet("/metrics", metrics.WriteAsync);

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new ServeOptionsException($"cannot listen on {options.Host}:{options.Port}: {e.Message}");
        }
        served = Task.Run(() => new ServedModel(load(), options, turns), CancellationToken.None);
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new OpenAiServer(app, served, shutdown, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    public static IPAddress ParseHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : IPAddress.TryParse(host, out var address) ? address
        : throw new ServeOptionsException($"--host must be an IP address or localhost (got '{host}')");

    private static void Cors(Microsoft.AspNetCore.Cors.Infrastructure.CorsPolicyBuilder policy, IReadOnlyList<string> origins)
    {
        if (origins.Contains("*")) policy.AllowAnyOrigin();
        else policy.WithOrigins([.. origins]);
        policy.AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("Retry-After")
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
    }

    /// <summary>Stops accepting, lets running answers finish within the grace, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _shutdown.Dispose();
        if (_served is { IsCompletedSuccessfully: true }) _served.Result.Dispose();
    }
}

internal sealed record HealthStatus(string Status, int Waiting);
