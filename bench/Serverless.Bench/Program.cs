using System.Globalization;
using Serverless.Bench;

// The benchmarks' client side; bench/run.sh starts Azurite and the app, then runs these one by one. Each prints JSON
// lines (bench/.out/results.jsonl) except seed, which prints shell assignments, and report, which writes the table.
var storage = Environment.GetEnvironmentVariable("AzureWebJobsStorage") ?? throw new InvalidOperationException("Set AzureWebJobsStorage.");
switch (args.FirstOrDefault())
{
    case "seed":
        await Seed.RunAsync(Api.BaseUrl(args));
        break;
    case "calls":
        await StorageCalls.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture), new Uri(args[2]));
        break;
    case "floor":
        await Floors.RunAsync(storage, args[1], args[2], double.Parse(args[3], CultureInfo.InvariantCulture),
            args[4..].Select(a => int.Parse(a, CultureInfo.InvariantCulture)));
        break;
    case "verify":
        await Verify.RunAsync(Api.BaseUrl(args));
        break;
    case "operations":
        await Operations.RunAsync(Api.BaseUrl(args), storage);
        break;
    case "flow":
        await FlowThroughput.RunAsync(Api.BaseUrl(args), Api.Env("BOOTSTRAP_ADMIN_API_KEY"), storage, int.Parse(args[2], CultureInfo.InvariantCulture));
        break;
    case "report":
        Report.Write(args[1], args[2] == "1", args[3], args[4]);
        break;
    default:
        Console.Error.WriteLine("usage: seed URL | calls PID URL | floor RESULTS SHAPE SECONDS CONNECTIONS... | verify URL | operations URL | flow URL PID | report RESULTS WRITE_README RUNS SECONDS");
        return 2;
}
return 0;
