// SPDX-License-Identifier: MIT
// examples/items-api in Node, for bench/items-api.py only: the same routes and answers with
// @aws-sdk/client-dynamodb (through @aws-sdk/lib-dynamodb's document client, the usual way to
// map JSON to AttributeValues), the client made once at init and reused. The SDK is installed
// by the bench at run time, never committed. Routes (HttpApi, payload 2.0):
//   GET /items/{id} 200 | 404, PUT /items/{id} 201 | 409 (?overwrite=1: 200), DELETE 204 | 404,
//   GET /items 200 {"items":[...],"next":id} (?limit=1-100, ?next=id); 400 bad JSON;
//   DynamoDB failures after the SDK's retries: 503 throttled, 500 missing table, else 502.
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const {
  DynamoDBDocumentClient, GetCommand, PutCommand, DeleteCommand, ScanCommand,
} = require("@aws-sdk/lib-dynamodb");

const TABLE = process.env.TABLE_NAME;
const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
// As the C function: a local http:// DynamoDB without credentials gets placeholder keys.
const local = !process.env.AWS_ACCESS_KEY_ID && endpoint && endpoint.startsWith("http://");
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(
  local ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}));

const json = (statusCode, body, headers = {}) => ({
  statusCode, headers: { "Content-Type": "application/json", ...headers },
  body: body === undefined ? undefined : JSON.stringify(body),
});
const message = (status, error, msg) => json(status, error ? { message: msg, error } : { message: msg });

function failed(op, e) {
  const type = e.name || "DynamoDBUnavailable";
  console.error(`${op}: ${type}: ${e.message} (${e.$metadata?.attempts ?? "?"} attempts)`);
  if (type === "ValidationException") return message(400, type, e.message);
  if (type === "ThrottlingException" || type === "ProvisionedThroughputExceededException")
    return json(503, { message: `DynamoDB throttled ${op}; try again`, error: type }, { "Retry-After": "1" });
  if (type === "ResourceNotFoundException")
    return message(500, type, `table ${TABLE} not found: ${e.message}`);
  return message(502, type, `DynamoDB refused ${op}: ${e.message}`);
}

async function putItem(event, id) {
  let item;
  try {
    item = JSON.parse(event.body ? (event.isBase64Encoded
      ? Buffer.from(event.body, "base64").toString() : event.body) : "");
  } catch {
    return message(400, "BadRequest", event.body ? "the body is not valid JSON"
      : "the body must be a JSON object");
  }
  if (item === null || typeof item !== "object" || Array.isArray(item))
    return message(400, "BadRequest", "the body must be a JSON object");
  if ("id" in item && item.id !== id)
    return message(400, "BadRequest", "\"id\" in the body must be the id of the path");
  const overwrite = ["1", "true"].includes(event.queryStringParameters?.overwrite);
  const stored = { id, ...item };
  try {
    await ddb.send(new PutCommand({
      TableName: TABLE, Item: stored,
      ...(overwrite ? {} : { ConditionExpression: "attribute_not_exists(id)" }),
    }));
  } catch (e) {
    if (e.name === "ConditionalCheckFailedException")
      return message(409, e.name, "the item exists; PUT with ?overwrite=1 to replace it");
    return failed("PutItem", e);
  }
  return json(overwrite ? 200 : 201, stored);
}

exports.handler = async (event) => {
  const method = event.requestContext?.http?.method;
  const path = event.rawPath;
  const id = event.pathParameters?.id;
  if (path === "/items") {
    if (method !== "GET") return message(405, "MethodNotAllowed", "GET /items lists the items");
    const q = event.queryStringParameters || {};
    let limit = 25;
    if (q.limit !== undefined) {
      limit = /^\d+$/.test(q.limit) ? Number(q.limit) : 0;
      if (limit < 1 || limit > 100)
        return message(400, "BadRequest", "limit must be a number from 1 to 100");
    }
    try {
      const r = await ddb.send(new ScanCommand({
        TableName: TABLE, Limit: limit, ...(q.next ? { ExclusiveStartKey: { id: q.next } } : {}),
      }));
      return json(200, { items: r.Items || [], ...(r.LastEvaluatedKey ? { next: r.LastEvaluatedKey.id } : {}) });
    } catch (e) {
      return failed("Scan", e);
    }
  }
  if (!id || !path.startsWith("/items/")) return message(404, null, "not found");
  if (Buffer.byteLength(id) > 1024) return message(400, "BadRequest", "an id is 1 to 1024 bytes");
  try {
    if (method === "GET") {
      const r = await ddb.send(new GetCommand({ TableName: TABLE, Key: { id } }));
      return r.Item ? json(200, r.Item) : message(404, null, "no such item");
    }
    if (method === "PUT") return await putItem(event, id);
    if (method === "DELETE") {
      try {
        await ddb.send(new DeleteCommand({
          TableName: TABLE, Key: { id }, ConditionExpression: "attribute_exists(id)",
        }));
      } catch (e) {
        if (e.name === "ConditionalCheckFailedException") return message(404, null, "no such item");
        throw e;
      }
      return { statusCode: 204 };
    }
  } catch (e) {
    return failed(method === "GET" ? "GetItem" : "DeleteItem", e);
  }
  return message(405, "MethodNotAllowed", "use GET, PUT or DELETE on /items/{id}");
};
