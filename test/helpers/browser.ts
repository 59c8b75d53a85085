import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Browser tests need Debian's Chromium: in CI its absence fails the run; elsewhere the skip says why. */
export function browserSkipReason(): string | false {
  if (existsSync(CHROMIUM_PATH)) return false;
  if (process.env.CI) throw new Error(`CI needs Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
  return `browser tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
}

/** Playwright gives every launch a fresh, temporary profile (its own --user-data-dir). */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core with the WCAG 2.1 A and AA rules on the page as it is. Evaluated through the DevTools
 * protocol, so the page's strict CSP (no inline script) stays on.
 */
export async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(`${axeSource};0`);
  const violations = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: unknown[] }> } }).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations;
  })) as AxeViolation[];
  const summary = violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(summary, [], `accessibility violations on ${page.url()}`);
}

/** A common phone: most parents (and many an office worker on the move) open the pages on one. */
export const PHONE = { width: 375, height: 740 };

interface Layout {
  overflow: string[];
  smallTargets: string[];
}

/**
 * What a thumb and eyes meet on the page as it is: anything wider than the screen (the
 * document, or any box that would scroll or clip sideways), and any link, button, check box or radio
 * smaller than 44 × 44 px. Bootstrap Italia hides the real check box and draws it on its label, so the
 * label is what is measured there. Visually hidden texts (1 px, clipped on purpose) are not boxes.
 *
 * A string, so that what runs in the page is exactly this (the TypeScript build would wrap its functions).
 */
const MEASURE = `(() => {
  const overflow = [];
  const smallTargets = [];
  const describe = (el) => {
    const id = el.id ? \`#\${el.id}\` : '';
    const cls = el.getAttribute('class') ? \`.\${el.getAttribute('class').trim().split(/\\s+/).join('.')}\` : '';
    return \`\${el.tagName.toLowerCase()}\${id}\${cls} "\${(el.textContent ?? '').trim().replace(/\\s+/g, ' ').slice(0, 40)}"\`;
  };
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) overflow.push(\`document \${root.scrollWidth} > \${root.clientWidth}\`);
  const visible = (el) => {
    const rect = el.getBoundingClientRect();
    if (rect.width <= 1 || rect.height <= 1) return false;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    // Inside a 1 px box that clips it (visually-hidden texts, the header row of a stacked table).
    for (let up = el.parentElement; up; up = up.parentElement) {
      const box = up.getBoundingClientRect();
      if (box.width <= 1 && getComputedStyle(up).overflow === 'hidden') return false;
    }
    return true;
  };
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    if (!visible(el)) continue;
    const style = getComputedStyle(el);
    if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      overflow.push(\`\${describe(el)} scrolls \${el.scrollWidth} > \${el.clientWidth}\`);
    }
    const rect = el.getBoundingClientRect();
    if (rect.right > root.clientWidth + 1 || rect.left < -1) overflow.push(\`\${describe(el)} spans \${Math.round(rect.left)}…\${Math.round(rect.right)}\`);
  }
  const targets = Array.from(document.querySelectorAll('a[href], button, select, input:not([type=hidden])'));
  for (const target of targets) {
    const input = target;
    const box = target.tagName === 'INPUT' && (input.type === 'checkbox' || input.type === 'radio') ? document.querySelector('label[for="' + input.id + '"]') : target;
    if (!box || !visible(box)) continue;
    const rect = box.getBoundingClientRect();
    if (rect.width < 44 - 0.5 || rect.height < 44 - 0.5) smallTargets.push(\`\${describe(box)} \${Math.round(rect.width)}×\${Math.round(rect.height)}\`);
  }
  return { overflow, smallTargets };
})()`;

export async function expectPhoneReady(page: Page, what: string): Promise<void> {
  const { overflow, smallTargets } = (await page.evaluate(MEASURE)) as Layout;
  assert.deepEqual(overflow, [], `${what}: nothing wider than the screen at ${page.url()}`);
  assert.deepEqual(smallTargets, [], `${what}: targets of at least 44 × 44 px at ${page.url()}`);
  await expectAccessible(page);
}

/** An office page's own checks: the heading, axe's WCAG 2.1 AA scan, nothing wider than the screen. */
export async function onPage(page: Page, heading: RegExp): Promise<void> {
  await page.waitForLoadState('domcontentloaded');
  const h1 = (await page.locator('h1').first().textContent())?.trim() ?? '';
  assert.match(h1, heading, `at ${page.url()}`);
  await expectAccessible(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${page.url()} scrolls sideways by ${overflow}px`);
}
