// Webhook URLs: https only by default, and never loopback, private, link-local or metadata targets.
import { describe, expect, it } from "vitest";
import type { WebhookErrorCode } from "./errors.js";
import { isPrivateAddress } from "./private-address.js";
import { checkWebhookUrl, type UrlPolicy } from "./url-policy.js";

async function refusal(url: string, policy: UrlPolicy = {}): Promise<WebhookErrorCode | undefined> {
  return checkWebhookUrl(url, policy).then(
    () => undefined,
    (error: { code: WebhookErrorCode }) => error.code,
  );
}

describe("isPrivateAddress", () => {
  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.100.100.200",
    "0.0.0.0",
    "255.255.255.255",
    "224.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:169.254.169.254",
    "64:ff9b::a00:1",
    "[::1]",
    "not-an-ip",
  ])("blocks %s", (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])(
    "allows %s",
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );
});

describe("checkWebhookUrl", () => {
  it("accepts a public https URL and normalises it", async () => {
    expect(await checkWebhookUrl("https://Example.com/hook")).toBe("https://example.com/hook");
  });

  it("refuses http unless allowed", async () => {
    expect(await refusal("http://example.com/hook")).toBe("invalid_url");
    expect(await refusal("http://example.com/hook", { allowHttp: true })).toBeUndefined();
    expect(await refusal("ftp://example.com/hook", { allowHttp: true })).toBe("invalid_url");
  });

  it.each([
    "https://127.0.0.1/hook",
    "https://[::1]/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://0x7f.1/hook",
    "https://2130706433/hook",
    "https://localhost/hook",
    "https://api.localhost/hook",
    "https://metadata.google.internal/computeMetadata",
    "https://intranet/hook",
  ])("refuses the local target %s unless private URLs are allowed", async (url) => {
    expect(await refusal(url)).toBe("url_not_allowed");
    expect(await refusal(url, { allowPrivateUrls: true })).toBeUndefined();
  });

  it("refuses a host name that resolves to a private address", async () => {
    const resolveHost = async (host: string) => (host === "rebind.example.com" ? ["10.0.0.5"] : ["93.184.216.34"]);
    expect(await refusal("https://rebind.example.com/h", { resolveHost })).toBe("url_not_allowed");
    expect(await refusal("https://fine.example.com/h", { resolveHost })).toBeUndefined();
  });

  it.each(["", "not a url", "https://", `https://example.com/${"a".repeat(2048)}`, "https://user:pw@example.com/"])(
    "refuses the malformed URL %j",
    async (url) => {
      expect(await refusal(url)).toBe("invalid_url");
    },
  );
});
