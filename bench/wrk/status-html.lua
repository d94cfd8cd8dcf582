-- GET /status as a guest: the public status page's HTML.
dofile("bench/wrk/report.lua")
wrk.path = "/status"
