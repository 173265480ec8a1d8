/** The signed-in token, kept in this browser's local storage until sign-out or expiry. */
const TOKEN_KEY = "vx-console-token";
const DEV_USER_KEY = "vx-console-dev-user";

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** True when the server offers the one-click development token (development secret only: never in production). */
export function devTokenAvailable(): boolean {
  return document.querySelector('meta[name="vx-dev-token"]')?.getAttribute("content") === "on";
}

/** Asks the development server for a token, reusing the same development user on every click. */
export async function fetchDevToken(): Promise<string> {
  const remembered = localStorage.getItem(DEV_USER_KEY);
  const response = await fetch("/console/dev-token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(remembered ? { user_id: remembered } : {}),
  });
  if (!response.ok) throw new Error(`The development token was refused (${response.status})`);
  const { token, user_id } = (await response.json()) as { token: string; user_id: string };
  localStorage.setItem(DEV_USER_KEY, user_id);
  return token;
}
