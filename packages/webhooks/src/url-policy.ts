/** Which webhook URLs are accepted: https (http only when allowed), never private hosts unless allowed. */
import { isIP } from "node:net";
import { WebhookError } from "./errors.js";
import { isPrivateAddress } from "./private-address.js";

export interface UrlPolicy {
  /** Accept `http:` URLs (local development, tests). Default false. */
  allowHttp?: boolean;
  /** Accept loopback, private, link-local and metadata targets (tests, local development). Default false. */
  allowPrivateUrls?: boolean;
  /** Resolves a host name to its addresses, so a name pointing at a private address is refused too. */
  resolveHost?: (hostname: string) => Promise<string[]>;
}

const MAX_URL_LENGTH = 2048;
/** Names that always mean this machine or the cloud's internal network. */
const LOCAL_NAMES = /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/i;

/** Returns the normalised URL or throws `invalid_url` / `url_not_allowed`. */
export async function checkWebhookUrl(raw: string, policy: UrlPolicy = {}): Promise<string> {
  const url = parseUrl(raw);
  const allowed = policy.allowHttp ? ["https:", "http:"] : ["https:"];
  if (!allowed.includes(url.protocol)) {
    throw new WebhookError("invalid_url", policy.allowHttp ? "the URL must be http(s)" : "the URL must use https");
  }
  if (url.username || url.password) throw new WebhookError("invalid_url", "the URL must not carry credentials");
  if (!policy.allowPrivateUrls) await refusePrivateHost(url.hostname, policy);
  return url.toString();
}

function parseUrl(raw: string): URL {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > MAX_URL_LENGTH || /\s/.test(raw)) {
    throw new WebhookError("invalid_url", `the URL must be at most ${MAX_URL_LENGTH} characters without spaces`);
  }
  try {
    return new URL(raw);
  } catch (cause) {
    throw new WebhookError("invalid_url", "the URL does not parse", { cause });
  }
}

async function refusePrivateHost(hostname: string, policy: UrlPolicy): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw notAllowed(host);
    return;
  }
  if (LOCAL_NAMES.test(host) || !host.includes(".")) throw notAllowed(host);
  const addresses = policy.resolveHost ? await policy.resolveHost(host).catch(() => []) : [];
  const bad = addresses.find((address) => isPrivateAddress(address));
  if (bad) throw notAllowed(`${host} (${bad})`);
}

function notAllowed(host: string): WebhookError {
  return new WebhookError("url_not_allowed", `webhooks cannot target the private or local address ${host}`);
}
