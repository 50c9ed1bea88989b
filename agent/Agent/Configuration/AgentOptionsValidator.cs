using EdgeInventory.Messaging.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeInventory.Agent.Configuration;

/// <summary>
/// The <c>Agent</c> section's checks as an <see cref="IValidateOptions{TOptions}"/>, the way agent/Messaging validates
/// its section: every problem named with its key, nothing created or read but the files' metadata (the start-up
/// step, <see cref="AgentStartup"/>, makes the folder and reads the planogram).
/// </summary>
/// <param name="baseDirectory">The configuration file's folder: relative paths are taken from it.</param>
/// <param name="messagingEnabled">Whether the configuration has a <c>Messaging</c> section (evidence may be sent).</param>
public sealed class AgentOptionsValidator(string baseDirectory, bool messagingEnabled) : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        _ = AgentConfiguration.Check(options, baseDirectory, messagingEnabled, problems);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>
    /// Registers <see cref="AgentOptions"/> bound strictly from the <c>Agent</c> section and validated when the host
    /// starts (<c>ValidateOnStart</c>), as <c>AddEdgeMessaging</c> does for <c>Messaging</c>.
    /// </summary>
    public static void Register(IServiceCollection services, IConfiguration configuration, AgentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        IConfigurationSection section = configuration.GetSection(AgentOptions.Section);
        services.AddOptions<AgentOptions>()
            .Configure(o =>
            {
                if (StrictConfiguration.TryBind(section, o, "agent/Agent/README.md") is { } problem)
                {
                    throw new OptionsValidationException(AgentOptions.Section, typeof(AgentOptions), [problem]);
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>>(new AgentOptionsValidator(settings.ConfigurationDirectory, settings.MessagingEnabled));
    }
}
