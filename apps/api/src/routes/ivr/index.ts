/** Routes for IVR menus and call sessions. Registered by the app under /v1. */
import type { AppContext, ZodApp } from "../../route-kit.js";

export default async function routes(_app: ZodApp, _ctx: AppContext): Promise<void> {}
