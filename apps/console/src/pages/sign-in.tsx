/** Sign-in: paste a Supabase JWT, or (development secret only) take a development token in one click. */
import { useState } from "preact/hooks";
import { api } from "../api";
import { devTokenAvailable, fetchDevToken } from "../session";
import { ErrorMessage, useAction } from "../ui";

export function SignInPage({ onSignIn, error }: { onSignIn: (token: string) => void; error: unknown }) {
  const [pasted, setPasted] = useState("");
  const action = useAction();

  async function check(token: string) {
    await api("GET", "/v1/me", undefined, token);
    onSignIn(token);
  }

  return (
    <main id="main" class="sign-in">
      <h1>vx console</h1>
      <p>Manage your API keys, webhooks, IVR menus and privacy settings. Every action calls the public API.</p>
      <ErrorMessage error={action.error ?? error} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          action.run(() => check(pasted.trim()));
        }}
      >
        <label for="token">Access token (a Supabase JWT)</label>
        <textarea
          id="token"
          rows={4}
          class="mono"
          required
          value={pasted}
          onInput={(e) => setPasted(e.currentTarget.value)}
          aria-describedby="token-hint"
        />
        <p id="token-hint" class="hint">
          The <code>access_token</code> Supabase Auth gives a signed-in user, or{" "}
          <code>pnpm vx token --user &lt;uuid&gt;</code>.
        </p>
        <button type="submit" disabled={action.busy}>
          Sign in
        </button>
      </form>
      {devTokenAvailable() && (
        <section class="dev" aria-labelledby="dev-heading">
          <h2 id="dev-heading">Development</h2>
          <p>This server signs tokens with its generated development secret, so you can sign in without Supabase.</p>
          <button
            type="button"
            disabled={action.busy}
            onClick={() => action.run(async () => check(await fetchDevToken()))}
          >
            Use a development token
          </button>
        </section>
      )}
    </main>
  );
}
