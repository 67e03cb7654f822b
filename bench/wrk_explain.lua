-- wrk script for jlrp serve's KServe V1 :explain: one POST body of LENGTH random token ids in [1, VOCAB), seeded,
-- the same for every request; with DELAY_MS set, each connection waits that long between its requests (paced load:
-- CONNS connections offer about CONNS * 1000 / (DELAY_MS + latency) requests per second).
--   LENGTH=150 VOCAB=20001 wrk -t1 -c64 -d8s --latency -s bench/wrk_explain.lua http://127.0.0.1:8080/v1/models/NAME:explain
local length = tonumber(os.getenv("LENGTH") or "150")
local vocab = tonumber(os.getenv("VOCAB") or "20001")
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
math.randomseed(1)
local ids = {}
for i = 1, length do
  ids[i] = tostring(math.random(1, vocab - 1))
end
wrk.method = "POST"
wrk.body = '{"instances": [[' .. table.concat(ids, ", ") .. ']]}'
wrk.headers["Content-Type"] = "application/json"
if delay_ms > 0 then
  function delay() return delay_ms end
end
