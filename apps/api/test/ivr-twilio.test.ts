// The Twilio voice endpoint: signatures cross-checked with the `twilio` package, TwiML checked against what
// Twilio accepts (and against the TwiML `twilio` itself builds), and a call walked through with Twilio's requests.
import { randomUUID } from "node:crypto";
import { describeDatabases } from "@vx/db/testing";
import { computeTwilioSignature, type IvrAction, renderTwiml, verifyTwilioSignature } from "@vx/ivr";
import fc from "fast-check";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIvrRoutes } from "../src/routes/ivr/index.js";
import { createTestApp, type TestApp } from "../src/testing.js";

const AUTH_TOKEN = "0123456789abcdef0123456789abcdef";
const PUBLIC_URL = "https://ivr.example.com";

// ---- What Twilio accepts: verbs, where they may appear, their attributes and values (from the TwiML reference).
type Node = Record<string, unknown> & { ":@"?: Record<string, string> };
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
});
const positiveInt = /^[1-9][0-9]*$/;
const VERBS: Record<string, { children: string[]; attributes: Record<string, RegExp> }> = {
  Response: { children: ["Say", "Gather", "Dial", "Enqueue", "Hangup"], attributes: {} },
  Say: { children: ["#text"], attributes: { voice: /^[\w.-]+$/, language: /^[a-z]{2}-[A-Z]{2}$/ } },
  Gather: {
    children: ["Say"],
    attributes: {
      input: /^(dtmf|speech|dtmf speech)$/,
      numDigits: positiveInt,
      timeout: positiveInt,
      finishOnKey: /^[0-9#*]?$/,
      action: /^https?:\/\/\S+$/,
      method: /^(GET|POST)$/,
      actionOnEmptyResult: /^(true|false)$/,
    },
  },
  Dial: { children: ["Number"], attributes: {} },
  Number: { children: ["#text"], attributes: {} },
  Enqueue: { children: ["#text"], attributes: {} },
  Hangup: { children: [], attributes: {} },
};

function expectTwilioAccepts(xml: string): Node[] {
  expect(XMLValidator.validate(xml)).toBe(true);
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  const tree = parser.parse(xml) as Node[];
  const roots = tree.filter((n) => !("?xml" in n));
  expect(roots.map((n) => Object.keys(n).find((k) => k !== ":@"))).toEqual(["Response"]);
  const check = (node: Node, parent: string) => {
    const name = Object.keys(node).find((k) => k !== ":@")!;
    expect(VERBS[parent]!.children, `<${name}> inside <${parent}>`).toContain(name);
    if (name === "#text") return;
    for (const [attribute, value] of Object.entries(node[":@"] ?? {})) {
      const rule = VERBS[name]!.attributes[attribute];
      expect(rule, `<${name} ${attribute}>`).toBeDefined();
      expect(value, `<${name} ${attribute}="${value}">`).toMatch(rule!);
    }
    if (name === "Number") expect(textOf(node)).toMatch(/^\+[1-9][0-9]{1,14}$/);
    for (const child of node[name] as Node[]) check(child, name);
  };
  for (const child of roots[0]!.Response as Node[]) check(child, "Response");
  return tree;
}

const textOf = (node: Node): string => ((Object.values(node)[0] as Node[])[0]?.["#text"] as string) ?? "";

/** The same actions built with twilio's own VoiceResponse: our TwiML must parse to the same document. */
function twilioBuilds(actions: IvrAction[], actionUrl: string): string {
  const response = new twilio.twiml.VoiceResponse();
  let says: string[] = [];
  for (const action of actions) {
    if (action.type === "say") says.push(action.text);
    else if (action.type === "gather") {
      const gather = response.gather({
        input: ["dtmf"],
        numDigits: action.num_digits,
        timeout: Math.max(1, Math.ceil(action.timeout_ms / 1000)),
        finishOnKey: action.finish_on_key,
        action: actionUrl,
        method: "POST",
        actionOnEmptyResult: true,
      });
      for (const text of says) gather.say(text);
      says = [];
    } else {
      for (const text of says) response.say(text);
      says = [];
      if (action.type === "transfer") response.dial().number(action.target);
      if (action.type === "agent") response.enqueue(action.target);
      if (action.type === "hangup") response.hangup();
    }
  }
  for (const text of says) response.say(text);
  return response.toString();
}

const printable = fc
  .string({ minLength: 1, maxLength: 40 })
  .filter((s) => /^[\x20-\x7e]+$/.test(s) && s.trim() === s && s.trim() !== "");
const actionArb: fc.Arbitrary<IvrAction> = fc.oneof(
  printable.map((text) => ({ type: "say" as const, text })),
  fc.record({
    type: fc.constant("gather" as const),
    num_digits: fc.integer({ min: 1, max: 10 }),
    timeout_ms: fc.integer({ min: 1, max: 600_000 }),
    finish_on_key: fc.constantFrom("#", ""),
  }),
  fc.constantFrom("+1234567890", "+442071838750").map((target) => ({ type: "transfer" as const, target })),
  fc.constantFrom("support-queue", "sales & more").map((target) => ({ type: "agent" as const, target })),
  fc.constant({ type: "hangup" as const, reason: "max_retries" as const }),
);

describe("TwiML", () => {
  it("is what Twilio accepts, and what twilio's own builder makes from the same actions", () => {
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 8 }), (actions) => {
        const actionUrl = `${PUBLIC_URL}/v1/ivr/twilio/voice/${randomUUID()}?a=1&b=2`;
        const ours = renderTwiml(actions, { actionUrl });
        expect(expectTwilioAccepts(ours)).toEqual(parser.parse(twilioBuilds(actions, actionUrl)));
      }),
      { numRuns: 200 },
    );
  });
});

