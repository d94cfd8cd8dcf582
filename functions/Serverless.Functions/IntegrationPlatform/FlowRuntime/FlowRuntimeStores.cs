using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Serverless.Functions.Hosting;
using Serverless.Functions.Storage;

namespace Serverless.Functions.IntegrationPlatform.FlowRuntime;

// FlowErrors:  PK = flowId, RK = "{ticks to the end of time:D19}|{messageId}" → an error record (§3.2): the step, the
//              error's name and message, and the input kept for retry (in the flow-messages container when too large).
// FlowParked:  PK = flowId, RK = "{messageId}-{rebound}" → a step message that arrived while its flow was stopped; the
//              next start enqueues it again, so a stop loses nothing already accepted.
// FlowTicks:   PK = flowId, RK = "yyyyMMddHHmm" → a polling tick fired: the row's insert is what makes a tick fire once.
// FlowReplies: PK = replyTo, RK = "" → a synchronous webhook's answer, for a caller waiting on another instance.

public sealed class FlowErrorEntity : TableRow
{
    public string StepId { get; set; } = "";
    public string ExecId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Message { get; set; } = "";
    public string? ErrorInput { get; set; }
    public string? ErrorInputBlob { get; set; }
    public DateTimeOffset Time { get; set; }
}

public sealed class FlowErrorStore(StorageAccount storage, TimeProvider time)
{
    private const int InlineInputLimit = 30 * 1024;
    private readonly TableClient table = storage.Table(StorageLayout.Tables.FlowErrors);
    private readonly Azure.Storage.Blobs.BlobContainerClient blobs = storage.Container(StorageLayout.Containers.FlowMessages);

    /// <summary>Keyed by the message, so a redelivered message that fails again records one error, not two.</summary>
    public async Task AddAsync(StepEnvelope envelope, string name, string message, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var input = envelope.Message?.ToJsonString();
        var row = new FlowErrorEntity
        {
            PartitionKey = envelope.FlowId,
            RowKey = $"{envelope.MessageId}-{envelope.Rebound}",
            StepId = envelope.StepId,
            ExecId = envelope.ExecId,
            Name = name.Length > 200 ? name[..200] : name,
            Message = message.Length > 4000 ? message[..4000] + "…" : message,
            Time = now,
        };
        if (input is not null && input.Length > InlineInputLimit)
        {
            row.ErrorInputBlob = $"{envelope.FlowId}/errors/{row.RowKey}.json";
            await blobs.GetBlobClient(row.ErrorInputBlob).UploadAsync(BinaryData.FromString(input), overwrite: true, cancellationToken);
        }
        else
        {
            row.ErrorInput = input;
        }
        await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    public Task<IReadOnlyList<FlowErrorEntity>> OfFlowAsync(string flowId, CancellationToken cancellationToken) =>
        table.ListAsync<FlowErrorEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {flowId}"), cancellationToken);

    public async Task DeleteAllAsync(string flowId, CancellationToken cancellationToken)
    {
        foreach (var row in await OfFlowAsync(flowId, cancellationToken))
        {
            await table.DeleteIfExistsAsync(row.PartitionKey, row.RowKey, cancellationToken);
        }
    }
}

public sealed class ParkedEntity : TableRow
{
    public string Envelope { get; set; } = "";
}

/// <summary>Messages of a stopped flow, kept until it starts again (the envelope is small: large messages are in blobs already).</summary>
public sealed class ParkedMessages(StorageAccount storage, FlowQueue queue)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.FlowParked);

    public Task ParkAsync(string envelopeText, StepEnvelope envelope, CancellationToken cancellationToken) =>
        table.UpsertEntityAsync(new ParkedEntity
        {
            PartitionKey = envelope.FlowId,
            RowKey = $"{envelope.MessageId}-{envelope.Rebound}",
            Envelope = envelopeText,
        }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>Enqueues each parked message, then forgets it; a crash between the two delivers it twice, never zero times.</summary>
    public async Task<int> ReleaseAsync(string flowId, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var row in await table.ListAsync<ParkedEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {flowId}"), cancellationToken))
        {
            var envelope = QueueMessages.Read<StepEnvelope>(row.Envelope)!;
            await queue.SendAsync(envelope, cancellationToken: cancellationToken);
            await table.DeleteIfExistsAsync(row.PartitionKey, row.RowKey, cancellationToken);
            count++;
        }
        return count;
    }

    public async Task DeleteAllAsync(string flowId, CancellationToken cancellationToken)
    {
        foreach (var row in await table.ListAsync<ParkedEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {flowId}"), cancellationToken))
        {
            await table.DeleteIfExistsAsync(row.PartitionKey, row.RowKey, cancellationToken);
        }
    }
}

public sealed class TickEntity : TableRow;

public sealed class FlowTicks(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.FlowTicks);

    /// <summary>True for the first caller for this flow and minute, false for every other: instances, retries, restarts.</summary>
    public async Task<bool> ClaimAsync(string flowId, DateTimeOffset minute, CancellationToken cancellationToken)
    {
        try
        {
            await table.AddEntityAsync(new TickEntity { PartitionKey = flowId, RowKey = minute.UtcDateTime.ToString("yyyyMMddHHmm") }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }
}

public sealed class ReplyEntity : TableRow
{
    public int StatusCode { get; set; }
    public string Headers { get; set; } = "{}";
    public string Body { get; set; } = "";
}

/// <summary>A synchronous webhook's reply (§4.3.3): the caller waits on this instance's signal, or reads the row if the reply step ran elsewhere.</summary>
public sealed record WebhookReply(int StatusCode, JsonObject Headers, string Body);

public sealed class ReplySlots(StorageAccount storage)
{
    private readonly TableClient table = storage.Table(StorageLayout.Tables.FlowReplies);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<WebhookReply>> waiting = new();

    public string Open()
    {
        var id = Guid.NewGuid().ToString("N");
        waiting[id] = new TaskCompletionSource<WebhookReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        return id;
    }

    /// <summary>The first reply wins; later ones (a retried step) change nothing.</summary>
    public async Task CompleteAsync(string replyTo, WebhookReply reply, CancellationToken cancellationToken)
    {
        if (waiting.TryGetValue(replyTo, out var local))
        {
            local.TrySetResult(reply);
            return;
        }
        try
        {
            await table.AddEntityAsync(new ReplyEntity
            {
                PartitionKey = replyTo,
                RowKey = "",
                StatusCode = reply.StatusCode,
                Headers = reply.Headers.ToJsonString(),
                Body = reply.Body.Length > 30_000 ? reply.Body[..30_000] : reply.Body,
            }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
        }
    }

    /// <summary>The reply, or null when none came within <paramref name="timeout"/>.</summary>
    public async Task<WebhookReply?> WaitAsync(string replyTo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var local = waiting[replyTo];
        try
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                var finished = await Task.WhenAny(local.Task, Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken));
                if (finished == local.Task)
                {
                    return local.Task.Result;
                }
                var row = await table.GetEntityIfExistsAsync<ReplyEntity>(replyTo, "", cancellationToken: cancellationToken);
                if (row.HasValue)
                {
                    await table.DeleteIfExistsAsync(replyTo, "", cancellationToken);
                    return new WebhookReply(row.Value!.StatusCode, JsonNode.Parse(row.Value.Headers)!.AsObject(), row.Value.Body);
                }
            }
            return null;
        }
        finally
        {
            waiting.TryRemove(replyTo, out _);
        }
    }
}
