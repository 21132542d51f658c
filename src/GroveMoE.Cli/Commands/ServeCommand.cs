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
        var model = ModelOptions.OptionalModel();
        var host = new Option<string>("--host") { Description = "address to listen on; anything but loopback exposes the model to the network", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port", DefaultValueFactory = _ => 8080 };
        var apiKey = new Option<string?>("--api-key") { Description = "require Authorization: Bearer <key> on every request" };
        var parallel = new Option<int>("--parallel", "-np") { Description = "requests generated at once (one session each); more wait in line", DefaultValueFactory = _ => 1 };
        var threads = new Option<int?>("--threads", "-t") { Description = "worker threads per session (default: cores / parallel)" };
        var context = ModelOptions.Context();
        var maxTokens = new Option<int>("--n-predict", "-n") { Description = "default most tokens per answer", DefaultValueFactory = _ => 1024 };
        var noThink = ChatCommand.NoThinkOption();
        var quiet = new Option<bool>("--quiet", "-q") { Description = "do not log requests" };
        var sampling = new SamplingOptions();
        var command = new Command("serve", "Serve a model over an OpenAI-compatible HTTP API")
        {
            model, host, port, apiKey, parallel, threads, context, maxTokens, noThink, quiet,
        };
        sampling.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            int n = parse.GetValue(parallel);
            if (n < 1) throw new UserInputException("--parallel must be at least 1");
            int t = parse.GetValue(threads) ?? Math.Max(1, Environment.ProcessorCount / n);
            if (t < 1) throw new UserInputException("--threads must be at least 1");
            int c = parse.GetValue(context);
            if (c < 16) throw new UserInputException("--ctx must be at least 16");
            int max = parse.GetValue(maxTokens);
            if (max < 1) throw new UserInputException("--n-predict must be at least 1");

            int listenPort = parse.GetValue(port);
            if (listenPort is < 0 or > 65535) throw new UserInputException("--port must be between 0 and 65535");
            OpenAiServer.ParseHost(parse.GetValue(host)!);

            var file = parse.GetValue(model);
            using var loaded = ModelLoader.Open(file, new LoadOptions { Name = file is null ? "grovemoe-demo" : null });
            var options = new ServeOptions
            {
                Host = parse.GetValue(host)!,
                Port = listenPort,
                ApiKey = parse.GetValue(apiKey),
                Parallel = n,
                Session = new SessionOptions { ContextLength = c, Threads = t },
                Generation = new GenerationOptions { MaxTokens = max, Sampler = sampling.Read(parse) },
                Thinking = !parse.GetValue(noThink),
                Log = parse.GetValue(quiet) ? null : line => StandardError.Console.MarkupLineInterpolated($"[grey]{DateTime.Now:HH:mm:ss} {line}[/]"),
            };
            await using var server = await OpenAiServer.StartAsync(loaded, options, cancel);
            StandardError.Console.MarkupLineInterpolated(
                $"[bold]{loaded.Name}[/] on [link]{server.Address}v1[/] · {n} session(s) × {t} threads · context {c} · Ctrl-C stops");
            try
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel, server.Stopping);
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
        });
        return command;
    }
}
