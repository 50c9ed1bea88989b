namespace EdgeInventory.Vision.Imaging;

/// <summary>An image that cannot be read: the message names the source and the reason.</summary>
public sealed class ImageDecodeException : Exception
{
    public ImageDecodeException(string source, string reason)
        : base($"{source}: {reason}")
    {
        Source = source;
        Reason = reason;
    }

    public ImageDecodeException()
    {
        Reason = string.Empty;
    }

    public ImageDecodeException(string message)
        : base(message)
    {
        Reason = message;
    }

    public ImageDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>Why the image could not be read, without the source name.</summary>
    public string Reason { get; }
}
