-- Shared by the wrk scripts of scripts/bench.sh: the user list, a random date of birth, and a
-- summary line that the script parses (latencies in microseconds).
local common = {}

-- BENCH_USERS_FILE holds one username per line (letters only, so every name is valid).
function common.load_users()
  local path = os.getenv("BENCH_USERS_FILE")
  assert(path, "BENCH_USERS_FILE is not set")
  local users = {}
  for line in io.lines(path) do
    users[#users + 1] = line
  end
  assert(#users > 0, "no users in " .. path)
  return users
end

-- Each wrk thread gets its own random sequence.
function common.seed_random(id)
  math.randomseed(os.time() * 1000 + (id or 0))
end

-- A real past date; day 1 to 28 keeps every month valid.
function common.random_date()
  return string.format("%04d-%02d-%02d", math.random(1950, 2005), math.random(1, 12),
                       math.random(1, 28))
end

function common.report(summary, latency)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    "BENCH requests=%d rps=%.1f p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / seconds, latency:percentile(50.0),
    latency:percentile(99.0), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end

return common
