-- GET /oauth/access-token: the refresh token (an API key) exchanged for an access token.
dofile("bench/wrk/report.lua")
wrk.path = "/oauth/access-token"
wrk.headers["X-Refresh-Token"] = os.getenv("BOOTSTRAP_ADMIN_API_KEY")
