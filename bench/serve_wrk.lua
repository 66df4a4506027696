-- wrk script for bench/serve_wrk.sh: POSTs WRK_BODY (JSON) when set, GETs otherwise, and
-- prints one JSON line: requests/s, p50 and p99 in ms, and answers that were not 2xx.
local body = os.getenv("WRK_BODY")
if body and body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format('{"label":"%s","req_per_s":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"non_2xx":%d,"errors":%d}\n',
    os.getenv("WRK_LABEL") or "", summary.requests / secs, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
