// IVR menus in a real browser: building a menu tree, its diagram with problems marked, and the simulator walking a
// call through it (keys, timeout, back, hand-off) over the public session routes.
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectAccessible, expectFitsPhoneWidth } from "./support/accessibility.js";
import { type ConsoleEnv, describeInBrowser, startConsoleEnv } from "./support/console-env.js";

const USER = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

describeInBrowser("console IVR menus", () => {
  let env: ConsoleEnv;
  const menuId = async (name: string) => {
    const menus = await env.call<{ data: { id: string; name: string }[] }>(USER, "GET", "/v1/ivr/menus");
    return menus.body.data.find((m) => m.name === name)!.id;
  };
  const transcript = () => env.page.getByRole("list", { name: "Call transcript" });

  beforeAll(async () => {
    env = await startConsoleEnv();
    await env.openAs(USER, "ivr");
  });
  afterAll(() => env?.close());

  const createMenu = async (fields: {
    name: string;
    prompt: string;
    parent?: string;
    items?: string;
    operator?: string;
    invalidPrompt?: string;
    timeoutPrompt?: string;
    waitSeconds?: string;
    retries?: string;
  }) => {
    const { page } = env;
    await page.getByLabel("Name").fill(fields.name);
    await page.getByLabel("Prompt (what the caller hears)").fill(fields.prompt);
    if (fields.parent) await page.getByLabel("Parent menu").selectOption({ label: fields.parent });
    await page
      .getByLabel("Options, one a line: keys, action, target, label")
      .last()
      .fill(fields.items ?? "");
    await page.getByLabel("Operator queue (key 0; empty: none)").fill(fields.operator ?? "");
    await page.getByLabel("After a wrong key, the caller hears (empty: the default)").fill(fields.invalidPrompt ?? "");
    await page.getByLabel("After silence, the caller hears (empty: the default)").fill(fields.timeoutPrompt ?? "");
    await page.getByLabel("Seconds to wait for a key (empty: 10)").fill(fields.waitSeconds ?? "");
    await page.getByLabel("Retries before the escape (empty: 3)").fill(fields.retries ?? "");
    await page.getByRole("button", { name: "Create menu" }).click();
    await page.getByText(`Saved "${fields.name}".`).waitFor();
  };

  it("builds a menu tree and draws it: keys to submenus, agents, transfers, operator, back and retries", async () => {
    const { page } = env;
    await createMenu({
      name: "Main",
      prompt: "Welcome. Press 1 for sales, 2 for support.",
      items: "2 agent support Support",
      operator: "reception",
    });
    await createMenu({
      name: "Sales",
      prompt: "Sales. Press 1 for the front desk.",
      parent: "Main",
      items: "1 transfer +15551234567 Front desk",
    });
    // Sales has a parent but nothing leads to it yet: the API's own rules call it unreachable.
    await expect.poll(() => page.getByRole("row", { name: /^Sales/ }).textContent()).toMatch(/1$/);

    await page.getByLabel("Menu", { exact: true }).selectOption({ label: "Main" });
    await page
      .getByLabel("Options, one a line: keys, action, target, label")
      .first()
      .fill("1 submenu Sales Sales\n2 agent support Support");
    await page.getByRole("button", { name: "Save options" }).click();
    await page.getByText('Saved "Main".').waitFor();
    await expect.poll(() => page.getByRole("row", { name: /^Sales/ }).textContent()).toMatch(/none$/);

    const diagram = page.getByRole("img", { name: /^Menu tree of Main/ });
    const titles = await diagram.locator(".node .title").allTextContents();
    expect(titles).toEqual(
      expect.arrayContaining(["Main", "Sales", "Front desk", "Support", "Operator", "Repeat menu", "Back", "Hang up"]),
    );
    await expect(diagram.locator(`.node.menu[data-menu-id="${await menuId("Sales")}"]`).count()).resolves.toBe(1);
  });

  it("sets what the caller hears after a wrong key or silence, how long it waits and how often it retries", async () => {
    const { page } = env;
    await createMenu({
      name: "Billing",
      prompt: "Billing. Press 1 for an agent.",
      items: "1 agent billing Agent",
      invalidPrompt: "That key does nothing here.",
      timeoutPrompt: "Are you still there?",
      waitSeconds: "20",
      retries: "1",
    });
    const stored = await env.call<Record<string, unknown>>(USER, "GET", `/v1/ivr/menus/${await menuId("Billing")}`);
    expect(stored.body).toMatchObject({
      invalid_prompt: "That key does nothing here.",
      timeout_prompt: "Are you still there?",
      timeout: 20_000,
      max_retries: 1,
    });
    // Left empty, the settings keep the API's defaults.
    const main = await env.call<Record<string, unknown>>(USER, "GET", `/v1/ivr/menus/${await menuId("Main")}`);
    expect(main.body).toMatchObject({ timeout: 10_000, max_retries: 3 });

    await page.getByRole("link", { name: "Billing" }).click();
    await page.getByRole("img", { name: /^Menu tree of Billing/ }).waitFor();
    await page.getByRole("button", { name: "Start call" }).click();
    await transcript().getByText("Billing. Press 1 for an agent.").waitFor();
    await page.getByRole("button", { name: "Press 9" }).click();
    await transcript().getByText("That key does nothing here.").waitFor();
    await page.getByRole("button", { name: "Let the timeout pass" }).click();
    await transcript().getByText("Are you still there?").waitFor();
  });

  it("marks a menu's validation problems on its diagram", async () => {
    const { page } = env;
    const items = [1, 2, 3, 4, 5, 6].map((d) => `${d} agent queue-${d} Queue ${d}`).join("\n");
    await createMenu({ name: "Everything", prompt: "Six choices follow.", items });
    await page.getByRole("img", { name: /^Menu tree of Everything/ }).waitFor();
    const node = page.locator(`.node[data-menu-id="${await menuId("Everything")}"]`);
    await expect(node.getAttribute("class")).resolves.toContain("has-warning");
    await expect(node.locator(".title").textContent()).resolves.toBe("⚠ Everything");
    await expect(page.getByRole("list", { name: "Problems" }).textContent()).resolves.toContain("6 options");
  });

  it("simulates a call: keys move between menus, silence replays, back returns, an agent ends the menus", async () => {
    const { page } = env;
    await page.getByRole("link", { name: "Main" }).click();
    await page.getByRole("img", { name: /^Menu tree of Main/ }).waitFor();
    await page.getByRole("button", { name: "Start call" }).click();
    await transcript().getByText("Welcome. Press 1 for sales, 2 for support.").waitFor();

    await page.getByRole("button", { name: "Press 1" }).click();
    await transcript().getByText("Sales. Press 1 for the front desk.").waitFor();
    const active = page.locator(".node.active");
    await expect.poll(() => active.getAttribute("data-menu-id")).toBe(await menuId("Sales"));

    await page.getByRole("button", { name: "Let the timeout pass" }).click();
    await transcript().getByText("(stays silent)").waitFor();
    await page.getByRole("button", { name: "Press *" }).click();
    await expect.poll(() => active.getAttribute("data-menu-id")).toBe(await menuId("Main"));

    await page.getByRole("button", { name: "Press 2" }).click();
    await transcript().getByText("Connected to agent support").waitFor();
    await expect(page.getByRole("status").last().textContent()).resolves.toMatch(/^Status: completed/);
    await expect(page.getByRole("button", { name: "Press 1" }).isDisabled()).resolves.toBe(true);
    await expectAccessible(page);
    await expectFitsPhoneWidth(page);
    await env.screenshot("ivr");
  });
});
