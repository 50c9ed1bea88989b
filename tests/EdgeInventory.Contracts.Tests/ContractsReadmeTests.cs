using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeInventory.Contracts;

namespace EdgeInventory.Contracts.Tests;

public partial class ContractsReadmeTests
{
    [GeneratedRegex("```json\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [Fact]
    public void Every_example_in_the_readme_is_a_valid_message_and_every_kind_has_one()
    {
        string readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ContractsReadme.md"));
        var seen = new HashSet<string>();
        foreach (Match block in JsonBlock().Matches(readme))
        {
            byte[] json = Encoding.UTF8.GetBytes(block.Groups[1].Value);
            string schema = JsonDocument.Parse(json).RootElement.GetProperty("schema").GetString()!;
            ContractRejection? rejection = schema switch
            {
                DiscrepancyEvent.SchemaId => ContractParser.Parse<DiscrepancyEvent>(json).Rejection,
                ZoneCountSnapshot.SchemaId => ContractParser.Parse<ZoneCountSnapshot>(json).Rejection,
                DeviceStatus.SchemaId => ContractParser.Parse<DeviceStatus>(json).Rejection,
                Heartbeat.SchemaId => ContractParser.Parse<Heartbeat>(json).Rejection,
                ScannerCount.SchemaId => ContractParser.Parse<ScannerCount>(json).Rejection,
                ExpectedStockUpdate.SchemaId => ContractParser.Parse<ExpectedStockUpdate>(json).Rejection,
                OperatorAlert.SchemaId => ContractParser.Parse<OperatorAlert>(json).Rejection,
                EvidencePhoto.SchemaId => ContractParser.Parse<EvidencePhoto>(json).Rejection,
                _ => new ContractRejection(ContractRejectionReason.UnknownSchema, schema),
            };
            Assert.True(rejection is null, $"{schema}: {rejection}");
            seen.Add(schema);
        }
        Assert.Equal(8, seen.Count);
    }
}
