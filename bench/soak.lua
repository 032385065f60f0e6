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

-- The report: the same JSON line as every other run (report.lua).
dofile(os.getenv("WRK_REPORT_LUA"))
