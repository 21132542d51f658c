using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GroveMoE.Cpu.Generation;

/// <summary>
/// JSON as Python's <c>json.dumps(x, ensure_ascii=False)</c> writes it, which is what the <c>tojson</c> filter of
/// Hugging Face chat templates gives: ", " and ": " separators, non-ASCII as is, control characters escaped.
/// </summary>
internal static class PythonJson
{
    public static string Write(JsonElement value)
    {
        var text = new StringBuilder();
        Write(text, value);
        return text.ToString();
    }

    private static void Write(StringBuilder text, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                bool first = true;
                foreach (var property in value.EnumerateObject())
                {
                    if (!first) text.Append(", ");
                    first = false;
                    String(text, property.Name);
                    text.Append(": ");
                    Write(text, property.Value);
                }
                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                int i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (i++ > 0) text.Append(", ");
                    Write(text, item);
                }
                text.Append(']');
                break;
            case JsonValueKind.String:
                String(text, value.GetString()!);
                break;
            default:
                text.Append(value.GetRawText()); // numbers as written, true, false, null
                break;
        }
    }

    private static void String(StringBuilder text, string s)
    {
        text.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (c < 0x20) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        text.Append('"');
    }
}
