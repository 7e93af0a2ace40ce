-- Shared by the DynamoDB floor loads: a request shaped like the service's own call, sent
-- straight to the local DynamoDB-compatible server. That server checks the form of the SigV4
-- Authorization header but not the signature, so a fixed well-formed one stands in for signing.
local dynamodb = {}

local table_name = os.getenv("BENCH_DYNAMODB_TABLE") or "users"
local key_name = os.getenv("BENCH_DYNAMODB_KEY") or "pk"
local amz_date = os.date("!%Y%m%dT%H%M%SZ")

local function headers(operation)
  return {
    ["Content-Type"] = "application/x-amz-json-1.0",
    ["X-Amz-Target"] = "DynamoDB_20120810." .. operation,
    ["X-Amz-Date"] = amz_date,
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDBENCHMARK/" .. amz_date:sub(1, 8) ..
      "/us-east-1/dynamodb/aws4_request, " ..
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, " ..
      "Signature=" .. string.rep("0f", 32),
  }
end

local get_headers = headers("GetItem")
local put_headers = headers("PutItem")

function dynamodb.get_item(user)
  local body = '{"TableName":"' .. table_name .. '","Key":{"' .. key_name .. '":{"S":"' .. user ..
    '"}},"ConsistentRead":true}'
  return wrk.format("POST", "/", get_headers, body)
end

function dynamodb.put_item(user, date)
  local body = '{"TableName":"' .. table_name .. '","Item":{"' .. key_name .. '":{"S":"' .. user ..
    '"},"name":{"S":"' .. user .. '"},"dob":{"S":"' .. date .. '"},"updated_at":{"S":"' ..
    os.date("!%Y-%m-%dT%H:%M:%SZ") .. '"}}}'
  return wrk.format("POST", "/", put_headers, body)
end

return dynamodb
