-- wrk script for bench/load.sh: POSTs real photos (raw image/jpeg bodies) round-robin, stops each thread after
-- its share of LOAD_REQUESTS answers, and prints a machine-readable summary.
--   LOAD_FILES     colon-separated photo paths (one in LOAD_LARGE_EVERY is taken from LOAD_LARGE_FILES)
--   LOAD_REQUESTS  total answers to wait for (all threads)
--   LOAD_THREADS   wrk's -t, to split LOAD_REQUESTS
--   LOAD_DONE_FILE a line is appended when a thread has its share (wrk itself waits for its whole -d)

local function split(s)
  local t = {}
  for item in string.gmatch(s or "", "[^:]+") do t[#t + 1] = item end
  return t
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for _, p in ipairs(split(os.getenv("LOAD_FILES"))) do bodies[#bodies + 1] = read(p) end
  large = {}
  for _, p in ipairs(split(os.getenv("LOAD_LARGE_FILES"))) do large[#large + 1] = read(p) end
  large_every = tonumber(os.getenv("LOAD_LARGE_EVERY") or "0")
  limit = math.ceil(tonumber(os.getenv("LOAD_REQUESTS")) / tonumber(os.getenv("LOAD_THREADS")))
  sent = 0
  answered = 0
  not_ok = 0
  headers = { ["Content-Type"] = "image/jpeg" }
end

function request()
  sent = sent + 1
  local body
  if large_every > 0 and #large > 0 and sent % large_every == 0 then
    body = large[(sent / large_every) % #large + 1]
  else
    body = bodies[(sent + id) % #bodies + 1]
  end
  return wrk.format("POST", nil, headers, body)
end

function response(status, hdrs, body)
  answered = answered + 1
  if status ~= 200 then
    not_ok = not_ok + 1
    if not_ok <= 5 then io.stderr:write("status " .. status .. ": " .. string.sub(body, 1, 200) .. "\n") end
  end
  if answered == limit then
    local f = io.open(os.getenv("LOAD_DONE_FILE"), "a")
    if f then f:write("thread " .. id .. " done\n"); f:close() end
  end
  if answered >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local answered_total, not_ok_total = 0, 0
  for _, t in ipairs(threads) do
    answered_total = answered_total + (t:get("answered") or 0)
    not_ok_total = not_ok_total + (t:get("not_ok") or 0)
  end
  local e = summary.errors
  io.write(string.format("LOAD requests=%d answered=%d non200=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d "
      .. "duration_s=%.1f rps=%.2f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f mean_ms=%.1f\n",
      summary.requests, answered_total, not_ok_total, e.connect, e.read, e.write, e.timeout,
      summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, latency.mean / 1000))
end
