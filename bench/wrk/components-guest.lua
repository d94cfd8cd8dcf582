-- GET /api/v1/components as a guest: the default status page's twenty components.
dofile("bench/wrk/report.lua")
wrk.path = "/api/v1/components"
