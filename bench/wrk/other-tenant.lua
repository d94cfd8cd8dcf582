-- Another tenant's admin reading GET /v2/users/me at a steady pace (each connection waits 250 ms between requests), so
-- it stays under its own allowance while the flood runs.
dofile("bench/wrk/report.lua")
wrk.path = "/v2/users/me"
wrk.headers["Authorization"] = os.getenv("BENCH_OTHER_BASIC")
function delay() return 250 end
