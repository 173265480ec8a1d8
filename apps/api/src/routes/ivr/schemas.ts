/** The JSON shapes of the /v1/ivr routes (snake_case, as the columns) and their mapping from domain objects. */
import { type IvrMenu, type IvrSession, MAX_DIGITS_PER_ITEM, type MenuIssue } from "@vx/ivr";
import { z } from "zod";

const timestamp = z.iso.datetime({ offset: true });
const text = z.string().trim().min(1).max(4000);
const key = z.string().regex(/^[0-9*#]$/, "must be one key: 0-9, * or #");

const handOff = z
  .object({ action: z.enum(["agent", "transfer"]), target: z.string().min(1).max(255) })
  .describe("`transfer` targets are E.164 numbers (+15551234567); `agent` targets name a queue or agent")
  .meta({ id: "IvrHandOff" });

const item = z
  .object({
    digit: z.string().regex(new RegExp(`^[0-9*#]{1,${MAX_DIGITS_PER_ITEM}}$`), "must be 1-10 keys of 0-9, * and #"),
    label: z.string().max(255).optional(),
    action: z.enum(["submenu", "agent", "transfer"]),
    target: z.string().min(1).max(255).describe("A menu id (submenu), a queue (agent) or an E.164 number (transfer)"),
  })
  .meta({ id: "IvrMenuItem" });

const menuFields = {
  name: z.string().trim().min(1).max(255),
  prompt: text,
  items: z.array(item).max(50),
  timeout: z.number().int().min(1).max(600_000).describe("Milliseconds to wait for the first key (default 10000)"),
  max_retries: z.number().int().min(0).max(10).describe("Retries after invalid input, and separately after silence"),
  invalid_prompt: text,
  timeout_prompt: text,
  parent_menu_id: z.uuid().nullable(),
  on_max_retries: handOff.nullable().describe("Where the call goes past max_retries; null hangs up"),
  operator: handOff.nullable().describe("Reached with operator_key; null: no operator"),
  back_key: key.nullable().describe("Goes back one menu (default *); null disables"),
  operator_key: key.nullable().describe("Reaches the operator (default 0); null disables"),
  inter_digit_timeout: z.number().int().min(1).max(60_000).describe("Milliseconds between keys of a multi-digit entry"),
};

export const createMenuBody = z.strictObject({
  ...menuFields,
  items: menuFields.items.optional(),
  timeout: menuFields.timeout.optional(),
  max_retries: menuFields.max_retries.optional(),
  invalid_prompt: menuFields.invalid_prompt.optional(),
  timeout_prompt: menuFields.timeout_prompt.optional(),
  parent_menu_id: menuFields.parent_menu_id.optional(),
  on_max_retries: menuFields.on_max_retries.optional(),
  operator: menuFields.operator.optional(),
  back_key: menuFields.back_key.optional(),
  operator_key: menuFields.operator_key.optional(),
  inter_digit_timeout: menuFields.inter_digit_timeout.optional(),
});

export const updateMenuBody = createMenuBody.partial();

const issue = z
  .object({
    code: z.string(),
    menu_id: z.string(),
    menu_name: z.string(),
    digit: z.string().optional(),
    message: z.string(),
  })
  .meta({ id: "IvrMenuWarning" });

export const menuSchema = z
  .object({
    id: z.uuid(),
    user_id: z.uuid(),
    ...menuFields,
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "IvrMenu" });

export const savedMenuSchema = menuSchema
  .extend({ warnings: z.array(issue).describe("Advice that did not stop the save, e.g. more than five options") })
  .meta({ id: "IvrSavedMenu" });

export const menuParams = z.object({ id: z.uuid() });

export type MenuJson = z.output<typeof menuSchema>;

export function menuToJson(menu: IvrMenu): MenuJson {
  return { ...menu, created_at: menu.created_at.toISOString(), updated_at: menu.updated_at.toISOString() };
}

export function issueToJson(i: MenuIssue): z.output<typeof issue> {
  return {
    code: i.code,
    menu_id: i.menuId,
    menu_name: i.menuName,
    ...(i.digit === undefined ? {} : { digit: i.digit }),
    message: i.message,
  };
}

export const sessionSchema = z
  .object({
    id: z.uuid(),
    session_id: z.string().describe("The telephony call id, e.g. Twilio's CallSid"),
    user_id: z.uuid(),
    current_menu_id: z.uuid().nullable(),
    menu_stack: z.array(z.string()).describe("Menu ids from the entry menu to the current one"),
    retry_count: z.number().int(),
    status: z.enum(["active", "completed", "abandoned", "failed", "timeout"]),
    end_reason: z.string().nullable(),
    state: z.object({
      invalid_count: z.number().int(),
      timeout_count: z.number().int(),
      buffer: z.string(),
      hand_off: handOff.nullable(),
    }),
    version: z.number().int(),
    start_time: timestamp,
    last_activity: timestamp,
    ended_at: timestamp.nullable(),
    created_at: timestamp,
  })
  .meta({ id: "IvrSession" });

export function sessionToJson(session: IvrSession): z.output<typeof sessionSchema> {
  return {
    ...session,
    start_time: session.start_time.toISOString(),
    last_activity: session.last_activity.toISOString(),
    ended_at: session.ended_at?.toISOString() ?? null,
    created_at: session.created_at.toISOString(),
  };
}

const action = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("say"), text: z.string() }),
    z.object({
      type: z.literal("gather"),
      num_digits: z.number().int(),
      timeout_ms: z.number().int(),
      finish_on_key: z.string().describe('"" when no key ends an entry early'),
    }),
    z.object({ type: z.literal("transfer"), target: z.string() }),
    z.object({ type: z.literal("agent"), target: z.string() }),
    z.object({ type: z.literal("hangup"), reason: z.string() }),
  ])
  .meta({ id: "IvrAction" });

