/** The webhooks benchmarks' payload as a JSON Schema: what BENCH_SCHEMA=1 checks on every trigger. */
export const CALL_STARTED_SCHEMA = {
  type: "object",
  required: ["callId", "agentId", "phoneNumber"],
  properties: {
    callId: { type: "string", minLength: 1 },
    agentId: { type: "string", minLength: 1 },
    phoneNumber: { type: "string", pattern: "^\\+[0-9]{6,15}$" },
  },
  additionalProperties: false,
};

export const callStarted = (i: number) => ({ callId: `call_${i}`, agentId: "agent_456", phoneNumber: "+1234567890" });
