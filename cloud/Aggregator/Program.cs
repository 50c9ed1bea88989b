return await EdgeInventory.Cloud.Hosting.CloudHost.RunAsync(args).ConfigureAwait(false);
