using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Serverless.Functions.Hosting;

namespace Serverless.Functions.StatusPage.Cachet;

/// <summary>Incident templates (IT-1..IT-5).</summary>
public static class StatusTemplatesApi
{
    private static readonly CachetResults.ListRules TemplateList = new([], ["id", "name", "slug"]);

    public static void MapStatusTemplates(this RouteGroupBuilder api)
    {
        // The literal segments (templates, and metrics in StatusMetricsApi) win over {id}, as in Cachet.
        api.MapGet("/incidents/templates", ListTemplates);
        api.MapGet("/incidents/templates/{id}", GetTemplate);
        api.MapPost("/incidents/templates", CreateTemplate);
        api.MapPut("/incidents/templates/{id}", UpdateTemplate);
        api.MapDelete("/incidents/templates/{id}", DeleteTemplate);
    }

    /// <summary>IT-1: sortable by id, name and slug (Cachet 2.4 crashes on any sort).</summary>
    [EndpointId("IT-1")]
    public static async Task<JsonHttpResult<JsonObject>> ListTemplates(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var templates = await store.ListAsync<StatusTemplate>(page.PageId, cancellationToken);
        return CachetResults.List(request, input, templates.Select(CachetPresenters.Template), TemplateList);
    }

    [EndpointId("IT-2")]
    public static async Task<JsonHttpResult<JsonObject>> GetTemplate(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken) =>
        CachetResults.Item(CachetPresenters.Template(await page.FindAsync<StatusTemplate>(store, id, cancellationToken)));

    /// <summary>IT-3 (the seed's; Cachet 2.4 has no template writes): slug defaults to the slugified name.</summary>
    [EndpointId("IT-3")]
    public static async Task<JsonHttpResult<JsonObject>> CreateTemplate(CachetPage page, HttpRequest request, StatusItemStore store, CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var template = new StatusTemplate { CreatedAt = page.Clock.Now, UpdatedAt = page.Clock.Now };
        Apply(template, input, creating: true);
        return CachetResults.Item(CachetPresenters.Template(await store.AddAsync(page.PageId, template, cancellationToken)));
    }

    [EndpointId("IT-4")]
    public static async Task<JsonHttpResult<JsonObject>> UpdateTemplate(string id, CachetPage page, HttpRequest request, StatusItemStore store,
        CancellationToken cancellationToken)
    {
        var input = await CachetInput.ReadAsync(request, cancellationToken);
        var template = await page.UpdateAsync<StatusTemplate>(store, id, t => Apply(t, input, creating: false), cancellationToken);
        return CachetResults.Item(CachetPresenters.Template(template));
    }

    [EndpointId("IT-5")]
    public static async Task<NoContent> DeleteTemplate(string id, CachetPage page, StatusItemStore store, CancellationToken cancellationToken)
    {
        var template = await page.FindAsync<StatusTemplate>(store, id, cancellationToken);
        template.DeletedAt = page.Clock.Now;
        await store.UpdateAsync(template, cancellationToken);
        return TypedResults.NoContent();
    }

    private static void Apply(StatusTemplate t, CachetInput input, bool creating)
    {
        var rules = new CachetRules(input);
        var name = rules.String("name", required: creating);
        var source = rules.Message("template", required: creating);
        var slug = rules.String("slug");
        if (source is not null && !TemplateRenderer.TryCheck(source, out var problem))
        {
            rules.Fail("template", $"The template is invalid: {problem}");
        }
        rules.ThrowIfAny();
        t.Name = name ?? t.Name;
        t.Template = source ?? t.Template;
        t.Slug = !string.IsNullOrEmpty(slug) ? StatusComponentsApi.Slug(slug) : creating ? StatusComponentsApi.Slug(t.Name) : t.Slug;
    }
}
