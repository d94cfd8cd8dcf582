-- GET /api/v2/summary.json as a guest: the status page's summary.
dofile("bench/wrk/report.lua")
wrk.path = "/api/v2/summary.json"
