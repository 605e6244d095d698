// Walks Vhod's main pages as the demo users of `vhod dev` and saves a full-page
// screenshot of each at 1280 and 390 px, in Russian and in English, for
// reviewers; each page also goes through the checks of the browser tests
// (checks.mjs) and the findings are listed at the end. scripts/screenshots
// starts Vhod and runs this:
//
//   node e2e/browser/screenshots.mjs ISSUER OUT_DIR
//
// ISSUER is a `vhod dev` with fresh data (the walk signs in, and a wrong
// password or a registration would change what a second walk sees). Files are
// OUT_DIR/NN-page-LANG-WIDTH.png, numbered in walking order; the checks'
// findings go to OUT_DIR/checks.jsonl.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkPage, widths } from './checks.mjs';

const [issuer, out] = process.argv.slice(2);
if (!issuer || !out) {
  console.error('usage: node screenshots.mjs ISSUER OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const report = join(out, 'checks.jsonl');
rmSync(report, { force: true });
process.env.VHOD_CHECKS_REPORT = report;

// Who signs in: the demo person (an org admin of ООО «Ромашка») and the
// operator, who is also the moderator (cmd/vhod/dev.go).
const demo = { login: 'demo', password: 'demo-password' };
const operator = { login: 'operator', password: 'operator-password' };

const texts = {
  ru: { login: 'Логин', password: 'Пароль', signIn: 'Войти' },
  en: { login: 'Login', password: 'Password', signIn: 'Sign in' },
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let count = 0;
const skipped = [];
try {
  for (const lang of ['ru', 'en']) {
    await anonymous(lang);
    await person(lang);
    await console_(lang);
  }
} finally {
  await browser.close();
}
const findings = existsSync(report) ? readFileSync(report, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
console.log(`${count} pages, ${count * widths.length} screenshots in ${out}/`);
for (const s of skipped) console.log(`skipped: ${s}`);
if (findings.length) {
  console.log(`${findings.length} page(s) fail the accessibility or width checks (${report}):`);
  for (const f of findings) console.log(`  ${f.page} (${f.url}):\n${f.problems.map((p) => `    - ${p}`).join('\n')}`);
} else {
  console.log('every page passes the accessibility and width checks');
}

// context opens a browser of its own (own cookies) speaking lang.
async function context(lang) {
  const ctx = await browser.newContext({ locale: lang === 'ru' ? 'ru-RU' : 'en-US' });
  const p = await ctx.newPage();
  p.setDefaultTimeout(15000);
  return p;
}

// capture saves the page as it is at both widths and checks it.
async function capture(p, name, lang) {
  count++;
  const n = String(count).padStart(2, '0');
  const before = p.viewportSize();
  for (const size of widths) {
    await p.setViewportSize(size);
    await p.screenshot({ path: join(out, `${n}-${name}-${lang}-${size.width}.png`), fullPage: true });
  }
  await p.setViewportSize(before);
  await checkPage(p, `${name}-${lang}`);
}

// visit opens a page and captures it, or notes why it could not.
async function visit(p, url, name, lang) {
  const r = await p.goto(url);
  if (!r || !r.ok()) {
    skipped.push(`${name}-${lang}: ${url} answered ${r?.status()}`);
    return false;
  }
  await capture(p, name, lang);
  return true;
}

async function signIn(p, who, lang) {
  const t = texts[lang];
  await p.getByLabel(t.login, { exact: true }).fill(who.login);
  await p.getByLabel(t.password, { exact: true }).fill(who.password);
  await p.getByRole('button', { name: t.signIn, exact: true }).click();
  await p.waitForLoadState();
}

// anonymous: the sign-in pages an app sends people to, and their neighbours.
async function anonymous(lang) {
  const p = await context(lang);
  await p.goto(`${issuer}/demo/login?ui_locales=${lang}`);
  await capture(p, 'signin', lang);
  const links = await p.$$eval('a[href]', (as) => as.map((a) => a.href));
  const link = (part) => links.find((h) => new URL(h).pathname.includes(part));
  for (const [part, name] of [['/phone', 'signin-phone'], ['/certificate', 'signin-certificate'],
    ['/contract', 'signin-contract'], ['/recover', 'recovery'], ['/register', 'signup'], ['/activate', 'activation']]) {
    const h = link(part);
    if (!h) {
      skipped.push(`${name}-${lang}: no link on the sign-in page`);
      continue;
    }
    if (await visit(p, h, name, lang) && name === 'signup') {
      // The same form after an empty submit: every error at its field.
      await p.locator('form button[type=submit]').first().click();
      await p.waitForLoadState();
      await capture(p, 'signup-errors', lang);
    }
  }
  await p.goto(`${issuer}/no-such-page`);
  await capture(p, 'not-found', lang);
  await p.context().close();
}

// person: the demo user's account and company pages, and the company choice
// at an app's sign-in.
async function person(lang) {
  const p = await context(lang);
  await p.goto(`${issuer}/demo/login?ui_locales=${lang}`);
  await signIn(p, demo, lang);
  if (new URL(p.url()).pathname.startsWith('/login/')) await capture(p, 'company-choice', lang);
  await visit(p, `${issuer}/account`, 'account', lang);
  await visit(p, `${issuer}/account/companies`, 'companies', lang);
  await visit(p, `${issuer}/account/companies/romashka/members`, 'company-members', lang);
  await visit(p, `${issuer}/account/companies/romashka/systems`, 'company-systems', lang);
  await visit(p, `${issuer}/account/companies/join`, 'company-join', lang);
  if (await visit(p, `${issuer}/account/companies/register`, 'company-register', lang)) {
    // A company `vhod dev` does not know yet (a valid INN): the next step.
    await p.locator('input[name=inn]').fill('7707083893');
    await p.locator('form button[type=submit]').last().click();
    await p.waitForLoadState();
    await capture(p, 'company-register-filled', lang);
  }
  await visit(p, `${issuer}/end_session?ui_locales=${lang}`, 'logout-confirm', lang);
  await p.context().close();
}

// console_: the operator's console and the moderator's queue.
async function console_(lang) {
  const p = await context(lang);
  await p.goto(`${issuer}/account`);
  await signIn(p, operator, lang);
  await visit(p, `${issuer}/console`, 'console', lang);
  for (const [path, name] of [['clients', 'console-clients'], ['catalogues', 'console-catalogues'],
    ['users', 'console-users'], ['organisations', 'console-organisations'], ['keys', 'console-keys'],
    ['anchors', 'console-anchors'], ['audit', 'console-audit']]) {
    await visit(p, `${issuer}/console/${path}`, name, lang);
  }
  // One form of each kind: the first item of the lists.
  for (const [list, name] of [['clients', 'console-client'], ['catalogues', 'console-catalogue'],
    ['users', 'console-user'], ['organisations', 'console-organisation']]) {
    await p.goto(`${issuer}/console/${list}`);
    const h = await p.$$eval(`main a[href^="/console/${list}/"]`, (as) => as.map((a) => a.href).find((x) => !x.endsWith('/new')));
    if (h) await visit(p, h, name, lang);
    else skipped.push(`${name}-${lang}: no item listed at /console/${list}`);
  }
  await visit(p, `${issuer}/console/organisations/new`, 'console-organisation-new', lang);
  await visit(p, `${issuer}/moderation`, 'moderation', lang);
  await p.context().close();
}
