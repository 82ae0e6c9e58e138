-- wrk script: each request is a finished survey from a tablet of its own
-- (a fresh client id, and an address of its own through X-Forwarded-For,
-- as behind a school's or a council's proxy), to the join code in the
-- environment variable HEARD_JOIN_CODE.
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  sent = 0
  code = os.getenv("HEARD_JOIN_CODE")
end

function request()
  sent = sent + 1
  local client_id = string.format("%08x-%04x-4000-8000-%012x", id, sent % 65536, sent)
  local address = string.format("10.%d.%d.%d", id, math.floor(sent / 250) % 250, sent % 250 + 1)
  local body = string.format(
    '{"join_code":"%s","client_id":"%s","answers":{"key_stage":"KS4","help_before":"Nothing really, they sent me home","change":"Listen to us and trust us"}}',
    code, client_id)
  return wrk.format("POST", "/api/v1/responses",
    { ["content-type"] = "application/json", ["x-forwarded-for"] = address }, body)
end
