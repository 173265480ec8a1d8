// Engine actions rendered as TwiML a Twilio number can run.
import { describe, expect, it } from "vitest";
import { renderTwiml } from "./twiml.js";

const actionUrl = "https://ivr.example.com/v1/ivr/twilio/voice/menu-1";

describe("renderTwiml", () => {
  it("puts the prompts inside a DTMF gather that posts back to the endpoint, even on silence", () => {
    const xml = renderTwiml(
      [
        { type: "say", text: "Invalid." },
        { type: "say", text: "Press 1 for sales" },
        { type: "gather", num_digits: 3, timeout_ms: 30_000, finish_on_key: "#" },
      ],
      { actionUrl },
    );
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        `<Gather input="dtmf" numDigits="3" timeout="30" finishOnKey="#" action="${actionUrl}" method="POST" actionOnEmptyResult="true">` +
        "<Say>Invalid.</Say><Say>Press 1 for sales</Say></Gather></Response>",
    );
  });

  it("rounds a gather's timeout up to whole seconds, at least one", () => {
    const xml = renderTwiml([{ type: "gather", num_digits: 1, timeout_ms: 200, finish_on_key: "" }], { actionUrl });
    expect(xml).toContain('timeout="1" finishOnKey=""');
  });

  it("dials a transfer, enqueues an agent hand-off, and hangs up", () => {
    expect(renderTwiml([{ type: "transfer", target: "+1234567890" }], { actionUrl })).toContain(
      "<Dial><Number>+1234567890</Number></Dial>",
    );
    expect(renderTwiml([{ type: "agent", target: "support-queue" }], { actionUrl })).toContain(
      "<Enqueue>support-queue</Enqueue>",
    );
    expect(
      renderTwiml([{ type: "agent", target: "sales" }], {
        actionUrl,
        agent: (t) => `<Dial><Client>${t}</Client></Dial>`,
      }),
    ).toContain("<Dial><Client>sales</Client></Dial>");
    expect(
      renderTwiml(
        [
          { type: "say", text: "Goodbye" },
          { type: "hangup", reason: "max_retries" },
        ],
        { actionUrl },
      ),
    ).toContain("<Say>Goodbye</Say><Hangup/></Response>");
  });

  it("escapes prompt text and attributes, and drops characters XML cannot hold", () => {
    const xml = renderTwiml([{ type: "say", text: `Tom & Jerry's <"deals">\u0007` }], {
      actionUrl: "https://x.test/a?b=1&c=2",
      voice: "Polly.Joanna",
      language: "en-US",
    });
    expect(xml).toContain(
      '<Say voice="Polly.Joanna" language="en-US">Tom &amp; Jerry&apos;s &lt;&quot;deals&quot;&gt;</Say>',
    );
  });
});
