namespace EdgeInventory.Cloud.Hosting;

/// <summary>
/// "Something was committed": wakes the alert delivery worker and the event streams at once instead of at their next
/// poll. Waiters that miss a pulse still poll, so a pulse is a shortcut, never the only way a change is seen
/// (another replica's commits are seen by polling alone).
/// </summary>
public sealed class ChangeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Completes at the next pulse or after <paramref name="timeout"/>, whichever is first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task pulse = Volatile.Read(ref _next).Task;
        await Task.WhenAny(pulse, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
