// Checks every page of the browser tests must pass, whatever the test is about:
// axe-core finds no violation of WCAG 2.1 A/AA or of its best practices, and
// no page scrolls sideways, at a desktop (1280 px) and a phone (390 px) width.
// A suite calls it wherever a page has loaded:
//
//   import { checkPage } from './checks.mjs';
//   await checkPage(p, 'consent-en');
//
// The call throws an error that names the page (the name given, its address and
// language), the width and each rule broken with the elements that break it.
// The viewport is set back as it was, so the test goes on where it stood.
//
// With VHOD_CHECKS_REPORT=FILE set, checkPage throws nothing and appends each
// failing page to FILE as a JSON line instead ({"page", "url", "lang",
// "problems"}): to see every finding of a run at once (scripts/screenshots
// does so); the tests in CI never set it.
//
// axe runs in the page through the DevTools protocol (an init script and
// Runtime.evaluate), which Vhod's Content-Security-Policy does not govern: no
// <script> element is added, so the test's own watch for CSP violations stays
// meaningful, and the page need not be loaded again in a context that
// bypasses the CSP (a page that a POST produced could not be).
import { appendFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// widths are the two layouts every page is seen in, with a height typical of
// each (the height matters little: pages are checked whole).
export const widths = [{ width: 1280, height: 800 }, { width: 390, height: 844 }];

// axeTags are the rule sets checked: WCAG 2.0 and 2.1, levels A and AA, and
// axe's best practices (one main landmark, all content in landmarks, heading
// order, unique landmarks: what makes a page easy to move around by keyboard
// and screen reader, though WCAG does not state it as a rule).
export const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

// checkPage checks the page at both widths; see the top of this file.
export async function checkPage(page, name) {
  // A click that submits a form returns once the next page has started; check
  // that page, whole.
  await page.waitForLoadState('load');
  const before = page.viewportSize();
  const problems = [];
  try {
    for (const size of widths) {
      await page.setViewportSize(size);
      await settled(page);
      problems.push(...(await sideways(page, size.width)), ...(await axe(page, size.width)));
    }
  } finally {
    if (before) await page.setViewportSize(before);
  }
  if (problems.length) {
    const lang = await page.evaluate(() => document.documentElement.lang).catch(() => '?');
    if (process.env.VHOD_CHECKS_REPORT) {
      appendFileSync(process.env.VHOD_CHECKS_REPORT, JSON.stringify({ page: name, url: page.url(), lang, problems }) + '\n');
      return;
    }
    throw new Error(`page "${name}" (${page.url()}, lang ${lang}) fails ${problems.length} check(s):\n` +
      problems.map((p) => `  - ${p}`).join('\n'));
  }
}

// settled waits for the layout of the new width: two animation frames.
async function settled(page) {
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

// sideways reports a page wider than the window, naming the elements that
// stick out on the right (the deepest ones, which are the cause).
async function sideways(page, width) {
  const r = await page.evaluate(() => {
    const view = window.innerWidth;
    const doc = document.documentElement.scrollWidth;
    if (doc <= view) return null;
    const wide = [...document.body.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > view + 0.5);
    const deepest = wide.filter((e) => !wide.some((o) => o !== e && e.contains(o)));
    const describe = (e) => e.tagName.toLowerCase() + (e.id ? `#${e.id}` : '') +
      [...e.classList].map((c) => `.${c}`).join('') + ` (right edge ${Math.round(e.getBoundingClientRect().right)} px)`;
    return { view, doc, culprits: deepest.slice(0, 5).map(describe) };
  });
  if (!r) return [];
  return [`${width} px: scrolls sideways (content ${r.doc} px wide, window ${r.view} px); sticking out: ${r.culprits.join(', ') || 'none found'}`];
}

// loaderSource defines, without running it, a function that loads axe-core.
const loaderSource = `window.vhodLoadAxe = function () {\n${axeSource}\n};`;
const prepared = new WeakSet();

// loadAxe makes axe-core ready in the page's document. Each later document of
// the page gets the loader as an init script, which V8 compiles once for all
// of them (it caches scripts by their source); the current one, through the
// protocol. Loading 550 kB of script anew at every check took seconds.
async function loadAxe(page) {
  if (!prepared.has(page)) {
    prepared.add(page);
    await page.addInitScript({ content: loaderSource });
  }
  const state = await page.evaluate(() => (typeof window.axe === 'object' ? 'ready'
    : typeof window.vhodLoadAxe === 'function' ? 'loader' : 'none'));
  if (state === 'ready') return;
  if (state === 'none') {
    const cdp = await page.context().newCDPSession(page);
    try {
      const r = await cdp.send('Runtime.evaluate', { expression: loaderSource });
      if (r.exceptionDetails) throw new Error(`axe-core did not load: ${r.exceptionDetails.text}`);
    } finally {
      await cdp.detach();
    }
  }
  await page.evaluate(() => window.vhodLoadAxe());
}

// axe runs axe-core on the page and reports
// each violated rule with up to five of its elements.
async function axe(page, width) {
  await loadAxe(page);
  const violations = await page.evaluate(async (tags) => {
    // Frames on Vhod's pages are other sites' (front-channel logout): checked
    // as elements here (a title), not entered.
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, iframes: false, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ').trim()}` : ''}`),
    }));
  }, axeTags);
  return violations.map((v) => `${width} px: axe ${v.id} (${v.impact}): ${v.help}: ` +
    v.nodes.slice(0, 5).join('; ') + (v.nodes.length > 5 ? `; and ${v.nodes.length - 5} more` : ''));
}
