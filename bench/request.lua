-- wrk script: one fixed request, repeated. Counts failed answers (HTTP status other than 200,
-- or a GraphQL "errors" member) and prints them as "bench: errors=N responses=M".
--   wrk ... -s bench/request.lua URL -- GET
--   wrk ... -s bench/request.lua URL -- POST <file holding the JSON body>
-- The Authorization header comes from wrk's -H option.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = args[1] or "GET"
  if args[2] then
    local f = assert(io.open(args[2], "rb"))
    wrk.body = f:read("*a")
    f:close()
    wrk.headers["Content-Type"] = "application/json"
  end
  errors, responses = 0, 0
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local e, r = 0, 0
  for _, t in ipairs(threads) do
    e = e + t:get("errors")
    r = r + t:get("responses")
  end
  io.write(string.format("bench: errors=%d responses=%d\n", e, r))
end
