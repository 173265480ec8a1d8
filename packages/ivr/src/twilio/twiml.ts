// Engine actions as Twilio TwiML: <Say>, <Gather input="dtmf">, <Dial>, <Enqueue>, <Hangup>.
import type { GatherAction, IvrAction } from "../actions.js";

export interface TwimlOptions {
  /** Where Twilio posts the caller's keys: the voice endpoint itself, so the session goes on. */
  actionUrl: string;
  /** `<Say>` voice and language, e.g. "Polly.Joanna", "en-US". */
  voice?: string;
  language?: string;
  /** TwiML for an `agent` hand-off; default `<Enqueue>target</Enqueue>` (a Twilio queue named after the target). */
  agent?: (target: string) => string;
}

/**
 * Renders the actions of one step. Prompts just before a gather go inside it, so callers can key ahead;
 * `actionOnEmptyResult` makes Twilio post back on silence too, which the endpoint reads as a timeout.
 */
export function renderTwiml(actions: readonly IvrAction[], options: TwimlOptions): string {
  const verbs: string[] = [];
  let says: string[] = [];
  for (const action of actions) {
    if (action.type === "say") {
      says.push(say(action.text, options));
      continue;
    }
    if (action.type === "gather") {
      verbs.push(gather(action, says, options));
      says = [];
      continue;
    }
    verbs.push(...says);
    says = [];
    if (action.type === "transfer") verbs.push(`<Dial><Number>${escapeXml(action.target)}</Number></Dial>`);
    if (action.type === "agent") verbs.push(options.agent ? options.agent(action.target) : enqueue(action.target));
    if (action.type === "hangup") verbs.push("<Hangup/>");
  }
  verbs.push(...says);
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs.join("")}</Response>`;
}

function say(text: string, options: TwimlOptions): string {
  const attrs = [
    options.voice === undefined ? "" : ` voice="${escapeXml(options.voice)}"`,
    options.language === undefined ? "" : ` language="${escapeXml(options.language)}"`,
  ].join("");
  return `<Say${attrs}>${escapeXml(text)}</Say>`;
}

function gather(action: GatherAction, says: string[], options: TwimlOptions): string {
  // Twilio counts whole seconds; rounding up never cuts a caller short.
  const seconds = Math.max(1, Math.ceil(action.timeout_ms / 1000));
  const attrs =
    `input="dtmf" numDigits="${action.num_digits}" timeout="${seconds}" finishOnKey="${escapeXml(action.finish_on_key)}"` +
    ` action="${escapeXml(options.actionUrl)}" method="POST" actionOnEmptyResult="true"`;
  return `<Gather ${attrs}>${says.join("")}</Gather>`;
}

function enqueue(target: string): string {
  return `<Enqueue>${escapeXml(target)}</Enqueue>`;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!).replace(INVALID_XML_CHARS, "");
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
// Control characters are not allowed in XML 1.0 at all, escaped or not.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
