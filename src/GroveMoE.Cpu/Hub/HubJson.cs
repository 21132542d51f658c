using System.Text.Json.Serialization;

namespace GroveMoE.Cpu.Hub;

/// <summary>One entry of <c>GET /api/models/{repo}/tree/main?recursive=true</c>.</summary>
internal sealed record TreeEntry(string? Type, string? Path, long Size, string? Oid, TreeLfs? Lfs);

/// <summary>The LFS pointer of a large file: its oid is the content's sha256.</summary>
internal sealed record TreeLfs(string? Oid, long Size);

[JsonSerializable(typeof(List<TreeEntry>))]
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
internal sealed partial class HubJson : JsonSerializerContext;
