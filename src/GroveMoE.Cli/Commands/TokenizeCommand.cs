using System.CommandLine;
using System.Text;
using GroveMoE.Cpu.Gguf;
using GroveMoE.Cpu.Tokenization;
using Spectre.Console;

namespace GroveMoE.Cli.Commands;

/// <summary><c>grove tokenize</c>: the token ids of a text under a model's tokenizer.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new ModelSource();
        var text = new Option<string>("--text") { Description = "text to tokenize", Required = true };
        var showPieces = new Option<bool>("--show-pieces") { Description = "also show each token's text in a table" };
        var noSpecial = new Option<bool>("--no-special")
        {
            Description = "treat spellings of special tokens such as <|im_start|> as plain text",
        };
        var command = new Command("tokenize", "Print the token ids of a text, comma-separated")
        {
            text, showPieces, noSpecial,
        };
        model.AddTo(command);
        command.SetAction(async (parse, cancel) => Run(
            new FileInfo(await model.ResolveOrDemoAsync(parse, cancel)), parse.GetRequiredValue(text), parse.GetValue(showPieces), parse.GetValue(noSpecial)));
        return command;
    }

    private static int Run(FileInfo modelFile, string text, bool showPieces, bool noSpecial)
    {
        GroveTokenizer tokenizer;
        using (var file = GgufFile.Open(modelFile.FullName))
            tokenizer = GroveTokenizer.FromMetadata(file.Metadata);
        var ids = tokenizer.Encode(text, parseSpecial: !noSpecial);
        Console.WriteLine(string.Join(",", ids));
        if (!showPieces) return 0;

        var table = new Table().AddColumns("#", "id", "type", "piece").Border(TableBorder.Rounded);
        table.Columns[0].RightAligned();
        table.Columns[1].RightAligned();
        for (int i = 0; i < ids.Length; i++)
        {
            table.AddRow($"{i}", $"{ids[i]}", $"{tokenizer.TypeOf(ids[i])}",
                Markup.Escape(Visible(tokenizer.TokenBytes(ids[i]))));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>A token's bytes as readable text: whitespace escaped, bytes of a split character as &lt;0xNN&gt;.</summary>
    private static string Visible(ReadOnlySpan<byte> bytes)
    {
        var result = new StringBuilder();
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out int used) != System.Buffers.OperationStatus.Done)
            {
                result.Append($"<0x{bytes[0]:X2}>");
                bytes = bytes[1..];
                continue;
            }
            result.Append(rune.Value switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                ' ' => "␣",
                _ => rune.ToString(),
            });
            bytes = bytes[used..];
        }
        return result.ToString();
    }
}
