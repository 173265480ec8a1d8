/** For unit tests beside the code: the WebhookError code a call throws (undefined if none; any other error rethrown). */
import { isWebhookError, type WebhookErrorCode } from "./errors.js";

export function refusal(run: () => unknown): WebhookErrorCode | undefined {
  try {
    run();
  } catch (error) {
    if (isWebhookError(error)) return error.code;
    throw error;
  }
  return undefined;
}
