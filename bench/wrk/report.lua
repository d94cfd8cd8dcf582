-- Shared by every request shape: the one JSON line bench/run.sh reads back (milliseconds; non2xx counts 4xx and 5xx).
-- The Authorization values come ready-made from `bench seed` (bench/.out/seed.env).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"rps":%.1f,"p50":%.2f,"p95":%.2f,"p99":%.2f,"non2xx":%d,"errors":%d}\n',
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
