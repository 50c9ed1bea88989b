return await EdgeInventory.Agent.AgentHost.RunAsync(args).ConfigureAwait(false);