describe("X-Twilio-Signature", () => {
  const params = fc.dictionary(fc.stringMatching(/^[A-Z][A-Za-z]{0,12}$/), fc.string({ maxLength: 30 }), {
    maxKeys: 8,
  });
  const urls = fc.constantFrom(
    "https://ivr.example.com/v1/ivr/twilio/voice/x",
    "https://ivr.example.com:443/v1/ivr/twilio/voice/x?a=1",
    "http://127.0.0.1:3000/v1/ivr/twilio/voice/x",
  );

  it("matches twilio's own signature for any request", () => {
    fc.assert(
      fc.property(urls, params, (url, body) => {
        expect(computeTwilioSignature(AUTH_TOKEN, url, body)).toBe(
          twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, body),
        );
        expect(twilio.validateRequest(AUTH_TOKEN, computeTwilioSignature(AUTH_TOKEN, url, body), url, body)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("accepts what twilio signs and refuses it for other fields, as twilio's validator does", () => {
    fc.assert(
      fc.property(urls, params, fc.string({ minLength: 1, maxLength: 5 }), (url, body, extra) => {
        const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, body);
        expect(verifyTwilioSignature(AUTH_TOKEN, signature, url, body)).toBe(true);
        const changed = { ...body, Zz: extra };
        expect(verifyTwilioSignature(AUTH_TOKEN, signature, url, changed)).toBe(
          twilio.validateRequest(AUTH_TOKEN, signature, url, changed),
        );
        expect(verifyTwilioSignature(AUTH_TOKEN, signature, url, changed)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});

describeDatabases("POST /v1/ivr/twilio/voice/:menu_id", ({ db }) => {
  let t: TestApp;
  let owner: string;
  let mainId: string;
  let salesId: string;

  beforeAll(async () => {
    t = await createTestApp({
      db: db(),
      routes: [createIvrRoutes({ twilioAuthToken: AUTH_TOKEN, publicUrl: PUBLIC_URL })],
    });
    owner = randomUUID();
    const headers = await t.authHeaders(owner);
    const create = (payload: object) => t.app.inject({ method: "POST", url: "/v1/ivr/menus", headers, payload });
    salesId = (
      await create({
        name: "Sales",
        prompt: "Press 1 for new orders",
        items: [{ digit: "1", action: "agent", target: "sales-new" }],
      })
    ).json().id;
    mainId = (
      await create({
        name: "Main Menu",
        prompt: "Press 1 for sales, 2 for support, 3 for billing",
        items: [
          { digit: "1", label: "Sales", action: "submenu", target: salesId },
          { digit: "2", label: "Support", action: "agent", target: "support-queue" },
          { digit: "3", label: "Billing", action: "transfer", target: "+1234567890" },
        ],
        timeout: 30000,
        max_retries: 3,
      })
    ).json().id;
  });
  afterAll(() => t.close());

  /** A request as Twilio sends it: form-encoded fields, signed over the public URL with the auth token. */
  function twilioPost(fields: Record<string, string>, options: { sign?: boolean; menuId?: string } = {}) {
    const path = `/v1/ivr/twilio/voice/${options.menuId ?? mainId}`;
    const body = { AccountSid: "AC123", From: "+15005550006", To: "+15005550001", Direction: "inbound", ...fields };
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}${path}`, body);
    return t.app.inject({
      method: "POST",
      url: path,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...(options.sign === false ? {} : { "x-twilio-signature": signature }),
      },
      payload: new URLSearchParams(body).toString(),
    });
  }

  it("walks a call through the example menu with Twilio's requests and answers TwiML at every step", async () => {
    const CallSid = `CA${randomUUID().replaceAll("-", "")}`;
    const first = await twilioPost({ CallSid, CallStatus: "ringing" });
    expect(first.statusCode).toBe(200);
    expect(first.headers["content-type"]).toContain("text/xml");
    const actionUrl = `${PUBLIC_URL}/v1/ivr/twilio/voice/${mainId}`;
    expect(first.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        `<Gather input="dtmf" numDigits="1" timeout="30" finishOnKey="#" action="${actionUrl}" method="POST" actionOnEmptyResult="true">` +
        "<Say>Press 1 for sales, 2 for support, 3 for billing</Say></Gather></Response>",
    );

    const toSales = await twilioPost({ CallSid, CallStatus: "in-progress", Digits: "1" });
    expectTwilioAccepts(toSales.body);
    expect(toSales.body).toContain("<Say>Press 1 for new orders</Say>");
    const silence = await twilioPost({ CallSid, CallStatus: "in-progress", Digits: "" });
    expect(silence.body).toContain(
      "<Say>Sorry, we did not receive your selection.</Say><Say>Press 1 for new orders</Say>",
    );
    const back = await twilioPost({ CallSid, CallStatus: "in-progress", Digits: "*" });
    expect(back.body).toContain("<Say>Press 1 for sales, 2 for support, 3 for billing</Say>");
    const billed = await twilioPost({ CallSid, CallStatus: "in-progress", Digits: "3" });
    expectTwilioAccepts(billed.body);
    expect(billed.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number>+1234567890</Number></Dial></Response>',
    );

    const session = await t.app.inject({
      method: "GET",
      url: `/v1/ivr/sessions/${CallSid}`,
      headers: await t.authHeaders(owner),
    });
    expect(session.json()).toMatchObject({
      session_id: CallSid,
      user_id: owner,
      status: "completed",
      end_reason: "transfer",
      menu_stack: [mainId],
      version: 4,
    });

    // Twilio's status callback after the transfer: nothing left to do.
    const over = await twilioPost({ CallSid, CallStatus: "completed" });
    expect(over.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    const late = await twilioPost({ CallSid, CallStatus: "in-progress", Digits: "1" });
    expect(late.body).toContain("<Hangup/>");
  });

  it("ends the session as abandoned when the caller hangs up mid-menu", async () => {
    const CallSid = `CA${randomUUID().replaceAll("-", "")}`;
    await twilioPost({ CallSid, CallStatus: "ringing" });
    await twilioPost({ CallSid, CallStatus: "completed" });
    const session = await t.app.inject({
      method: "GET",
      url: `/v1/ivr/sessions/${CallSid}`,
      headers: await t.authHeaders(owner),
    });
    expect(session.json()).toMatchObject({ status: "abandoned", end_reason: "caller_hangup" });
  });

  it("refuses requests without a valid signature with 403, before reading their fields", async () => {
    const CallSid = `CA${randomUUID().replaceAll("-", "")}`;
    const unsigned = await twilioPost({ CallSid }, { sign: false });
    expect(unsigned.statusCode).toBe(403);
    expect(unsigned.json().code).toBe("twilio_signature_invalid");
    const forged = await t.app.inject({
      method: "POST",
      url: `/v1/ivr/twilio/voice/${mainId}`,
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "bm9wZQ==" },
      payload: "Digits=3",
    });
    expect(forged.statusCode).toBe(403);
    const session = await t.app.inject({
      method: "GET",
      url: `/v1/ivr/sessions/${CallSid}`,
      headers: await t.authHeaders(owner),
    });
    expect(session.statusCode).toBe(404);
  });

  it("answers 404 for a menu that does not exist", async () => {
    const response = await twilioPost({ CallSid: `CA${randomUUID()}` }, { menuId: randomUUID() });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe("menu_not_found");
  });

  it("verifies the URL a listening server was sent to when no public URL is configured", async () => {
    const served = await createTestApp({ db: db(), routes: [createIvrRoutes({ twilioAuthToken: AUTH_TOKEN })] });
    try {
      const address = await served.app.listen({ host: "127.0.0.1", port: 0 });
      const url = `${address}/v1/ivr/twilio/voice/${salesId}`;
      const body = { CallSid: `CA${randomUUID().replaceAll("-", "")}`, From: "+15005550006" };
      const send = (signature: string) =>
        fetch(url, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
          body: new URLSearchParams(body),
        });
      const ok = await send(twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, body));
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("<Say>Press 1 for new orders</Say>");
      const elsewhere = await send(
        twilio.getExpectedTwilioSignature(AUTH_TOKEN, url.replace("127.0.0.1", "localhost"), body),
      );
      expect(elsewhere.status).toBe(403);
    } finally {
      await served.close();
    }
  });
});
