-- GET /v2/flows?workspace_id=…: a page of 50 flows, HTTP Basic email:apikey.
dofile("bench/wrk/report.lua")
wrk.path = "/v2/flows?workspace_id=" .. os.getenv("BENCH_LIST_WORKSPACE") .. "&page[size]=50"
wrk.headers["Authorization"] = os.getenv("BENCH_ADMIN_BASIC")
