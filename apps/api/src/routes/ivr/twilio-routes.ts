/**
 * POST /v1/ivr/twilio/voice/:menu_id: a Twilio number's voice webhook. The session is keyed by CallSid; each
 * request is one engine step answered with TwiML whose <Gather> posts the caller's keys back here.
 */
import { type IvrAction, IvrError, type IvrService, isIvrError, renderTwiml, verifyTwilioSignature } from "@vx/ivr";
import type { FastifyRequest } from "fastify";
import { ApiError, type ZodApp } from "../../route-kit.js";
import type { IvrRouteProblemCode } from "./errors.js";
import type { IvrStepCounter } from "./metrics.js";
import { twilioParams, twilioVoiceBody } from "./schemas.js";
import type { IvrRouteOptions } from "./settings.js";

/** Call statuses after which there is no caller left: the session ends. */
const CALL_OVER = new Set(["completed", "busy", "failed", "no-answer", "canceled"]);

type VoiceBody = { CallSid: string; Digits?: string; CallStatus?: string } & Record<string, unknown>;

export async function twilioRoutes(
  app: ZodApp,
  service: IvrService,
  steps: IvrStepCounter,
  options: IvrRouteOptions,
): Promise<void> {
  const { twilioAuthToken } = options;
  const urlOf = (request: FastifyRequest) =>
    `${options.publicUrl ?? `${request.protocol}://${request.host}`}${request.url}`;

  app.post(
    "/ivr/twilio/voice/:menu_id",
    {
      // Twilio calls from its own addresses at call rate; the signature, not the per-IP limiter, guards this route.
      config: { rateLimit: false },
      schema: {
        tags: ["ivr", "twilio"],
        summary: 'Twilio voice webhook: answers TwiML (<Say>, <Gather input="dtmf">, <Dial>, <Enqueue>, <Hangup>)',
        description:
          "Point a Twilio number's voice URL here (HTTP POST). The session is keyed by `CallSid`; `Digits` from the " +
          "<Gather> are the caller's entry, empty `Digits` is silence, a final `CallStatus` ends the session. When " +
          "TWILIO_AUTH_TOKEN is set, requests without a valid X-Twilio-Signature get 403. A malformed field (e.g. a " +
          "`CallSid` that is not a call id) gets a 400 problem naming it.",
        params: twilioParams,
        body: twilioVoiceBody,
        // Twilio posts form fields: the document says so (the body schema alone would read as JSON).
        consumes: ["application/x-www-form-urlencoded"],
      },
      // Before validation, so an unsigned request learns nothing about what the body should hold.
      preValidation: async (request) => {
        if (!twilioAuthToken) return;
        const params = Object.fromEntries(
          Object.entries((request.body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
        );
        const signature = request.headers["x-twilio-signature"];
        if (
          !verifyTwilioSignature(
            twilioAuthToken,
            typeof signature === "string" ? signature : undefined,
            urlOf(request),
            params,
          )
        ) {
          throw new ApiError<IvrRouteProblemCode>(
            "twilio_signature_invalid",
            "X-Twilio-Signature does not sign this request",
          );
        }
      },
    },
    async (request, reply) => {
      const actions = await steps.count("twilio", () => step(service, request.params.menu_id, request.body));
      reply.type("text/xml; charset=utf-8");
      return actions === null ? hangupTwiml() : renderTwiml(actions, { actionUrl: urlOf(request) });
    },
  );
}

/** The engine event a Twilio request stands for. Null: the session is over, hang up. */
async function step(service: IvrService, menuId: string, body: VoiceBody): Promise<IvrAction[] | null> {
  const callSid = body.CallSid;
  try {
    if (body.CallStatus && CALL_OVER.has(body.CallStatus)) {
      await service.endSession(callSid).catch(ignore("session_not_found"));
      return [];
    }
    // No Digits: the call's first request. A repeat of it (Twilio retrying) finds the session and re-prompts.
    if (body.Digits === undefined) {
      const started = await service.startSession(callSid, menuId).catch(ignore("session_exists"));
      return started ? started.actions : (await service.handleTimeout(callSid)).actions;
    }
    const turn = await service.processMenuInput(callSid, body.Digits).catch(ignore("session_not_found"));
    // Keys for a call we have no session for (e.g. it was swept): start over at the menu.
    return turn ? turn.actions : (await service.startSession(callSid, menuId)).actions;
  } catch (error) {
    if (isIvrError(error) && error.code === "session_ended") return null;
    throw error;
  }
}

function ignore(code: IvrError["code"]) {
  return (error: unknown): undefined => {
    if (error instanceof IvrError && error.code === code) return undefined;
    throw error;
  };
}

function hangupTwiml(): string {
  return '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>';
}
