-- POST /v2/flows: a two-step flow in its own workspace (bench verify counts them afterwards).
dofile("bench/wrk/report.lua")
wrk.method = "POST"
wrk.path = "/v2/flows"
wrk.headers["Authorization"] = os.getenv("BENCH_ADMIN_BASIC")
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"data":{"type":"flow","attributes":{"name":"Bench","type":"ordinary","default_mapper_type":"jsonata","graph":{"nodes":[{"id":"step_1","command":"components/webhook:receive","fields":{"auth":{"type":"NO_AUTH"}}},{"id":"step_2","command":"components/rest-api:httpRequestAxios","fields":{"reader":{"method":"POST","url":"\"https://example.com/in\"","body":"$"}}}],"edges":[{"source":"step_1","target":"step_2","config":{"mapper":{"n":"n"}}}]}},"relationships":{"workspace":{"data":{"id":"]] .. os.getenv("BENCH_CREATE_WORKSPACE") .. [[","type":"workspace"}}}}}]]
