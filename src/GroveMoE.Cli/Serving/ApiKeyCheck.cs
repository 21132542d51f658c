using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace GroveMoE.Cli.Serving;

/// <summary>Refuses, with 401, every request whose <c>Authorization: Bearer</c> does not carry the server's key.</summary>
internal sealed class ApiKeyCheck(string key)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(key);

    public async Task Middleware(HttpContext context, Func<Task> next)
    {
        string header = context.Request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        bool valid = header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Bearer.Length..].Trim()), _key);
        if (!valid)
        {
            await ErrorHandling.Write(context, new ApiErrorException(401,
                header.Length == 0 ? "missing API key: send Authorization: Bearer <key>" : "invalid API key", code: "invalid_api_key"));
            return;
        }
        await next();
    }
}