export const turnSchema = z
  .object({
    session: sessionSchema,
    actions: z.array(action).describe("What the telephony layer must do now, in order"),
  })
  .meta({ id: "IvrTurn" });

export const startSessionBody = z.strictObject({
  session_id: z.string().trim().min(1).max(255).describe("The telephony call id (e.g. Twilio's CallSid)"),
  menu_id: z.uuid(),
});

export const sessionParams = z.object({ session_id: z.string().min(1).max(255) });

export const inputBody = z.strictObject({
  digits: z.string().regex(/^[0-9*#]{0,32}$/, "must be keys of 0-9, * and # (empty: no input)"),
  partial: z.boolean().optional().describe("Keys as they arrive, buffered until an entry is complete"),
});

/** Printable text of one line: what Twilio sends in address fields (E.164, `client:…`, `sip:…`). */
const twilioText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, "must not contain control characters");

/**
 * Twilio's voice webhook fields: the ones we read are checked as strictly as any other input (a CallSid of `+`
 * decodes to a space, which the sessions table refuses), the common address fields are bounded, and every other
 * field is kept for the signature check.
 */
export const twilioVoiceBody = z.looseObject({
  CallSid: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a Twilio call id: 1-64 letters, digits, - or _ (e.g. CA…)"),
  Digits: z
    .string()
    .regex(/^[0-9*#]{0,64}$/, "must be the keys pressed: up to 64 of 0-9, * and #")
    .optional(),
  CallStatus: z
    .string()
    .regex(/^[a-z-]{1,32}$/, "must be a Twilio call status such as ringing, in-progress or completed")
    .optional(),
  From: twilioText(255).optional(),
  To: twilioText(255).optional(),
  AccountSid: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a Twilio account id: 1-64 letters, digits, - or _ (e.g. AC…)")
    .optional(),
});

export const twilioParams = z.object({ menu_id: z.uuid() });
