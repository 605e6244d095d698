// A person's visit to a real relying party (Apache with mod_auth_openidc,
// oauth2-proxy) in Debian's chromium, for e2e/realrp_*_test.go:
//
//   node rp.mjs STATE '[{"step": …, "url": …, "until": …, "login": …, "password": …}, …]'
//
// Each step opens url in a browser whose cookies come from (and go back to) the
// Playwright storage-state file STATE, and acts on Vhod's pages by their labels
// until the address starts with until:
//
//   signin   fills "Login" and "Password" and presses "Sign in"; presses "Allow"
//            on the consent page;
//   signout  presses "Sign out" on Vhod's "Sign out of Vhod?" confirmation when
//            it is shown (end_session without a valid id_token_hint).
//
// It prints one JSON line per step: {"url": where it stopped, "pages": what it
// acted on}.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';

const [state, plan] = process.argv.slice(2);
const steps = JSON.parse(plan || '[]');
if (!state || !steps.length || !steps.every((s) => ['signin', 'signout'].includes(s.step) && s.url && s.until)) {
  console.error('usage: node rp.mjs STATE \'[{"step": "signin"|"signout", "url": …, "until": …, "login": …, "password": …}]\'');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const ctx = await browser.newContext({ locale: 'en-US', storageState: existsSync(state) ? state : undefined });
  const p = await ctx.newPage();
  for (const s of steps) {
    const result = await run(p, s);
    await ctx.storageState({ path: state });
    console.log(JSON.stringify(result));
  }
} finally {
  await browser.close();
}

async function run(p, { step, url, until, login, password }) {
  p.setDefaultTimeout(15000);
  const pages = [];
  const actions = step === 'signin'
    ? [
        [p.getByRole('button', { name: 'Sign in' }), 'password', async () => {
          await p.getByLabel('Login').fill(login);
          await p.getByLabel('Password').fill(password);
        }],
        [p.getByRole('button', { name: 'Allow' }), 'consent'],
      ]
    : [[p.getByRole('button', { name: 'Sign out', exact: true }), 'logout-confirmation']];
  await p.goto(url);
  const deadline = Date.now() + 30000;
  while (!p.url().startsWith(until)) {
    if (Date.now() > deadline) throw new Error(`not at ${until} after 30 s: ${p.url()}\n${await p.textContent('body')}`);
    let acted = false;
    for (const [button, name, fill] of actions) {
      if (!(await button.isVisible())) continue;
      if (fill) await fill();
      pages.push(name);
      // Pressing the button loads another page (the consent page may have the
      // same address); the same button again (a wrong password) would mean we
      // are stuck, which the deadline catches.
      const navigated = p.waitForEvent('framenavigated', { predicate: (f) => f === p.mainFrame() });
      await Promise.all([navigated, button.click()]);
      acted = true;
      break;
    }
    if (!acted) await p.waitForTimeout(100);
  }
  await p.waitForLoadState();
  return { url: p.url(), pages };
}
