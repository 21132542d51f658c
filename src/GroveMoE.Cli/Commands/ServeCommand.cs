using System.CommandLine;
using GroveMoE.Cli.Output;
using GroveMoE.Cli.Serving;
using GroveMoE.Cpu;
using GroveMoE.Cpu.CommandLine;
using GroveMoE.Cpu.Generation;
using Spectre.Console;

namespace GroveMoE.Cli.Commands;

/// <summary><c>grove serve</c>: an OpenAI-compatible HTTP server until Ctrl-C.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new ModelSource();
        var host = new Option<string>("--host") { Description = "address to listen on; anything but loopback exposes the model to the network", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port", DefaultValueFactory = _ => 8080 }.InRange(0, 65535);
        var apiKey = new Option<string?>("--api-key") { Description = "require Authorization: Bearer <key> on every request" };
        var parallel = new Option<int>("--parallel", "-np") { Description = "requests generated at once, batched (one KV cache each); more wait in line", DefaultValueFactory = _ => 1 }.InRange(1, 1024);
        var sessionGroup = new ModelOptions.SessionGroup();
        var maxTokens = ModelOptions.TokenLimit("default most tokens per answer", 1024);
        var noThink = ChatCommand.NoThinkOption();
        var quiet = new Option<bool>("--quiet", "-q") { Description = "do not log requests" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "also log debug lines: request fields grove ignores" };
        var maxQueue = new Option<int>("--max-queue") { Description = "requests that may wait for a turn; more get 503 with Retry-After", DefaultValueFactory = _ => 64 }.InRange(0, 1 << 20);
        var maxBody = new Option<int>("--max-body-kb") { Description = "largest request body in KiB; larger gets 413", DefaultValueFactory = _ => 4096 }.InRange(1, 1 << 22);
        var timeout = new Option<int>("--timeout") { Description = "seconds a request may wait and generate; then its answer ends with finish_reason length", DefaultValueFactory = _ => 600 }.InRange(1, 1 << 24);
        var grace = new Option<int>("--shutdown-grace") { Description = "seconds running answers may finish after SIGTERM/Ctrl-C before they are ended", DefaultValueFactory = _ => 10 }.InRange(0, 1 << 24);
        var cors = new Option<string[]>("--cors-origin") { Description = "allow browser calls from this origin (repeatable; * for any)", AllowMultipleArgumentsPerToken = false };
        var noRepack = ModelOptions.NoRepack();
        var sampling = new SamplingOptions();
        var command = new Command("serve", "Serve a model over an OpenAI-compatible HTTP API")
        {
            host, port, apiKey, parallel, maxTokens, noThink, quiet, verbose, maxQueue, maxBody, timeout, grace, cors, noRepack,
        };
        model.AddTo(command);
        sessionGroup.AddTo(command);
        command.Description += ". Limits: a body over --max-body-kb gets 413; beyond --parallel running and --max-queue waiting, 503 with "
            + "Retry-After; a prompt longer than --ctx gets 400 context_length_exceeded and max_tokens is capped by the context; "
            + "an answer running past --timeout ends with finish_reason length. Slow clients: headers within 10 s, bodies and "
            + "streams at 240 B/s or more. GET /health (\"loading\", \"ok\", \"stopping\") and GET /metrics (Prometheus) need no API key";
        sampling.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            int n = parse.GetValue(parallel);
            var session = sessionGroup.Read(parse); // the threads are shared by the batched requests
            int max = parse.GetValue(maxTokens);
            int listenPort = parse.GetValue(port);
            OpenAiServer.ParseHost(parse.GetValue(host)!);
            int queue = parse.GetValue(maxQueue), bodyKb = parse.GetValue(maxBody), seconds = parse.GetValue(timeout), graceSeconds = parse.GetValue(grace);

            var file = await model.ResolveAsync(parse, cancel);
            var options = new ServeOptions
            {
                Host = parse.GetValue(host)!,
                Port = listenPort,
                ApiKey = parse.GetValue(apiKey),
                Parallel = n,
                MaxQueue = queue,
                MaxBodyBytes = bodyKb * 1024L,
                RequestTimeout = TimeSpan.FromSeconds(seconds),
                ShutdownGrace = TimeSpan.FromSeconds(graceSeconds),
                CorsOrigins = parse.GetValue(cors) ?? [],
                Warn = line => StandardError.Console.MarkupLineInterpolated($"[yellow]warning: {line}[/]"),
                Session = session,
                Generation = new GenerationOptions { MaxTokens = max, Sampler = sampling.Read(parse) },
                Thinking = !parse.GetValue(noThink),
                Log = parse.GetValue(quiet) ? null : line => StandardError.Console.MarkupLineInterpolated($"[grey]{DateTime.Now:HH:mm:ss} {line}[/]"),
                Debug = parse.GetValue(verbose) ? line => StandardError.Console.MarkupLineInterpolated($"[grey]{DateTime.Now:HH:mm:ss} {line}[/]") : null,
            };
            LanguageModel? loaded = null;
            // Listens first, so /health answers "loading" while the model loads.
            var server = await OpenAiServer.StartAsync(() => loaded = ModelLoader.Open(file, new LoadOptions { Name = file is null ? "grovemoe-demo" : null, Repack = !parse.GetValue(noRepack) }),
                options, cancel);
            try
            {
                await server.Ready;
                StandardError.Console.MarkupLineInterpolated(
                    $"[bold]{loaded!.Name}[/] on [link]{server.Address}v1[/] · {n} sequence(s) batched on {session.Threads} threads · context {session.ContextLength} · Ctrl-C stops");
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel, server.Stopping);
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                await server.DisposeAsync();
                loaded?.Dispose();
            }
            return 0;
        });
        return command;
    }
}
