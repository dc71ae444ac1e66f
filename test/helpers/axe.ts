/**
 * axe-core in a playwright-core page: `axeViolations(page)` runs every default rule (WCAG 2.x A/AA and
 * best practices) on the page as it is and returns the violations. `overflowing(page)` lists elements
 * that reach past the viewport's right edge (a page that scrolls sideways on a phone).
 *
 * axe is evaluated through the DevTools protocol, so the pages' nonce CSP (which refuses injected
 * script tags) does not get in the way and stays on while the pages are checked.
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

// The page's globals, as far as the functions evaluated in it use them (the tests compile without the DOM lib).
interface PageElement {
  parentElement: PageElement | null;
  tagName: string;
  id: string;
  className: unknown;
  getBoundingClientRect(): { left: number; right: number; width: number; height: number };
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}
declare const document: {
  body: PageElement;
  documentElement: { clientWidth: number; scrollWidth: number };
  activeElement: PageElement | null;
};
declare function getComputedStyle(el: PageElement): { clipPath: string; overflowX: string };

const axeSource: string = createRequire(import.meta.url)('axe-core').source;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** CSS selectors of the offending elements. */
  targets: string[];
}

export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is the global the evaluated source defined
    const axe = (globalThis as any).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map(
      (v: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
      }),
    );
  });
}

/**
 * Visible elements whose right edge is past the viewport's width (1 px of rounding allowed), and the page's scroll width.
 * Elements inside a scrolling box count (sideways scrolling is what a phone layout must avoid); those
 * cut off by an ancestor's clip or hidden overflow do not.
 */
export async function overflowing(page: Page): Promise<{ scrollWidth: number; elements: string[] }> {
  return page.evaluate(() => {
    const clippedByAncestor = (el: PageElement): boolean => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const style = getComputedStyle(a);
        if (style.clipPath !== 'none' || style.overflowX === 'hidden' || style.overflowX === 'clip')
          return true;
      }
      return false;
    };
    const width = document.documentElement.clientWidth;
    const elements: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || box.right <= width + 1) continue;
      if (box.left < 0 && box.right < 0) continue; // moved off-screen on purpose (the skip link)
      if (clippedByAncestor(el)) continue; // visually hidden (a table's header row read by screen readers)
      const name: string =
        el.tagName.toLowerCase() +
        (el.id ? `#${el.id}` : '') +
        (el.className && typeof el.className === 'string'
          ? `.${el.className.trim().split(/\s+/).join('.')}`
          : '');
      elements.push(`${name} (right edge ${Math.round(box.right)} px)`);
    }
    return { scrollWidth: document.documentElement.scrollWidth, elements };
  });
}

/** The id of the element that has the keyboard focus ('' when none has an id). */
export function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.id ?? '');
}

/** The sizes pages are checked at: desktop, and a phone. */
export const CHECK_SIZES = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

/**
 * axe-core at each of `CHECK_SIZES`, and nothing wider than the phone's screen: what is wrong, one
 * line each (none: `[]`). The page is left at desktop size.
 */
export async function pageFindings(page: Page, label: string): Promise<string[]> {
  const findings: string[] = [];
  for (const size of CHECK_SIZES) {
    await page.setViewportSize(size);
    for (const v of await axeViolations(page)) {
      findings.push(`${label} ${size.width}: axe ${v.id} (${v.impact}) ${v.help} — ${v.targets.join(', ')}`);
    }
    if (size.width < 500) {
      const { scrollWidth, elements } = await overflowing(page);
      if (scrollWidth > size.width)
        findings.push(`${label}: ${scrollWidth} px wide (${elements.join(', ')})`);
    }
  }
  await page.setViewportSize(CHECK_SIZES[0]);
  return findings;
}
