-- POST /v3/incidents/{id}/warroom: a war-room note, with the access token from /oauth/access-token.
dofile("bench/wrk/report.lua")
wrk.method = "POST"
wrk.path = "/v3/incidents/" .. os.getenv("BENCH_INCIDENT") .. "/warroom"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_ACCESS_TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"message":"Rolling back the 14:02 deploy.","attachments":["https://logs.example.com/checkout"]}]]
