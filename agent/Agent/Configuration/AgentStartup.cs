using EdgeInventory.Reconciliation;

namespace EdgeInventory.Agent.Configuration;

/// <summary>
/// What the agent does with a valid configuration before anything runs, kept out of validation so that checking a
/// configuration changes nothing: the state folder is made, and the planogram file is read into the settings. A
/// failure here is still a configuration error naming its key (exit code 2).
/// </summary>
public static class AgentStartup
{
    /// <summary>Makes the state folder and reads the planogram; returns the settings with the planogram's entries and hash.</summary>
    public static AgentSettings Prepare(AgentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var problems = new List<string>();
        try
        {
            // Made at start, not at first write: a folder the agent cannot create is a configuration error to name now.
            Directory.CreateDirectory(settings.StateDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"Agent:StateDirectory: {settings.StateDirectory} cannot be created: {e.Message}");
        }

        AgentSettings prepared = settings;
        if (settings.ExpectedStockFile is { } file)
        {
            try
            {
                ExpectedStockFileContent content = ExpectedStockBook.ReadFile(file);
                prepared = settings with { ExpectedStock = content.Entries, ExpectedStockSha256 = content.Sha256 };
            }
            catch (ExpectedStockFormatException e)
            {
                problems.Add($"Agent:ExpectedStockFile: {e.Message}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"Agent:ExpectedStockFile: {file} cannot be read: {e.Message}");
            }
        }

        return problems.Count == 0 ? prepared : throw AgentConfiguration.Invalid(problems);
    }
}
