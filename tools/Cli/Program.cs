using EdgeInventory.Cli;

return await CommandLine.RunAsync(args).ConfigureAwait(false);
