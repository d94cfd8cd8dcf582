-- A flood from one API key (a member of the first tenant): GET /v2/users/me as fast as wrk can send it.
dofile("bench/wrk/report.lua")
wrk.path = "/v2/users/me"
wrk.headers["Authorization"] = os.getenv("BENCH_FLOOD_BASIC")
