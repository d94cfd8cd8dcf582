-- GET /v2/users/me: authentication's cost alone.
dofile("bench/wrk/report.lua")
wrk.path = "/v2/users/me"
wrk.headers["Authorization"] = os.getenv("BENCH_ADMIN_BASIC")
