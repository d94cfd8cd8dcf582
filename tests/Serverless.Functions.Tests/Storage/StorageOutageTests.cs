using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Functions.Storage;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests.Storage;

/// <summary>What counts as unreachable storage, tried with the real SDK clients against a closed port and a silent one.</summary>
public sealed class StorageOutageTests
{
    private static (StorageAccount Account, StorageHealth Health) AccountOn(string connectionString, StorageHealth? health = null)
    {
        health ??= new StorageHealth(NullLogger<StorageHealth>.Instance);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [StorageAccount.ConnectionSetting] = connectionString,
        }).Build();
        return (StorageAccount.FromConfiguration(configuration, health), health);
    }

    /// <summary>A port whose handshakes the kernel completes (the backlog) but where nothing ever reads or answers.</summary>
    private static TcpListener Silent(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }

    [Fact]
    public async Task AClosedPortIsAnOutageThatGivesUpWithinTheBudget()
    {
        var port = Azurite.FreePort();
        var (account, health) = AccountOn(Azurite.ConnectionString([port, port, port]));
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => account.Table("outage").GetEntityIfExistsAsync<TableEntity>("a", "b"));

        Assert.True(StorageOutage.IsUnreachable(error), error.ToString());
        Assert.False(health.IsReachable);
        Assert.True(watch.Elapsed < StorageOutage.CallBudget, $"took {watch.Elapsed}");
        Assert.DoesNotContain("   at ", StorageOutage.Reason(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerThatNeverAnswersIsAnOutageOnceEveryTryTimesOut()
    {
        using var silent = Silent(out var port);
        var (account, health) = AccountOn(Azurite.ConnectionString([port, port, port]));
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => account.Queue("outage").SendMessageAsync("x"));

        Assert.True(StorageOutage.IsUnreachable(error), error.ToString());
        Assert.False(health.IsReachable);
        Assert.InRange(watch.Elapsed, StorageOutage.NetworkTimeout * (StorageOutage.MaxRetries + 1), StorageOutage.CallBudget + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task ACallItsCallerCancelledIsNotAnOutage()
    {
        using var silent = Silent(out var port);
        var (account, health) = AccountOn(Azurite.ConnectionString([port, port, port]));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => account.Table("outage").GetEntityIfExistsAsync<TableEntity>("a", "b", cancellationToken: cancel.Token));

        Assert.False(StorageOutage.IsUnreachable(error), error.ToString());
        Assert.True(health.IsReachable);
    }

    [Fact]
    public async Task StoragesOwnRefusalsAreNotAnOutageAndSayItIsBack()
    {
        var port = Azurite.FreePort();
        var (down, health) = AccountOn(Azurite.ConnectionString([port, port, port]));
        await Assert.ThrowsAnyAsync<Exception>(() => down.Table("outage").GetEntityIfExistsAsync<TableEntity>("a", "b"));
        Assert.False(health.IsReachable);
        var (account, _) = AccountOn(await Azurite.ConnectionStringAsync(), health);

        var missing = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => account.Table("nosuchtable" + Guid.NewGuid().ToString("N")[..8]).GetEntityAsync<TableEntity>("a", "b"));

        Assert.Equal(404, missing.Status);
        Assert.False(StorageOutage.IsUnreachable(missing));
        Assert.True(health.IsReachable);
        Assert.False(StorageOutage.IsUnreachable(new HttpRequestException("an outbound call to a customer's system, not storage")));
    }
}
