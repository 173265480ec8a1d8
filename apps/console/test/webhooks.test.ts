// Webhooks in a real browser, delivering to real HTTP receivers on 127.0.0.1: an endpoint and its health, a test
// send, an event's message with its attempts as a timeline, the status filter, replay, recover and secret rotation.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectAccessible, expectFitsPhoneWidth } from "./support/accessibility.js";
import { type ConsoleEnv, describeInBrowser, startConsoleEnv } from "./support/console-env.js";

const USER = "4f2d9c8b-7a61-4e3f-b5d2-9c0e1f2a3b4c";

describeInBrowser("console webhooks", () => {
  let env: ConsoleEnv;
  let receiver: Server;
  let base = "";
  const received: string[] = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      received.push(request.url ?? "");
      request.resume();
      if (request.url === "/ok") response.writeHead(200).end("thanks");
      else response.writeHead(500).end("receiver is down for maintenance");
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    env = await startConsoleEnv({ workers: true });
    env.page.on("dialog", (dialog) => dialog.accept());
    await env.openAs(USER, "webhooks");
  });
  afterAll(async () => {
    await env?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const addEndpoint = async (url: string, retries: string) => {
    const { page } = env;
    await page.getByLabel("Endpoint URL").fill(url);
    await page.getByLabel(/^Retries after the first attempt/).fill(retries);
    await page.getByRole("checkbox", { name: /^call\.started / }).check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = await page.getByLabel("Signing secret of the new endpoint").inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole("link", { name: url }).waitFor();
  };

  /** Clicks Refresh until the first message has the status (the worker delivers in the background). */
  const waitForStatus = async (status: string) => {
    const { page } = env;
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          return page.locator(".message-row .badge").first().textContent();
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBe(status);
  };

  it("adds endpoints, showing the signing secret once", async () => {
    await addEndpoint(`${base}/ok`, "0");
    await addEndpoint(`${base}/fail`, "0");
    await expect(env.page.getByRole("row").count()).resolves.toBe(3);
  });

  it("sends a test and shows how the endpoint answered, then its health", async () => {
    const { page } = env;
    await page.getByRole("link", { name: `${base}/ok` }).click();
    await page.getByRole("button", { name: "Send test" }).click();
    await page.getByText(/^Test delivered: HTTP 200 in \d+ ms\.$/).waitFor();
    expect(received).toContain("/ok");
    await expect.poll(() => page.locator(".facts").textContent()).toMatch(/Last status200/);
  });

  it("shows an event's message and its attempts as a timeline, and replays it", async () => {
    const { page } = env;
    await page.getByLabel("Payload (JSON)").fill('{"call_id": "c-1"}');
    await page.getByRole("button", { name: "Trigger event" }).click();
    // Both endpoints subscribe to it.
    await page.getByText("Event call.started enqueued: 2 deliveries.").waitFor();
    await waitForStatus("delivered");
    await page.locator(".message-row").first().click();
    const timeline = page.getByRole("list", { name: /^Attempts of message/ });
    await timeline.getByText("Attempt 1: HTTP 200").waitFor();
    await expect(timeline.textContent()).resolves.toContain("thanks");

    await page.getByRole("button", { name: "Replay now" }).click();
    await expect
      .poll(async () => {
        await page.getByRole("button", { name: "Refresh" }).click();
        return page.locator(".message-row").first().textContent();
      })
      .toMatch(/^delivered.*2\/\d+ attempts/);
    await expectAccessible(page);
    await env.screenshot("webhook-messages");
  });

  it("filters messages by status, shows a failing endpoint's response, and recovers failed messages", async () => {
    const { page } = env;
    await page.getByLabel("Status").selectOption("failed");
    await page.getByText("No messages with status failed.").waitFor();

    await page.getByRole("link", { name: "← All endpoints" }).click();
    // The event triggered from the other endpoint's page reached this one too, and failed.
    await page.getByRole("link", { name: `${base}/fail` }).click();
    await waitForStatus("failed");
    await page.locator(".message-row").first().click();
    const timeline = page.getByRole("list", { name: /^Attempts of message/ });
    await timeline.getByText("Attempt 1: HTTP 500").waitFor();
    await expect(timeline.textContent()).resolves.toContain("receiver is down for maintenance");

    await page.getByRole("button", { name: "Recover" }).click();
    await page.getByText("1 failed message gets another attempt.").waitFor();
    await waitForStatus("failed");
    await expect(page.locator(".message-row").first().textContent()).resolves.toContain("2/");
  });

  it("rotates the signing secret and lists endpoint health", async () => {
    const { page } = env;
    const webhookId = page.url().replace(/.*#\/webhooks\//, "");
    const before = await env.call<{ secret: string }>(USER, "GET", `/v1/webhooks/${webhookId}/secret`);
    await page.getByRole("button", { name: "Rotate secret" }).click();
    const rotated = await page.getByLabel("New signing secret").inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(before.body.secret);

    await page.getByRole("link", { name: "← All endpoints" }).click();
    const failing = page.getByRole("row", { name: new RegExp(`${base}/fail`) });
    await expect.poll(() => failing.locator(".badge").nth(1).textContent()).toMatch(/^0% of \d+$/);
    const healthy = page.getByRole("row", { name: new RegExp(`${base}/ok`) });
    await expect.poll(() => healthy.locator(".badge").nth(1).textContent()).toMatch(/^100% of \d+$/);
    await expectAccessible(page);
    await expectFitsPhoneWidth(page);
    await env.screenshot("webhooks");
  });
});
