/**
 * The event catalog as OpenAPI 3.1 `webhooks`: one operation per event type, whose request body is the envelope
 * deliveries carry, so receivers can generate typed handlers from /openapi.json.
 */
import type { EventType } from "@vx/webhooks";

const SIGNATURE_HEADERS = [
  ["webhook-id", "The message id: the same on every attempt, your idempotency key"],
  ["webhook-timestamp", "Unix seconds when this attempt was signed"],
  ["webhook-signature", "v1,<base64 HMAC-SHA256>: one per signing secret, space-separated (Standard Webhooks)"],
] as const;

export function openApiWebhooks(types: readonly EventType[]): Record<string, unknown> {
  return Object.fromEntries(types.map((type) => [type.name, { post: operation(type) }]));
}

function operation(type: EventType): Record<string, unknown> {
  const data = type.schema === null ? {} : type.schema;
  return {
    summary: type.description,
    operationId: `webhook_${type.name.replace(/[^A-Za-z0-9]/g, "_")}`,
    tags: ["webhook events"],
    ...(type.deprecated ? { deprecated: true } : {}),
    parameters: SIGNATURE_HEADERS.map(([name, description]) => ({
      name,
      in: "header",
      required: true,
      description,
      schema: { type: "string" },
    })),
    requestBody: {
      required: true,
      content: {
        "application/json": {
          schema: {
            type: "object",
            required: ["type", "timestamp", "data"],
            properties: {
              type: { const: type.name },
              timestamp: { type: "string", format: "date-time" },
              data,
            },
          },
          ...(type.example === null ? {} : { example: { type: type.name, data: type.example } }),
        },
      },
    },
    responses: { "2XX": { description: "Received: any 2xx acknowledges the delivery; anything else is retried" } },
  };
}
