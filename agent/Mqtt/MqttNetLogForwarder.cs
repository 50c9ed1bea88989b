using Microsoft.Extensions.Logging;
using MQTTnet.Diagnostics.Logger;

namespace EdgeInventory.Mqtt;

/// <summary>
/// MQTTnet's own warnings and errors (a failing receive loop, a handler that threw) into the application's log:
/// without it they vanish, and a stalled subscription would show nothing.
/// </summary>
internal sealed partial class MqttNetLogForwarder(ILogger logger) : IMqttNetLogger
{
    public bool IsEnabled => logger.IsEnabled(LogLevel.Warning);

    public void Publish(MqttNetLogLevel logLevel, string source, string message, object[] parameters, Exception exception)
    {
        if (logLevel < MqttNetLogLevel.Warning)
        {
            return;
        }
        string text = parameters is { Length: > 0 } ? string.Format(System.Globalization.CultureInfo.InvariantCulture, message, parameters) : message;
        if (logLevel == MqttNetLogLevel.Error)
        {
            LogError(logger, source, text, exception);
        }
        else
        {
            LogWarning(logger, source, text, exception);
        }
    }

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "MQTTnet {Source}: {Text}")]
    private static partial void LogWarning(ILogger logger, string source, string text, Exception? exception);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Error, Message = "MQTTnet {Source}: {Text}")]
    private static partial void LogError(ILogger logger, string source, string text, Exception? exception);
}
