-- wrk load: PUT /hello/{username} of a random stored user to a new date of birth.
local common = dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local users
local headers = { ["Content-Type"] = "application/json" }
local thread_counter = 0

function setup(thread)
  thread_counter = thread_counter + 1
  thread:set("id", thread_counter)
end

function init(args)
  common.seed_random(id)
  users = common.load_users()
end

function request()
  local body = '{"dateOfBirth":"' .. common.random_date() .. '"}'
  return wrk.format("PUT", "/hello/" .. users[math.random(#users)], headers, body)
end

done = common.report
