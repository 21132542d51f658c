namespace GroveMoE.Cli.Serving;

/// <summary>A request the server refuses, answered with OpenAI's error object and <see cref="Status"/>.</summary>
internal sealed class ApiErrorException(int status, string message, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;
    public string? Param { get; } = param;
    public string? Code { get; } = code;

    public string Type => Status switch
    {
        401 => "authentication_error",
        404 => "not_found_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    public static ApiErrorException BadRequest(string message, string? param = null, string? code = null) => new(400, message, param, code);
}
