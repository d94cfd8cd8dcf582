using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using Serverless.Functions.Errors;

namespace Serverless.Functions.IntegrationPlatform.JsonApi;

/// <summary>
/// <c>page[number]</c> (1-based) and <c>page[size]</c>. A size above <see cref="MaxSize"/> is lowered to it
/// and the response's <c>meta.per_page</c> says so; a number or size below 1, or one that is not an integer, is a 400.
/// </summary>
public sealed record Paging(int Number, int Size)
{
    public const int MaxSize = 100;

    public sealed record Meta(int Page, int PerPage, int Total, int TotalPages);

    public static Paging From(HttpRequest request, int defaultSize) =>
        new(Read(request, "page[number]", 1), Math.Min(Read(request, "page[size]", defaultSize), MaxSize));

    public int Skip => (int)Math.Min((long)(Number - 1) * Size, int.MaxValue);

    /// <summary>One page of <paramref name="items"/> as a collection document, with its meta and links.</summary>
    public Document ToDocument<T>(HttpRequest request, IReadOnlyList<T> items, Func<T, Resource> toResource)
    {
        var totalPages = (items.Count + Size - 1) / Size;
        var page = items.Skip(Skip).Take(Size).Select(toResource).ToList();
        string Link(int number) => QueryHelpers.AddQueryString(request.Path, new Dictionary<string, string?>
        {
            ["page[number]"] = number.ToString(CultureInfo.InvariantCulture),
            ["page[size]"] = Size.ToString(CultureInfo.InvariantCulture),
        });
        return new Document(page)
        {
            Meta = new Meta(Number, Size, items.Count, totalPages),
            Links = new CollectionLinks(Link(Number))
            {
                First = Link(1),
                Last = Link(Math.Max(totalPages, 1)),
                Prev = Number > 1 ? Link(Math.Min(Number - 1, Math.Max(totalPages, 1))) : null,
                Next = Number < totalPages ? Link(Number + 1) : null,
            },
        };
    }

    private static int Read(HttpRequest request, string name, int fallback)
    {
        var values = request.Query[name];
        if (values.Count == 0)
        {
            return fallback;
        }
        if (values.Count > 1 || !int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            throw new ApiException(ApiError.InvalidParameter(name, $"'{name}' must be a whole number of at least 1."));
        }
        return value;
    }
}
