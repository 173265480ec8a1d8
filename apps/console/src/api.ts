/** Calls to the public /v1 routes with the signed-in token; problem+json answers become readable ApiProblem errors. */
import { getToken } from "./session";

export interface FieldProblem {
  field: string;
  message: string;
}

/** An RFC 9457 problem the API answered, in words a person can read. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export async function api<T>(method: Method, path: string, body?: unknown, token = getToken()): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json, application/problem+json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiProblem(0, "network", "The API did not answer: is the server still running?");
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const problem = toProblem(response.status, json);
    // An expired or revoked token: the shell goes back to sign-in and says why.
    if (response.status === 401 && token)
      window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT, { detail: problem }));
    throw problem;
  }
  return json as T;
}

/**
 * Every item of a paginated list, following `next_cursor` page after page (100 to a page, the API's most). The
 * console shows whole lists: a user with 150 keys sees 150, not the first page's 100.
 */
export async function allPages<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  const separator = path.includes("?") ? "&" : "?";
  let cursor: string | null = null;
  do {
    const after: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
    const page: Page<T> = await api<Page<T>>("GET", `${path}${separator}limit=100${after}`);
    items.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return items;
}

/** Dispatched on `window` when the API refuses the signed-in token; `detail` is the ApiProblem. */
export const UNAUTHORIZED_EVENT = "vx:unauthorized";

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toProblem(status: number, json: unknown): ApiProblem {
  if (json && typeof json === "object" && "code" in json) {
    const p = json as { code: string; title?: string; detail?: string; errors?: FieldProblem[] };
    const message = [p.title, p.detail].filter(Boolean).join(": ") || `Request failed (${status})`;
    return new ApiProblem(status, p.code, message, p.errors ?? []);
  }
  return new ApiProblem(status, "unknown", `Request failed with status ${status}`);
}

/** Query string from the defined values only. */
export function query(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== "") as [string, string][];
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)]))}` : "";
}
