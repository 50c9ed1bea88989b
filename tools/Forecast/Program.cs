using EdgeInventory.Forecast.Cli;

return ForecastCommands.Run(args, Console.Out, Console.Error);
