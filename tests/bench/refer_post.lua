-- POST /refer with a complete, valid referral, each request with a form
-- token never used before, so that every request stores a new referral
-- (a used token would only earn the cheap 303 of the double-submit
-- check).
--
--   BENCH_BODY     the url-encoded fields, ending in "form_token="
--   BENCH_TOKENS   a file of fresh tokens, one a line (mint-tokens)
--   BENCH_THREADS  wrk's thread count: thread `id` takes every
--                  BENCH_THREADS-th line from line id+1, so no two
--                  threads share a token
--
-- Counts the statuses (codes) and requests sent after the tokens ran out
-- (out); those carry a bad token and are answered 422.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
require "report"

local body = os.getenv("BENCH_BODY")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local tokens, ntok, i = {}, 0, 0
codes = {}
out = 0

function init(args)
	local nth = tonumber(os.getenv("BENCH_THREADS"))
	local n = 0
	for line in io.lines(os.getenv("BENCH_TOKENS")) do
		if n % nth == id then
			ntok = ntok + 1
			tokens[ntok] = line
		end
		n = n + 1
	end
end

function request()
	i = i + 1
	local t = tokens[i]
	if t == nil then
		out = out + 1
		t = "out-of-tokens"
	else
		tokens[i] = nil
	end
	return wrk.format(nil, nil, nil, body .. t)
end

function response(status, headers, resp_body)
	codes[status] = (codes[status] or 0) + 1
end
