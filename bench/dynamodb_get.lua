-- wrk floor load: GetItem of a random stored user straight to the DynamoDB-compatible server.
local common = dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local dynamodb = dofile(os.getenv("BENCH_DIR") .. "/dynamodb.lua")
local users
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
  return dynamodb.get_item(users[math.random(#users)])
end

done = common.report
