// Signing in to a relying party through Vhod through an outside OpenID
// provider no one here wrote (node's oidc-provider, started here on
// UPSTREAM_PORT): the account is made, the next sign-in finds it, an existing
// account links the provider and unlinks it on the account page.
// e2e/browser_federated_test.go starts Vhod (with the provider configured as
// "upstream") and the RP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startUpstream } from './upstream-oidc.mjs';
import { checkPage } from './checks.mjs';

const rp = process.env.RP_URL;
const issuer = process.env.ISSUER;
let browser;
let upstream;

before(async () => {
  upstream = await startUpstream({ port: Number(process.env.UPSTREAM_PORT), vhodIssuer: issuer });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => { await browser?.close(); upstream?.close(); });

async function page(locale) {
  const ctx = await browser.newContext({ locale });
  const p = await ctx.newPage();
  p.violations = [];
  p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) p.violations.push(m.text()); });
  return p;
}

async function claims(p) {
  await p.waitForSelector('#claims');
  return JSON.parse(await p.textContent('#claims'));
}

// atUpstream signs in at the provider's development pages as login.
async function atUpstream(p, login) {
  await p.waitForURL((u) => u.href.startsWith(upstream.issuer));
  await p.locator('input[name=login]').fill(login);
  await p.locator('input[name=password]').fill('anything');
  await p.getByRole('button', { name: 'Sign-in' }).click();
  await p.getByRole('button', { name: 'Continue' }).click();
}

test('through the upstream provider: the account is made, the next sign-in finds it', async () => {
  const login = `fed${Date.now()}`;
  let p = await page('en-US');
  await p.goto(`${rp}/start?client=shop&ui_locales=en`);
  await checkPage(p, 'signin-providers-en');
  await p.getByRole('button', { name: 'Sign in with Upstream IdP' }).click();
  await atUpstream(p, login);
  await p.getByRole('heading', { name: 'No account found' }).waitFor();
  await checkPage(p, 'federated-unknown-en');
  assert.match(await p.textContent('body'), new RegExp(`${login}@upstream.test`));
  await p.getByRole('button', { name: 'Create an account' }).click();
  const first = await claims(p);
  assert.equal(first.idp, 'upstream');
  assert.ok(first.amr.includes('fed'), `amr ${first.amr}`);
  assert.equal(first.acr, 'urn:vhod:acr:password');
  assert.deepEqual(p.violations, []);

  // Another browser: the provider asks again, Vhod knows the person.
  p = await page('ru-RU');
  await p.goto(`${rp}/start?client=shop`);
  await checkPage(p, 'signin-providers-ru');
  await p.getByRole('button', { name: 'Войти через Внешний IdP' }).click();
  await atUpstream(p, login);
  const second = await claims(p);
  assert.equal(second.sub, first.sub);
  assert.equal(second.idp, 'upstream');
});

test('an existing account links the provider, signs in through it, and unlinks it', async () => {
  const login = `kuz${Date.now()}`;
  let p = await page('en-US');
  await p.goto(`${rp}/start?client=shop&ui_locales=en`);
  await p.getByRole('button', { name: 'Sign in with Upstream IdP' }).click();
  await atUpstream(p, login);
  await p.getByRole('button', { name: 'I already have an account' }).click();
  await checkPage(p, 'federated-link-signin-en');
  await p.getByLabel('Login').fill('kuznetsov');
  await p.getByLabel('Password').fill('Kuznetsov-pass-1');
  await p.getByRole('button', { name: 'Sign in', exact: true }).click();
  const linked = await claims(p);
  assert.equal(linked.idp, undefined, 'the password sign-in is not a federated one');

  // Through the provider alone now, in a fresh browser: straight into kuznetsov's account.
  p = await page('en-US');
  await p.goto(`${rp}/start?client=shop&ui_locales=en`);
  await p.getByRole('button', { name: 'Sign in with Upstream IdP' }).click();
  await atUpstream(p, login);
  const via = await claims(p);
  assert.equal(via.sub, linked.sub);
  assert.equal(via.idp, 'upstream');

  // The account page lists it; unlinking asks first.
  await p.goto(`${issuer}/account?ui_locales=en`);
  await p.getByRole('heading', { name: 'Signing in through outside services' }).waitFor();
  await checkPage(p, 'account-linked-en');
  assert.match(await p.textContent('body'), new RegExp(`${login}@upstream.test`));
  await p.getByRole('button', { name: 'Unlink' }).first().click();
  await p.getByRole('heading', { name: 'Unlink the outside service?' }).waitFor();
  await checkPage(p, 'confirm-unlink-en');
  await p.getByRole('button', { name: 'Unlink' }).click();
  await p.getByText('Signing in with “Upstream IdP” is no longer linked to your account.').waitFor();
  await checkPage(p, 'account-unlinked-en');
  assert.deepEqual(p.violations, []);

  // The next trip through the provider finds no account.
  p = await page('en-US');
  await p.goto(`${rp}/start?client=shop&ui_locales=en`);
  await p.getByRole('button', { name: 'Sign in with Upstream IdP' }).click();
  await atUpstream(p, login);
  await p.getByRole('heading', { name: 'No account found' }).waitFor();
});
