-- wrk script for the soak: cycles through the paths in WRK_PATHS (space-separated) and waits
-- WRK_DELAY_MS between a connection's requests, so the load is a rate, not as fast as possible.
local paths = {}
for p in string.gmatch(os.getenv("WRK_PATHS") or "/", "%S+") do paths[#paths + 1] = p end
local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "0")
local n = 0

request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end

delay = function()
  return delay_ms
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
