using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Serverless.Functions.Hosting;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.FlowRuntime;

/// <summary>
/// One message for one step of one flow version: the transport envelope of component-model §3.2 with the message
/// (§3.1) inside, or, when the message is too large for a queue message, the name of the blob that holds it (§3.5).
/// </summary>
public sealed record StepEnvelope
{
    public required string TenantId { get; init; }
    public required string FlowId { get; init; }
    public required string Version { get; init; }
    public required string StepId { get; init; }
    public required string ExecId { get; init; }
    public required string MessageId { get; init; }
    public string? ParentMessageId { get; init; }

    /// <summary>How many times this message has been rebounded (0 the first time); its delay is 15 s × 2^(n−1).</summary>
    public int Rebound { get; init; }

    public string? ReboundReason { get; init; }

    /// <summary>The reply slot of a synchronous webhook's caller, if one waits.</summary>
    public string? ReplyTo { get; init; }

    public JsonObject? Message { get; init; }

    public string? MessageBlob { get; init; }
}

/// <summary>
/// Sends step messages on the one <c>flow-steps</c> queue (a queue trigger the scale controller sees, whatever the
/// number of flows). A message whose JSON is past <see cref="InlineLimit"/> goes to a blob first and travels by
/// reference, so nothing is truncated: a queue message holds 64 KB of base64, about 48 KB of JSON.
/// </summary>
public sealed class FlowQueue(StorageAccount storage, QueueSender sender)
{
    public const int InlineLimit = 40 * 1024;
    public const string Queue = StorageLayout.Queues.FlowSteps;

    private readonly BlobContainerClient blobs = storage.Container(StorageLayout.Containers.FlowMessages);

    public async Task SendAsync(StepEnvelope envelope, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        var text = QueueMessages.Write(envelope);
        if (Encoding.UTF8.GetByteCount(text) > InlineLimit && envelope.Message is not null)
        {
            var name = $"{envelope.FlowId}/{envelope.MessageId}-{envelope.Rebound}.json";
            await blobs.GetBlobClient(name).UploadAsync(BinaryData.FromString(envelope.Message.ToJsonString()), overwrite: true, cancellationToken);
            text = QueueMessages.Write(envelope with { Message = null, MessageBlob = name });
        }
        if (delay is { } wait && wait > TimeSpan.Zero)
        {
            // A delayed message is not this process's to start now, so no poller is woken for it.
            await storage.Queue(Queue).SendMessageAsync(text, visibilityTimeout: wait, cancellationToken: cancellationToken);
            return;
        }
        await sender.SendRawAsync(Queue, text, cancellationToken);
    }

    /// <summary>The envelope with its message in hand, fetched from its blob when it travelled by reference.</summary>
    public async Task<StepEnvelope> ReadAsync(string text, CancellationToken cancellationToken)
    {
        var envelope = QueueMessages.Read<StepEnvelope>(text) ?? throw new FormatException("Not a flow step message.");
        if (envelope.Message is null && envelope.MessageBlob is { } name)
        {
            var content = await blobs.GetBlobClient(name).DownloadContentAsync(cancellationToken);
            envelope = envelope with { Message = JsonNode.Parse(content.Value.Content.ToString())!.AsObject() };
        }
        return envelope;
    }
}
