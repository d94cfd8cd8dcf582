-- A flood from one address, no credentials: GET /api/v1/components as fast as wrk can send it.
dofile("bench/wrk/report.lua")
wrk.path = "/api/v1/components"
