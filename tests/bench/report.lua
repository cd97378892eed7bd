-- Shared by the wrk scripts of `make bench` (tests/bench/run.sh).
-- Numbers each wrk thread (the global `id`, from 0) and, when the run
-- ends, prints one line that run.sh reads:
--
--   BENCH requests=N seconds=S rps=R p50_us=A p99_us=B mean_us=M
--         max_us=X non2xx3xx=E connect=C read=R write=W timeout=T
--         status=303:N,422:M  out_of_tokens=K
--
-- status= and out_of_tokens= appear only when the script counts them
-- (a thread global `codes` table, and `out`).

local threads = {}

function setup(thread)
	thread:set("id", #threads)
	table.insert(threads, thread)
end

function done(summary, latency, requests)
	local e = summary.errors
	local secs = summary.duration / 1e6
	local codes, out, any = {}, 0, false
	for _, t in ipairs(threads) do
		local c = t:get("codes")
		if type(c) == "table" then
			any = true
			for k, v in pairs(c) do
				codes[k] = (codes[k] or 0) + v
			end
		end
		local o = t:get("out")
		if type(o) == "number" then out = out + o end
	end
	local line = string.format("BENCH requests=%d seconds=%.3f rps=%.1f " ..
	    "p50_us=%d p99_us=%d mean_us=%.1f max_us=%d non2xx3xx=%d " ..
	    "connect=%d read=%d write=%d timeout=%d",
	    summary.requests, secs, summary.requests / secs,
	    latency:percentile(50), latency:percentile(99), latency.mean,
	    latency.max, e.status, e.connect, e.read, e.write, e.timeout)
	if any then
		local keys = {}
		for k in pairs(codes) do table.insert(keys, k) end
		table.sort(keys)
		local parts = {}
		for _, k in ipairs(keys) do
			table.insert(parts, k .. ":" .. codes[k])
		end
		line = line .. " status=" .. table.concat(parts, ",") ..
		    " out_of_tokens=" .. out
	end
	io.write(line .. "\n")
end
