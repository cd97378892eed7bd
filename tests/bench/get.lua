-- A plain request, the same every time (wrk builds it once, so this
-- costs wrk nothing per request).  run.sh may add headers:
--   BENCH_COOKIE          a Cookie header (staff pages)
--   BENCH_IF_NONE_MATCH   an If-None-Match header (the 304 runs)
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
require "report"

local cookie = os.getenv("BENCH_COOKIE")
if cookie ~= nil and cookie ~= "" then
	wrk.headers["Cookie"] = cookie
end
local etag = os.getenv("BENCH_IF_NONE_MATCH")
if etag ~= nil and etag ~= "" then
	wrk.headers["If-None-Match"] = etag
end
