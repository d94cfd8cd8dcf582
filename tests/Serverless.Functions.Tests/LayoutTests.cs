using System.Text.RegularExpressions;
using Serverless.Functions.Tests.Infrastructure;

namespace Serverless.Functions.Tests;

/// <summary>The product's folders depend on each other one way: a cycle would make a newcomer read everything at once.</summary>
public sealed partial class LayoutTests
{
    private static readonly string Product = Path.Combine(Azurite.RepositoryRoot, "functions", "Serverless.Functions");

    [Fact]
    public void FolderDependenciesHaveNoCycle()
    {
        var folders = Directory.GetDirectories(Product).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).ToHashSet()!;
        var uses = folders.ToDictionary(f => f!, f => ReferencedFolders(f!, folders!));
        var cycles = new List<string>();
        foreach (var (from, targets) in uses)
        {
            foreach (var to in targets.Where(to => Reaches(uses, to, from)))
            {
                cycles.Add($"{from} -> {to} -> ... -> {from}");
            }
        }
        Assert.True(cycles.Count == 0, "Folder dependencies form cycles: " + string.Join("; ", cycles));
    }

    /// <summary>The other top-level folders a folder's code names, by using directive or qualified name.</summary>
    private static HashSet<string> ReferencedFolders(string folder, HashSet<string> folders)
    {
        var found = new HashSet<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Product, folder), "*.*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal)))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (Match match in Reference().Matches(File.ReadAllText(file)))
            {
                var name = match.Groups["folder"].Value;
                if (name != folder && folders.Contains(name))
                {
                    found.Add(name);
                }
            }
        }
        return found;
    }

    private static bool Reaches(Dictionary<string, HashSet<string>> uses, string from, string to)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>([from]);
        while (pending.TryPop(out var next))
        {
            if (next == to)
            {
                return true;
            }
            if (seen.Add(next))
            {
                foreach (var target in uses.GetValueOrDefault(next, []))
                {
                    pending.Push(target);
                }
            }
        }
        return false;
    }

    /// <summary>A namespace (<c>using Serverless.Functions.Storage;</c>) or a qualified name (<c>Errors.ApiException</c>).</summary>
    [GeneratedRegex(@"Serverless\.Functions\.(?<folder>\w+)|(?<![\w.])(?<folder>[A-Z]\w*)\.[A-Z]")]
    private static partial Regex Reference();
}
