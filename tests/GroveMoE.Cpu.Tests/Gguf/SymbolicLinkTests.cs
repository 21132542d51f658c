using GroveMoE.Cpu.Quantization;
using GroveMoE.Cpu.Tests.Model;

namespace GroveMoE.Cpu.Tests.Gguf;

public class SymbolicLinkTests
{
    [Fact]
    public void AModelOpenedThroughASymbolicLinkGivesTheSameLogits()
    {
        string directory = Directory.CreateTempSubdirectory("grove-link-").FullName;
        try
        {
            var config = TestModels.RandomConfig(3);
            string path = TestModels.Write(directory, config, GgmlType.Q8_0);
            string link = Path.Combine(directory, "link.gguf");
            File.CreateSymbolicLink(link, path);
            var tokens = TestModels.Prompt(3, 5, config.Vocab);
            Assert.Equal(TestModels.ProductionLogits(path, tokens), TestModels.ProductionLogits(link, tokens));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
