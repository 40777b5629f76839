-- wrk script: a login flood. Every request is a `login` from a random client address (sent in
-- X-Forwarded-For: start Roster with ROSTER_TRUSTED_PROXIES=127.0.0.1), either for an unknown
-- address with a wrong password, or for one of N seeded accounts with its right password.
--   wrk ... -s bench/login.lua URL -- unknown
--   wrk ... -s bench/login.lua URL -- correct <N> <PASSWORD>
-- Prints "bench: checked=C refused=R failed=F": C answers after a password check (a token, or
-- the one answer for wrong credentials), R refused at capacity (503 UNAVAILABLE), F anything else.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1] or "unknown"
  accounts = tonumber(args[2] or "64")
  password = args[3] or "wrong password"
  checked, refused, failed = 0, 0, 0
  math.randomseed(os.time() + (id or 0) * 7919)
  wrk.method = "POST"
end

local QUERY = 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }'

function request()
  counter = counter + 1
  local email, pw
  if mode == "correct" then
    email = string.format("flood%d@bench.example", (counter + (id or 0) * 17) % accounts)
    pw = password
  else
    email = string.format("u%d-%d@flood.example", math.random(1, 1000000000), counter)
    pw = "not the password"
  end
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  local body = string.format('{"query":"%s","variables":{"i":{"email":"%s","password":"%s"}}}', QUERY, email, pw)
  -- Headers given here replace wrk.headers: the content type goes in again.
  return wrk.format(nil, "/graphql", { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip }, body)
end

function response(status, headers, body)
  if status == 503 then
    refused = refused + 1
  elseif status == 200 and (string.find(body, '"accessToken"', 1, true)
      or string.find(body, '"UNAUTHENTICATED"', 1, true)) then
    checked = checked + 1
  else
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local c, r, f = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("checked")
    r = r + t:get("refused")
    f = f + t:get("failed")
  end
  io.write(string.format("bench: checked=%d refused=%d failed=%d\n", c, r, f))
end
