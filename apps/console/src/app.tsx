/** The shell: sign-in gate, navigation and the page for the current route. */
import { useEffect, useState } from "preact/hooks";
import { api, UNAUTHORIZED_EVENT } from "./api";
import { AuditPage } from "./pages/audit";
import { IdentitiesPage } from "./pages/identities";
import { IvrPage } from "./pages/ivr";
import { KeysPage } from "./pages/keys";
import { RateLimitsPage } from "./pages/ratelimits";
import { SignInPage } from "./pages/sign-in";
import { WebhooksPage } from "./pages/webhooks";
import { navigate, useRoute } from "./router";
import { getToken, setToken } from "./session";
import { ErrorMessage } from "./ui";

const SECTIONS = [
  { path: "keys", label: "API keys" },
  { path: "identities", label: "Identities" },
  { path: "ratelimits", label: "Rate limits" },
  { path: "webhooks", label: "Webhooks" },
  { path: "ivr", label: "IVR menus" },
  { path: "audit", label: "Audit log & privacy" },
] as const;

interface Me {
  user_id: string;
  auth: string;
}

export function App() {
  const [token, setTokenState] = useState(getToken());
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [section = "keys", ...rest] = useRoute();

  useEffect(() => {
    if (!token) return;
    api<Me>("GET", "/v1/me")
      .then(setMe)
      // A refused token comes back through UNAUTHORIZED_EVENT; anything else is shown here.
      .catch(setError);
  }, [token]);

  useEffect(() => {
    const onUnauthorized = (event: Event) => {
      setToken(null);
      setTokenState(null);
      setMe(null);
      setError((event as CustomEvent).detail);
    };
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, []);

  function signIn(next: string) {
    setToken(next);
    setError(null);
    setTokenState(next);
    if (!location.hash) navigate("keys");
  }
  function signOut() {
    setToken(null);
    setTokenState(null);
    setMe(null);
  }

  if (!token) return <SignInPage onSignIn={signIn} error={error} />;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">vx console</span>
        <nav aria-label="Sections">
          {SECTIONS.map((s) => (
            <a key={s.path} href={`#/${s.path}`} aria-current={s.path === section ? "page" : undefined}>
              {s.label}
            </a>
          ))}
        </nav>
        <span class="who">
          {me ? (
            <span title="Your user id">
              Signed in as <code>{me.user_id}</code>
            </span>
          ) : (
            "Signing in…"
          )}
          <button type="button" class="link" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <ErrorMessage error={error} />
        {me && <Section section={section} rest={rest} />}
      </main>
    </>
  );
}

function Section({ section, rest }: { section: string; rest: string[] }) {
  switch (section) {
    case "identities":
      return <IdentitiesPage id={rest[0]} />;
    case "ratelimits":
      return <RateLimitsPage />;
    case "webhooks":
      return <WebhooksPage id={rest[0]} />;
    case "ivr":
      return <IvrPage id={rest[0]} />;
    case "audit":
      return <AuditPage />;
    default:
      return <KeysPage />;
  }
}
