-- wrk script: inviteMembers with N addresses per request, every address new: the addresses are
-- made of a run prefix, the wrk thread and a per-thread counter. Prints
-- "bench: errors=N responses=M invited=K" (K: results with status INVITED).
--   wrk ... -s bench/invite.lua URL -- <workspace id> <emails per request> <run prefix>
-- The Authorization header (the workspace owner's token) comes from wrk's -H option.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  workspace = args[1]
  per_request = tonumber(args[2])
  prefix = args[3]
  counter, errors, responses, invited = 0, 0, 0, 0
  wrk.method = "POST"
  wrk.path = "/graphql"
  wrk.headers["Content-Type"] = "application/json"
end

local query = "mutation($i: InviteMembersInput!) { inviteMembers(input: $i) "
  .. "{ results { email status member { role } } } }"

function request()
  counter = counter + 1
  local emails = {}
  for k = 1, per_request do
    emails[k] = string.format('"b%s.t%d.r%d.e%d@invite.bench.test"', prefix, tid, counter, k)
  end
  local body = '{"query":"' .. query .. '","variables":{"i":{"workspaceId":"' .. workspace
    .. '","role":"NORMAL","emails":[' .. table.concat(emails, ",") .. ']}}}'
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    errors = errors + 1
  end
  local _, n = string.gsub(body, '"INVITED"', "")
  invited = invited + n
end

function done(summary, latency, requests)
  local e, r, i = 0, 0, 0
  for _, t in ipairs(threads) do
    e = e + t:get("errors")
    r = r + t:get("responses")
    i = i + t:get("invited")
  end
  io.write(string.format("bench: errors=%d responses=%d invited=%d\n", e, r, i))
end
