using System.Net;
using System.Net.Http.Json;
using Serverless.Functions.Tests.Infrastructure;
using static Serverless.Functions.Tests.Infrastructure.JsonApiAssertions;

namespace Serverless.Functions.Tests.StatusPage.Cachet;

/// <summary>The Cachet v1 API, each test on a status page of its own.</summary>
public sealed class CachetApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    /// <summary>A new page of the bootstrap tenant; returns its API base path.</summary>
    internal static async Task<(string Path, string PageId)> NewPageAsync(ApiFixture api, string? slug = null)
    {
        slug ??= "p-" + Guid.NewGuid().ToString("N")[..10];
        using var admin = api.AdminClient();
        var created = await (await admin.PostAsync("/v2/status-pages", Json(new { data = new { type = "status-page", attributes = new { slug, name = "Acme " + slug } } })))
            .ReadJsonAsync(201);
        return ($"/pages/{slug}/api/v1", created["data"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task PingVersionAndStatusAnswerGuestsInCachetsEnvelope()
    {
        using var guest = api.AnonymousClient();
        var ping = await guest.GetAsync("/api/v1/ping");
        Assert.Equal("{\"data\":\"Pong!\"}", await ping.Content.ReadAsStringAsync());
        Assert.Equal("application/json", ping.Content.Headers.ContentType!.ToString());
        var version = await (await guest.GetAsync("/api/v1/version")).ReadJsonAsync();
        Assert.Equal("2.4.1", version["data"]!.GetValue<string>());
        Assert.False(version["meta"]!["latest"]!["prelease"]!.GetValue<bool>());
        var status = await guest.GetAsync("/api/v1/status");
        Assert.Equal("public, max-age=5, stale-while-revalidate=15", status.Headers.CacheControl!.ToString());
        Assert.Equal("success", (await status.ReadJsonAsync())["data"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task ComponentsAreCreatedUpdatedFilteredSortedPagedAndSoftDeleted()
    {
        var (path, pageId) = await NewPageAsync(api);
        using var client = api.CachetClient();
        var web = await client.PostDataAsync($"{path}/components", new { name = "Web", description = "The site", status = 1, link = "https://example.com", tags = "Front End, Public" });
        Assert.Equal("Operational", web["status_name"]!.GetValue<string>());
        Assert.Equal("{\"front-end\":\"Front End\",\"public\":\"Public\"}", web["tags"]!.ToJsonString());
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", web["created_at"]!.GetValue<string>());
        var db = await client.PostDataAsync($"{path}/components", new { name = "Database", status = 3, order = 2, meta = new { owner = "dba" } });
        Assert.Equal("[]", db["tags"]!.ToJsonString());
        Assert.Equal("{\"owner\":\"dba\"}", db["meta"]!.ToJsonString());
        var form = await client.PostAsync($"{path}/components", new FormUrlEncodedContent([new("name", "  Queue  "), new("status", "2"), new("enabled", "0")])).DataAsync();
        Assert.Equal("Queue", form["name"]!.GetValue<string>());
        Assert.False(form["enabled"]!.GetValue<bool>());

        var updated = await client.PutAsJsonAsync($"{path}/components/{web.Id()}", new { status = 4, tags = "Public" }).DataAsync();
        Assert.Equal(4, updated["status"]!.GetValue<int>());
        Assert.Equal("The site", updated["description"]!.GetValue<string>());
        Assert.Equal("{\"public\":\"Public\"}", updated["tags"]!.ToJsonString());

        var byStatus = await (await client.GetAsync($"{path}/components?status=3&page=1")).ReadJsonAsync();
        Assert.Equal("Database", Assert.Single(byStatus["data"]!.AsArray())!["name"]!.GetValue<string>());
        var byTag = await (await client.GetAsync($"{path}/components?tags[]=public&tags[]=nope")).ReadJsonAsync();
        Assert.Equal(web.Id(), Assert.Single(byTag["data"]!.AsArray())!.Id());
        var disabled = await (await client.GetAsync($"{path}/components?enabled=0")).ReadJsonAsync();
        Assert.Equal("Queue", Assert.Single(disabled["data"]!.AsArray())!["name"]!.GetValue<string>());
        var sorted = await (await client.GetAsync($"{path}/components?sort=name&order=desc")).ReadJsonAsync();
        Assert.Equal(["Web", "Queue", "Database"], sorted["data"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        var ascending = await (await client.GetAsync($"{path}/components?sort=name")).ReadJsonAsync();
        Assert.Equal("Database", ascending["data"]![0]!["name"]!.GetValue<string>());

        var paged = await (await client.GetAsync($"{path}/components?per_page=2&sort=id&page=2")).ReadJsonAsync();
        var pagination = paged["meta"]!["pagination"]!;
        Assert.Equal(3, pagination["total"]!.GetValue<int>());
        Assert.Equal(1, pagination["count"]!.GetValue<int>());
        Assert.Equal(2, pagination["total_pages"]!.GetValue<int>());
        Assert.EndsWith($"{path}/components?per_page=2&sort=id&page=1", pagination["links"]!["previous_page"]!.GetValue<string>());
        Assert.Null(pagination["links"]!["next_page"]);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{path}/components/{db.Id()}")).StatusCode);
        await (await client.GetAsync($"{path}/components/{db.Id()}")).AssertCachetErrorAsync(404);
        await (await client.GetAsync($"{path}/components/abc")).AssertCachetErrorAsync(404);
        Assert.Equal(2, (await (await client.GetAsync($"{path}/components")).ReadJsonAsync())["data"]!.AsArray().Count);
        var rows = await api.RowsAsync("StatusItems");
        Assert.Contains(rows, r => r.PartitionKey == pageId && r.RowKey == $"component-{db.Id():D10}" && r.GetDateTimeOffset("DeletedAt") is not null);
    }

    [Fact]
    public async Task GuestsDoNotSeeDisabledComponentsInvisibleGroupsOrInvisibleIncidents()
    {
        var (path, _) = await NewPageAsync(api);
        using var client = api.CachetClient();
        using var guest = api.AnonymousClient();
        var hiddenGroup = await client.PostDataAsync($"{path}/components/groups", new { name = "Internal" });
        Assert.Equal(0, hiddenGroup["visible"]!.GetValue<int>());
        await client.PostDataAsync($"{path}/components/groups", new { name = "Public", visible = true });
        var off = await client.PostDataAsync($"{path}/components", new { name = "Off", status = 1, enabled = false });
        await client.PostDataAsync($"{path}/components", new { name = "On", status = 1 });
        await client.PostDataAsync($"{path}/incidents", new { name = "Private", message = "m", status = 1, visible = 0 });
        await client.PostDataAsync($"{path}/incidents", new { name = "Public", message = "m", status = 1 });

        async Task<List<string>> Names(HttpClient who, string list) =>
            (await (await who.GetAsync($"{path}/{list}")).ReadJsonAsync())["data"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["On"], await Names(guest, "components"));
        Assert.Equal(["Public"], await Names(guest, "components/groups"));
        Assert.Equal(["Public"], await Names(guest, "incidents"));
        Assert.Equal(["Off", "On"], await Names(client, "components"));
        Assert.Equal(["Internal", "Public"], await Names(client, "components/groups"));
        Assert.Equal(["Private", "Public"], await Names(client, "incidents"));
        // Single items are no secret, as in Cachet; an unknown token on a read is ignored.
        Assert.Equal("Off", (await guest.GetAsync($"{path}/components/{off.Id()}").DataAsync())["name"]!.GetValue<string>());
        using var bogus = api.CachetClient("not-a-key");
        Assert.Equal(["On"], await Names(bogus, "components"));
    }

    public static TheoryData<string, string> Writes => new()
    {
        { "POST", "components" }, { "PUT", "components/1" }, { "DELETE", "components/1" },
        { "POST", "components/groups" }, { "PUT", "components/groups/1" }, { "DELETE", "components/groups/1" },
        { "POST", "incidents" }, { "PUT", "incidents/1" }, { "DELETE", "incidents/1" },
        { "POST", "incidents/1/updates" }, { "PUT", "incidents/1/updates/1" }, { "DELETE", "incidents/1/updates/1" },
        { "POST", "incidents/templates" }, { "PUT", "incidents/templates/1" }, { "DELETE", "incidents/templates/1" },
        { "POST", "schedules" }, { "PUT", "schedules/1" }, { "DELETE", "schedules/1" },
        { "POST", "metrics" }, { "PUT", "metrics/1" }, { "DELETE", "metrics/1" },
        { "POST", "incidents/metrics/1/points" }, { "PUT", "metrics/1/points/1" }, { "DELETE", "metrics/1/points/1" },
        { "GET", "subscribers" }, { "POST", "subscribers" }, { "DELETE", "subscribers/1" }, { "DELETE", "subscriptions/1" },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task WritesNeedAKeyOfThePagesTenant(string method, string route)
    {
        using var client = api.CachetClient();
        await client.PostDataAsync("/api/v1/components", new { name = "Exists", status = 1 });
        var other = await api.CreateOtherTenantAdminAsync();
        foreach (var caller in new[] { api.AnonymousClient(), api.CachetClient("wrong"), api.CachetClient(other.ApiKey), api.ClientFor(other) })
        {
            using (caller)
            {
                var response = await caller.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/v1/{route}") { Content = JsonContent.Create(new { name = "x" }) });
                await response.AssertCachetErrorAsync(401);
            }
        }
        // HTTP Basic email:apikey works as well as the token, as the seed promises.
        using var basic = api.AdminClient();
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await basic.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/v1/{route}") { Content = JsonContent.Create(new { }) })).StatusCode);
    }

    public static TheoryData<string, string, object, string[]> BadInputs => new()
    {
        { "POST", "components", new { status = 5, link = "not a url", tags = new[] { "a" } }, ["The name field is required.", "The status may not be greater than 4.", "The link format is invalid.", "The tags must be a string."] },
        { "POST", "components", new { name = "x", status = -1, enabled = "maybe" }, ["The status must be at least 0.", "The enabled field must be true or false."] },
        { "PUT", "components/{component}", new { status = "high", meta = "flat" }, ["The status must be an integer.", "The meta must be an array."] },
        { "PUT", "components/{component}", new { meta = new { big = new string('x', 20_000) } }, ["The meta may not be greater than 16000 characters."] },
        { "POST", "incidents", new { name = new string('n', 300), message = new string('m', 20_000), status = 1 }, ["The name may not be greater than 255 characters.", "The message may not be greater than 16000 characters."] },
        { "POST", "components/groups", new { collapsed = 7 }, ["The name field is required.", "The collapsed must be between 0 and 4."] },
        { "PUT", "components/groups/{group}", new { visible = 3 }, ["The visible must be between 0 and 1."] },
        { "POST", "incidents", new { name = "x", status = 1, component_status = 2 }, ["The message field is required.", "The component id field is required when component status is present."] },
        { "POST", "incidents", new { name = "x", message = "m", status = 1, occurred_at = "yesterday" }, ["The occurred at does not match the format Y-m-d H:i."] },
        { "PUT", "incidents/{incident}", new { status = 9, vars = "x" }, ["The status may not be greater than 4."] },
        { "POST", "incidents/{incident}/updates", new { status = 0 }, ["The status must be at least 1.", "The message field is required."] },
        { "PUT", "incidents/{incident}/updates/{update}", new { status = 5 }, ["The status may not be greater than 4."] },
        { "POST", "incidents/templates", new { name = "t", template = "{% for x in y %}{% endfor %}" }, ["The template is invalid: '{% for %}' is not allowed; only if, else and endif are."] },
        { "PUT", "incidents/templates/{template}", new { name = new[] { 1 } }, ["The name must be a string."] },
        { "POST", "schedules", new { name = "m", status = 3, scheduled_at = "2026-13-01 10:00" }, ["The status may not be greater than 2.", "The scheduled at does not match the format Y-m-d H:i."] },
        { "PUT", "schedules/{schedule}", new { components = new[] { 999 } }, ["The selected components.0 is invalid."] },
        { "POST", "metrics", new { name = "m", default_value = 1.5, calc_type = 3, threshold = 7 }, ["The suffix field is required.", "The default value must be an integer.", "The selected calc type is invalid.", "Threshold must divide by 60."] },
        { "PUT", "incidents/metrics/{metric}", new { default_view = 4, threshold = 0 }, ["The default view must be between 0 and 3.", "Threshold must divide by 60."] },
        { "POST", "metrics/{metric}/points", new { value = "lots" }, ["The value must be a number."] },
        { "PUT", "metrics/{metric}/points/{point}", new { timestamp = "soon" }, ["The timestamp must be an integer."] },
        { "POST", "subscribers", new { email = "nobody" }, ["The email must be a valid email address."] },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadInputIsA400ThatNamesEveryFieldAndWritesNothing(string method, string route, object body, string[] messages)
    {
        var (path, pageId) = await NewPageAsync(api);
        using var client = api.CachetClient();
        var ids = await SeedAsync(client, path);
        var before = await SnapshotAsync(pageId);
        var url = ids.Aggregate($"{path}/{route}", (u, p) => u.Replace("{" + p.Key + "}", p.Value.ToString()));
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = JsonContent.Create(body) });
        await response.AssertValidationAsync(messages);
        Assert.Equal(before, await SnapshotAsync(pageId));
    }

    /// <summary>Every row of the page with its ETag, so any write shows.</summary>
    private async Task<List<string>> SnapshotAsync(string pageId) =>
        (await api.RowsAsync("StatusItems")).Concat(await api.RowsAsync("StatusMetricPoints")).Where(r => r.PartitionKey.StartsWith(pageId, StringComparison.Ordinal))
            .Select(r => $"{r.PartitionKey}/{r.RowKey}/{r.ETag}").Order().ToList();

    /// <summary>One of everything on the page, for the tests that need ids.</summary>
    private static async Task<Dictionary<string, object>> SeedAsync(HttpClient client, string path)
    {
        var component = await client.PostDataAsync($"{path}/components", new { name = "Seeded", status = 1 });
        var group = await client.PostDataAsync($"{path}/components/groups", new { name = "G" });
        var incident = await client.PostDataAsync($"{path}/incidents", new { name = "I", message = "m", status = 1 });
        var update = await client.PostDataAsync($"{path}/incidents/{incident.Id()}/updates", new { message = "u", status = 2 });
        var template = await client.PostDataAsync($"{path}/incidents/templates", new { name = "T", template = "t" });
        var schedule = await client.PostDataAsync($"{path}/schedules", new { name = "S", status = 0, scheduled_at = "2030-01-01 10:00" });
        var metric = await client.PostDataAsync($"{path}/metrics", new { name = "M", suffix = "ms", default_value = 0 });
        var point = await client.PostDataAsync($"{path}/metrics/{metric.Id()}/points", new { value = 1 });
        return new()
        {
            ["component"] = component.Id(), ["group"] = group.Id(), ["incident"] = incident.Id(), ["update"] = update.Id(), ["template"] = template.Id(),
            ["schedule"] = schedule.Id(), ["metric"] = metric.Id(), ["point"] = point.Id(),
        };
    }

    [Fact]
    public async Task MalformedBodiesUnknownPathsWrongMethodsAndNonJsonAcceptAreCachetErrors()
    {
        using var client = api.CachetClient();
        var malformed = await client.PostAsync("/api/v1/components", Json("{\"name\":"));
        Assert.Equal("The request cannot be fulfilled due to bad syntax.", (await malformed.AssertCachetErrorAsync(400))["detail"]!.GetValue<string>());
        await (await client.GetAsync("/api/v1/nothing-here")).AssertCachetErrorAsync(404);
        await (await client.PatchAsync("/api/v1/components", Json("{}"))).AssertCachetErrorAsync(405);
        var html = new HttpRequestMessage(HttpMethod.Get, "/api/v1/ping");
        html.Headers.Accept.ParseAdd("text/html");
        await (await client.SendAsync(html)).AssertCachetErrorAsync(406);
        await (await client.GetAsync("/pages/no-such-page/api/v1/ping")).AssertCachetErrorAsync(404);
        var zone = new HttpRequestMessage(HttpMethod.Get, "/api/v1/components");
        zone.Headers.Add("Time-Zone", "Mars/Olympus");
        await (await client.SendAsync(zone)).AssertCachetErrorAsync(400);
    }

    [Fact]
    public async Task GroupsHaveExactlyTheirTenKeysAndDeletingOneUngroupsItsComponents()
    {
        var (path, _) = await NewPageAsync(api);
        using var client = api.CachetClient();
        var group = await client.PostDataAsync($"{path}/components/groups", new { name = "Core", visible = 1, collapsed = 2, order = 3 });
        await client.PostDataAsync($"{path}/components", new { name = "A", status = 1, group_id = group.Id(), order = 2 });
        await client.PostDataAsync($"{path}/components", new { name = "B", status = 3, group_id = group.Id(), order = 1 });
        var read = await client.GetAsync($"{path}/components/groups/{group.Id()}").DataAsync();
        Assert.Equal(["id", "name", "created_at", "updated_at", "order", "collapsed", "visible", "enabled_components", "enabled_components_lowest", "lowest_human_status"],
            read.AsObject().Select(p => p.Key));
        Assert.Equal(["B", "A"], read["enabled_components"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("Partial Outage", read["lowest_human_status"]!.GetValue<string>());
        var renamed = await client.PutAsJsonAsync($"{path}/components/groups/{group.Id()}", new { name = "Renamed" }).DataAsync();
        Assert.Equal((1, 3), (renamed["visible"]!.GetValue<int>(), renamed["order"]!.GetValue<int>()));
        var sorted = await (await client.GetAsync($"{path}/components/groups?sort=name&order=desc&visible=1")).ReadJsonAsync();
        Assert.Single(sorted["data"]!.AsArray());

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{path}/components/groups/{group.Id()}")).StatusCode);
        var components = await (await client.GetAsync($"{path}/components")).ReadJsonAsync();
        Assert.All(components["data"]!.AsArray(), c => Assert.Equal(0, c!["group_id"]!.GetValue<int>()));
        await (await client.GetAsync($"{path}/components/groups/{group.Id()}")).AssertCachetErrorAsync(404);
    }

    [Fact]
    public async Task IncidentsSetTheirComponentsStatusAndUpdatesSetTheIncidentsStatus()
    {
        var (path, _) = await NewPageAsync(api);
        using var client = api.CachetClient();
        var component = await client.PostDataAsync($"{path}/components", new { name = "API", status = 1 });
        var incident = await client.PostDataAsync($"{path}/incidents", new
        {
            name = "Outage", message = "Looking", status = 1, component_id = component.Id(), component_status = 4, stickied = true,
            meta = new { seo = new { title = "Custom" }, empty = "" },
        });
        Assert.Equal(4, (await client.GetAsync($"{path}/components/{component.Id()}").DataAsync())["status"]!.GetValue<int>());
        Assert.Equal("{\"seo\":{\"title\":\"Custom\"}}", incident["meta"]!.ToJsonString());
        Assert.False(incident["is_resolved"]!.GetValue<bool>());
        Assert.EndsWith($"/incidents/{incident.Id()}", incident["permalink"]!.GetValue<string>());

        var update = await client.PostDataAsync($"{path}/incidents/{incident.Id()}/updates", new { status = 4, message = "Fixed", component_id = component.Id(), component_status = 1 });
        Assert.Equal("Fixed", update["human_status"]!.GetValue<string>());
        var after = await client.GetAsync($"{path}/incidents/{incident.Id()}").DataAsync();
        Assert.Equal(4, after["status"]!.GetValue<int>());
        Assert.True(after["is_resolved"]!.GetValue<bool>());
        Assert.Equal(update.Id(), after["latest_update_id"]!.GetValue<int>());
        Assert.Equal("icon ion-checkmark greens", after["latest_icon"]!.GetValue<string>());
        Assert.Single(after["updates"]!.AsArray());
        Assert.Equal(1, (await client.GetAsync($"{path}/components/{component.Id()}").DataAsync())["status"]!.GetValue<int>());

        // A PUT leaves what it omits (Cachet 2.4 would make the incident public and unstickied).
        var edited = await client.PutAsJsonAsync($"{path}/incidents/{incident.Id()}", new { name = "Outage of API" }).DataAsync();
        Assert.True(edited["stickied"]!.GetValue<bool>());
        var filtered = await (await client.GetAsync($"{path}/incidents?stickied=1&component_id={component.Id()}&status=4")).ReadJsonAsync();
        Assert.Single(filtered["data"]!.AsArray());

        var second = await client.PostDataAsync($"{path}/incidents/{incident.Id()}/updates", new { status = 3, message = "Watching" });
        var list = await (await client.GetAsync($"{path}/incidents/{incident.Id()}/updates")).ReadJsonAsync();
        Assert.Equal([second.Id(), update.Id()], list["data"]!.AsArray().Select(u => u!.Id()));
        var changed = await client.PutAsJsonAsync($"{path}/incidents/{incident.Id()}/updates/{second.Id()}", new { message = "Still watching" }).DataAsync();
        Assert.Equal(3, changed["status"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{path}/incidents/{incident.Id()}/updates/{second.Id()}")).StatusCode);
        await (await client.GetAsync($"{path}/incidents/{incident.Id()}/updates/{second.Id()}")).AssertCachetErrorAsync(404);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{path}/incidents/{incident.Id()}")).StatusCode);
        await (await client.GetAsync($"{path}/incidents/{incident.Id()}")).AssertCachetErrorAsync(404);
        await (await client.GetAsync($"{path}/incidents/{incident.Id()}/updates")).AssertCachetErrorAsync(404);
    }

    [Fact]
    public async Task TemplatesAreManagedAndRenderAnIncidentsMessage()
    {
        var (path, _) = await NewPageAsync(api);
        using var client = api.CachetClient();
        var template = await client.PostDataAsync($"{path}/incidents/templates", new
        {
            name = "Down Notice", template = "Name: {{ name }},\nMessage: {{ message }}{% if incident.stickied %} (pinned){% endif %} {{ html }}",
        });
        Assert.Equal("down-notice", template["slug"]!.GetValue<string>());
        var incident = await client.PostDataAsync($"{path}/incidents", new
        {
            name = "Down", status = 1, template = "down-notice", vars = new { name = "Foo", message = "Hello there this is a foo!", html = "<b>" },
        });
        Assert.Equal("Name: Foo,\nMessage: Hello there this is a foo! &lt;b&gt;", incident["message"]!.GetValue<string>());
        var renamed = await client.PutAsJsonAsync($"{path}/incidents/templates/{template.Id()}", new { slug = "Notice" }).DataAsync();
        Assert.Equal("notice", renamed["slug"]!.GetValue<string>());
        var sorted = await (await client.GetAsync($"{path}/incidents/templates?sort=name&order=desc")).ReadJsonAsync();
        Assert.Single(sorted["data"]!.AsArray());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{path}/incidents/templates/{template.Id()}")).StatusCode);
        await (await client.GetAsync($"{path}/incidents/templates/{template.Id()}")).AssertCachetErrorAsync(404);
        // An unknown template is ignored, and then the message is required.
        await (await client.PostAsJsonAsync($"{path}/incidents", new { name = "x", status = 1, template = "gone" })).AssertValidationAsync("The message field is required.");
    }

    [Fact]
    public async Task SchedulesReadAndWriteDatesInTheRequestsTimeZone()
    {
        var (path, _) = await NewPageAsync(api);
        using var client = api.CachetClient();
        var component = await client.PostDataAsync($"{path}/components", new { name = "DB", status = 1 });
        var create = new HttpRequestMessage(HttpMethod.Post, $"{path}/schedules")
        {
            Content = JsonContent.Create(new { name = "Upgrade", message = "We *upgrade*", status = 0, scheduled_at = "2030-06-01 12:00", components = new[] { component.Id() } }),
        };
        create.Headers.Add("Time-Zone", "America/Mexico_City");
        var schedule = await (await client.SendAsync(create)).ReadJsonAsync();
        Assert.Equal("2030-06-01 12:00:00", schedule["data"]!["scheduled_at"]!.GetValue<string>());
        Assert.Null(schedule["data"]!["completed_at"]);
        var utc = await client.GetAsync($"{path}/schedules/{schedule["data"]!.Id()}").DataAsync();
        Assert.Equal("2030-06-01 18:00:00", utc["scheduled_at"]!.GetValue<string>());
        Assert.Equal("Upcoming", utc["human_status"]!.GetValue<string>());
        Assert.Equal("[{\"component_id\":" + component.Id() + ",\"component_status\":2}]", utc["components"]!.ToJsonString());
        // A trailing slash is fine, as Cachet's own tests post to /schedules/.
        await client.PostDataAsync($"{path}/schedules/", new { name = "Slash", status = 0, scheduled_at = "2030-06-02 12:00" });
        var done = await client.PutAsJsonAsync($"{path}/schedules/{utc.Id()}", new { status = 2, completed_at = "2030-06-01 20:00" }).DataAsync();
        Assert.Equal("Complete", done["human_status"]!.GetValue<string>());
        var sorted = await (await client.GetAsync($"{path}/schedules?sort=scheduled_at&order=desc")).ReadJsonAsync();
        Assert.Equal(["Slash", "Upgrade"], sorted["data"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{path}/schedules/{utc.Id()}")).StatusCode);
        Assert.Equal("Slash", Assert.Single((await (await client.GetAsync($"{path}/schedules")).ReadJsonAsync())["data"]!.AsArray())!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task MetricPointsMergeWithinTheThresholdRoundTo30SecondsAndGoWithTheirMetric()
    {
        var (path, pageId) = await NewPageAsync(api);
        using var client = api.CachetClient();
        var metric = await client.PostDataAsync($"{path}/incidents/metrics", new { name = "Latency", suffix = "ms", default_value = 0, view = 0, calc_type = 1 });
        Assert.Equal(("Last Hour", 5, 2), (metric["default_view_name"]!.GetValue<string>(), metric["threshold"]!.GetValue<int>(), metric["places"]!.GetValue<int>()));
        var first = await client.PostDataAsync($"{path}/metrics/{metric.Id()}/points", new { value = 120.5 });
        var again = await client.PostDataAsync($"{path}/metrics/{metric.Id()}/points", new { value = 120.5 });
        Assert.Equal(first.Id(), again.Id());
        Assert.Equal((2, 241.0), (again["counter"]!.GetValue<int>(), again["calculated_value"]!.GetValue<double>()));
        var whole = await client.PostDataAsync($"{path}/metrics/{metric.Id()}/points", new { value = 120 });
        Assert.NotEqual(first.Id(), whole.Id());
        Assert.Equal(2, (await client.PostDataAsync($"{path}/metrics/{metric.Id()}/points", new { value = "120" }))["counter"]!.GetValue<int>());
        var old = await client.PostDataAsync($"{path}/metrics/{metric.Id()}/points", new { value = 7, timestamp = 1_700_000_014 });
        Assert.Equal("2023-11-14 22:13:30", old["created_at"]!.GetValue<string>());
        var moved = await client.PutAsJsonAsync($"{path}/metrics/{metric.Id()}/points/{old.Id()}", new { timestamp = "1700000015" }).DataAsync();
        Assert.Equal(7, moved["value"]!.GetValue<double>());
        var points = await (await client.GetAsync($"{path}/incidents/metrics/{metric.Id()}/points")).ReadJsonAsync();
        Assert.Equal([whole.Id(), first.Id(), old.Id()], points["data"]!.AsArray().Select(p => p!.Id()));
        var updated = await client.PutAsJsonAsync($"{path}/metrics/{metric.Id()}", new { name = "P95", default_value = 3 }).DataAsync();
        Assert.Equal(("P95", 3), (updated["name"]!.GetValue<string>(), updated["default_value"]!.GetValue<int>()));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{path}/metrics/{metric.Id()}/points/{old.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{path}/incidents/metrics/{metric.Id()}")).StatusCode);
        await (await client.GetAsync($"{path}/metrics/{metric.Id()}/points")).AssertCachetErrorAsync(404);
        Assert.DoesNotContain(await api.RowsAsync("StatusMetricPoints"), r => r.PartitionKey == $"{pageId}-{metric.Id():D10}");
    }

    [Fact]
    public async Task SubscribersNeedAKeyToListAndLeaveWithTheirSubscriptions()
    {
        var (path, _) = await NewPageAsync(api);
        using var client = api.CachetClient();
        using var guest = api.AnonymousClient();
        var a = await client.PostDataAsync($"{path}/components", new { name = "A", status = 1 });
        var b = await client.PostDataAsync($"{path}/components", new { name = "B", status = 1 });
        var everything = await client.PostDataAsync($"{path}/subscribers", new { email = "all@example.com", verify = true });
        Assert.Equal([a.Id(), b.Id()], everything["subscriptions"]!.AsArray().Select(s => s!["component_id"]!.GetValue<int>()));
        Assert.True(everything["global"]!.GetValue<bool>());
        Assert.NotNull(everything["verified_at"]);
        Assert.Equal(42, everything["verify_code"]!.GetValue<string>().Length);
        var one = await client.PostDataAsync($"{path}/subscribers", new { email = "one@example.com", components = new[] { b.Id(), 999 } });
        Assert.Null(one["verified_at"]);
        Assert.Equal(b.Id(), Assert.Single(one["subscriptions"]!.AsArray())!["component_id"]!.GetValue<int>());
        var same = await client.PostDataAsync($"{path}/subscribers", new { email = "one@example.com" });
        Assert.Equal(one.Id(), same.Id());

        await (await guest.GetAsync($"{path}/subscribers")).AssertCachetErrorAsync(401);
        Assert.Equal(2, (await (await client.GetAsync($"{path}/subscribers")).ReadJsonAsync())["data"]!.AsArray().Count);
        var subscription = everything["subscriptions"]![0]!.Id();
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{path}/subscriptions/{subscription}")).StatusCode);
        // Deleting a component takes its subscriptions with it.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{path}/components/{b.Id()}")).StatusCode);
        var left = await (await client.GetAsync($"{path}/subscribers")).ReadJsonAsync();
        Assert.All(left["data"]!.AsArray(), s => Assert.Empty(s!["subscriptions"]!.AsArray()));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{path}/subscribers/{one.Id()}")).StatusCode);
        await (await client.DeleteAsync($"{path}/subscribers/{one.Id()}")).AssertCachetErrorAsync(404);
    }

    [Fact]
    public async Task TheSystemStatusFollowsComponentsAndUnresolvedIncidents()
    {
        var (path, _) = await NewPageAsync(api);
        using var client = api.CachetClient();
        async Task<(string, string)> Status() =>
            await client.GetAsync($"{path}/status").DataAsync() is { } d ? (d["status"]!.GetValue<string>(), d["message"]!.GetValue<string>()) : default;
        Assert.Equal(("success", "System operational"), await Status());
        var a = await client.PostDataAsync($"{path}/components", new { name = "A", status = 1 });
        await client.PostDataAsync($"{path}/components", new { name = "B", status = 1 });
        Assert.Equal(("success", "All systems are operational"), await Status());
        var incident = await client.PostDataAsync($"{path}/incidents", new { name = "Slow", message = "m", status = 2 });
        Assert.Equal(("info", "Some systems are experiencing issues"), await Status());
        await client.PostDataAsync($"{path}/incidents/{incident.Id()}/updates", new { status = 4, message = "ok" });
        Assert.Equal("success", (await Status()).Item1);
        await client.PutAsJsonAsync($"{path}/components/{a.Id()}", new { status = 4 });
        Assert.Equal(("danger", "Some systems are experiencing major issues"), await Status());
    }

    [Fact]
    public async Task ErrorBodiesAreCachetsOwnWithTheRequestIdOnlyInTheHeader()
    {
        using var guest = api.AnonymousClient();
        var notFound = await guest.GetAsync("/api/v1/components/999999");
        var error = await notFound.AssertCachetErrorAsync(404);
        Assert.Null(error["meta"]);
        var unauthorized = await guest.PostAsJsonAsync("/api/v1/components", new { name = "X", status = 1 });
        Assert.Null((await unauthorized.AssertCachetErrorAsync(401))["meta"]);
        using var client = api.CachetClient();
        var invalid = await client.PostAsJsonAsync("/api/v1/components", new { status = 1 });
        var details = await invalid.AssertValidationAsync();
        Assert.NotEmpty(details);
    }
}
