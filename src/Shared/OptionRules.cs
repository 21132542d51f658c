using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace GroveMoE.Cpu.CommandLine;

/// <summary>
/// Parsers and validators that check an option as it is parsed and say what is wrong in the user's words
/// (System.CommandLine's own messages name .NET types such as <c>System.Nullable`1[System.UInt64]</c>).
/// </summary>
internal static class OptionRules
{
    /// <summary>A number in [<paramref name="min"/>, <paramref name="max"/>]; anything else is a parse error naming the range.</summary>
    public static Option<T> InRange<T>(this Option<T> option, T min, T max, string? note = null) where T : struct, INumber<T>
    {
        option.CustomParser = result => ParseNumber(result, option.Name, min, max, note) ?? default;
        return option;
    }

    /// <summary>As <see cref="InRange{T}(Option{T}, T, T, string?)"/> for an option that may be left out.</summary>
    public static Option<T?> InRange<T>(this Option<T?> option, T min, T max, string? note = null) where T : struct, INumber<T>
    {
        option.CustomParser = result => ParseNumber(result, option.Name, min, max, note);
        return option;
    }

    /// <summary>
    /// A comma list of whole numbers from <paramref name="min"/> to <paramref name="max"/> in one token
    /// (llama-bench's <c>-p 64,512</c>); duplicates are dropped when <paramref name="distinct"/>.
    /// </summary>
    public static Option<int[]> CommaList(this Option<int[]> option, int min, int max, bool distinct = true)
    {
        option.Arity = ArgumentArity.ExactlyOne; // one token holds the list; "-p 64 512" is a parse error, not 512 alone
        option.CustomParser = result =>
        {
            string token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (ParseList(token, min, max, distinct, out string? bad) is { } values) return values;
            result.AddError($"{option.Name}: '{bad}' is not a whole number from {min} to {max} (give a comma list like {Math.Max(min, 1)},{Math.Max(min, 1) * 2})");
            return [];
        };
        return option;
    }

    /// <summary>The numbers of a comma list, or null with the first part that is not one in range.</summary>
    public static int[]? ParseList(string text, int min, int max, bool distinct, out string? bad)
    {
        var values = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            {
                bad = part;
                return null;
            }
            values.Add(value);
        }
        bad = null;
        return distinct ? [.. values.Distinct()] : [.. values];
    }

    /// <summary>One of an enum's names, case-insensitively (<c>f16</c>, <c>F16</c>); the error lists them.</summary>
    public static Option<T> OneOf<T>(this Option<T> option) where T : struct, Enum
    {
        option.CustomParser = result =>
        {
            string token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            // A name exactly: Enum.TryParse would also take numbers and comma lists ("q4_0,q8_0" is their bitwise or).
            if (Enum.GetNames<T>().FirstOrDefault(n => n.Equals(token, StringComparison.OrdinalIgnoreCase)) is { } name)
                return Enum.Parse<T>(name);
            result.AddError($"{option.Name} must be {Names<T>()}, not '{token}'");
            return default;
        };
        return option;
    }

    /// <summary>The enum's names as the command line spells them: lower case, "a, b or c".</summary>
    public static string Names<T>() where T : struct, Enum
    {
        var names = Enum.GetNames<T>().Select(n => n.ToLowerInvariant()).ToArray();
        return names.Length == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
    }

    /// <summary>A path that must name an existing file: a directory or a missing file is a parse error.</summary>
    public static Option<FileInfo> ExistingFile(this Option<FileInfo> option)
    {
        option.Validators.Add(result => CheckFile(result, result.GetValueOrDefault<FileInfo?>()));
        return option;
    }

    private static void CheckFile(OptionResult result, FileInfo? file)
    {
        if (file is null) return;
        string name = result.Option.Name;
        if (Directory.Exists(file.FullName)) result.AddError($"{name}: {file} is a directory, not a file");
        else if (!file.Exists) result.AddError($"{name}: no such file: {file}");
    }

    private static T? ParseNumber<T>(ArgumentResult result, string name, T min, T max, string? note) where T : struct, INumber<T>
    {
        string token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        bool integer = T.IsInteger(T.CreateTruncating(0.5)); // 0 for integer types, 0.5 (not integral) for floats
        var style = integer ? NumberStyles.AllowLeadingSign : NumberStyles.Float;
        if (T.TryParse(token, style, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            && (integer || (double.IsFinite(double.CreateTruncating(value)))))
            return value;
        string kind = integer ? "a whole number" : "a number";
        string range = max == Max<T>() ? $"{min} or more" : $"from {min} to {max}";
        result.AddError($"{name} must be {kind} {range}{note}, not '{token}'");
        return null;
    }

    private static T Max<T>() where T : struct, INumber<T> =>
        T.IsInteger(T.CreateTruncating(0.5)) ? T.CreateSaturating(double.MaxValue) : T.CreateSaturating(float.MaxValue);
}
