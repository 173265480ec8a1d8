/** The HTTP problems of the IVR routes: IvrError codes and the route's own, each with its status. */
import type { IvrErrorCode } from "@vx/ivr";
import type { ErrorMapping } from "../../route-kit.js";

export type IvrRouteProblemCode = "twilio_signature_invalid";

export const IVR_PROBLEMS: Record<IvrErrorCode | IvrRouteProblemCode, ErrorMapping> = {
  // A well-formed menu the engine refuses (duplicate digits, a trapping cycle, …): the detail lists every problem.
  invalid_menu: { status: 422, title: "Invalid IVR menu" },
  menu_not_found: { status: 404, title: "IVR menu not found" },
  menu_in_use: { status: 409, title: "IVR menu in use" },
  session_not_found: { status: 404, title: "IVR session not found" },
  session_exists: { status: 409, title: "IVR session exists" },
  session_ended: { status: 409, title: "IVR session has ended" },
  invalid_digits: { status: 400, title: "Invalid DTMF digits" },
  invalid_event: { status: 409, title: "Invalid IVR session event" },
  // Concurrent inputs on one call kept winning the race: safe to retry.
  session_conflict: { status: 409, title: "IVR session changed concurrently" },
  twilio_signature_invalid: { status: 403, title: "Invalid Twilio signature" },
};
