/** The zod schema of a problem+json body, for the OpenAPI document and for tests. */
import { z } from "zod";

export const problemSchema = z
  .object({
    type: z.string().describe("URN naming the problem type, e.g. urn:vx:problem:validation_failed"),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().describe("Stable machine-readable error code"),
    instance: z.string().optional().describe("Path of the request that failed"),
    request_id: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe("One entry per invalid field, at most 20; paths and messages are clipped"),
    errors_omitted: z.number().int().optional().describe("How many field errors were left out of `errors`"),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details" });
