/** Hash routes (`#/keys`, `#/webhooks/<id>`): the API serves one page, so the address after # is the console's own. */
import { useEffect, useState } from "preact/hooks";

export function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const [parts, setParts] = useState(read);
  useEffect(() => {
    const onChange = () => setParts(read());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return parts;
}

export function navigate(path: string): void {
  location.hash = `#/${path}`;
}
