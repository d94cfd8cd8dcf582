using Serverless.Functions.Errors;
using Serverless.Functions.Hosting;
using Serverless.Functions.StatusPage.Cachet;
using Serverless.Functions.StatusPage.Notifications;
using Serverless.Functions.StatusPage.Statuspage;
using Serverless.Functions.StatusPage.Uptime;

namespace Serverless.Functions.StatusPage;

public static class StatusPageRegistration
{
    public static IServiceCollection AddStatusPages(this IServiceCollection services)
    {
        services.AddSurfaceErrorWriter<CachetErrorWriter>();
        services.AddApiSurface(ApiSurface);
        CachetTokenAuthentication.AddCachetAuthentication(services);
        services.AddSingleton<StatusPageVersions>();
        services.AddSingleton<StatusPageCache>();
        services.AddSingleton<StatusPageStore>();
        services.AddSingleton<ComponentHistory>();
        services.AddSingleton<StatusItemStore>();
        services.AddSingleton<StatusSubscriptions>();
        services.AddSingleton<LinkedIncidents>();
        // The public page's HTML is Razor components, rendered on the server.
        services.AddRazorComponents();
        services.AddSingleton<Mailer>();
        services.AddSingleton<StatusNotificationStore>();
        services.AddSingleton<StatusNotifier>();
        services.AddSingleton<WebhookSubscribers>();
        services.AddSingleton<WebhookDelivery>();
        services.AddSingleton<StatusNotificationSender>();
        services.AddQueueHandler<StatusNotificationSender>(StatusNotifier.Queue);
        services.AddTimerJob<StatusNotificationSweep>(StatusNotificationSweep.Name, StatusNotificationSweep.Interval);
        services.AddTimerJob<MaintenanceProgress>(MaintenanceProgress.Name, MaintenanceProgress.Interval);
        // After the bootstrap admin's own start-up task, whose tenant the default page joins.
        services.AddStartupTask<DefaultStatusPage>();
        return services;
    }

    /// <summary>How the OpenAPI documents describe the Cachet API: public reads, a token or Basic for writes, Cachet's bodies.</summary>
    private static readonly ApiSurface ApiSurface = new(path => CachetErrorWriter.IsApi(path), typeof(CachetErrorWriter.ErrorBody))
    {
        Schemes = new Dictionary<string, Microsoft.OpenApi.OpenApiSecurityScheme>
        {
            ["cachetToken"] = new() { Type = Microsoft.OpenApi.SecuritySchemeType.ApiKey, In = Microsoft.OpenApi.ParameterLocation.Header, Name = "X-Cachet-Token", Description = "An API key" },
            ["basic"] = new() { Type = Microsoft.OpenApi.SecuritySchemeType.Http, Scheme = "basic", Description = "`email:apikey`" },
        },
        PublicReads = true,
        WriteBody = typeof(System.Text.Json.Nodes.JsonObject),
        ObjectBody = typeof(CachetResults.Envelope),
    };

    /// <summary>
    /// The Cachet API twice over, for the default page at <c>/api/v1</c> (so a Cachet client's base URL is the host)
    /// and for every page at <c>/pages/{slug}/api/v1</c>; the public HTML at <c>/status</c> and <c>/pages/{slug}</c>.
    /// </summary>
    public static void MapStatusPages(this IEndpointRouteBuilder app)
    {
        app.MapStatusPagesApi();
        foreach (var api in new[] { app.MapFunctionGroup("StatusApi", "/api/v1"), app.MapFunctionGroup("Pages", "/pages").MapGroup("/{slug}/api/v1") })
        {
            // X-Cachet-Token or Basic, checked on every route; reads stay public (see the policy).
            api.RequireAuthorization(CachetTokenAuthentication.Policy);
            // Public reads may be fetched from any origin, as Cachet's CORS middleware allows.
            api.AddEndpointFilter(async (context, next) =>
            {
                var http = context.HttpContext;
                if (!CachetPage.AcceptsJson(http.Request))
                {
                    throw CachetPage.NotAcceptable();
                }
                if (HttpMethods.IsGet(http.Request.Method) && http.Request.Headers.Origin.Count > 0)
                {
                    http.Response.Headers.AccessControlAllowOrigin = "*";
                }
                return await next(context);
            });
            api.WithTags("StatusPage");
            // Guests' GETs are views of the page, served from the output cache while the page is unchanged.
            api.WithMetadata(StatusPageCache.Views);
            api.MapStatusGeneral();
            api.MapStatusComponents();
            api.MapStatusGroups();
            api.MapStatusIncidents();
            api.MapStatusIncidentUpdates();
            api.MapStatusTemplates();
            api.MapStatusSchedules();
            api.MapStatusMetrics();
            api.MapStatusSubscribers();
            api.MapStatusUptime();
            api.MapStatusWebhooks();
        }
        foreach (var json in new[] { app.MapFunctionGroup("StatuspageApi", "/api/v2"), app.MapFunctionGroup("Pages", "/pages").MapGroup("/{slug}/api/v2") })
        {
            // Public reads, but a key of the page's tenant counts (private pages need one).
            json.RequireAuthorization(CachetTokenAuthentication.Policy);
            // Browser widgets read these from other origins, so every GET may be read from any origin.
            json.AddEndpointFilter(async (context, next) =>
            {
                if (HttpMethods.IsGet(context.HttpContext.Request.Method) || HttpMethods.IsHead(context.HttpContext.Request.Method))
                {
                    context.HttpContext.Response.Headers.AccessControlAllowOrigin = "*";
                }
                return await next(context);
            });
            json.WithTags("StatusPage");
            json.WithMetadata(StatusPageCache.Views);
            json.MapStatuspageApi();
        }
        // The HTML reads a key too (Basic email:apikey, which a browser asks for), for private pages.
        app.MapFunctionGroup("Status", "/status").RequireAuthorization(CachetTokenAuthentication.Policy).WithMetadata(StatusPageCache.Views).MapStatusPageHtml();
        app.MapFunctionGroup("Pages", "/pages").MapGroup("/{slug}").RequireAuthorization(CachetTokenAuthentication.Policy).WithMetadata(StatusPageCache.Views)
            .MapStatusPageHtml();
    }
}
