// Госуслуги (ESIA) in the browser, against the Go stand-in of
// e2e/esia_standin_test.go (ESIA_URL): one person whether they come with a
// qualified certificate or through Госуслуги; the organisations ESIA lists
// are offered for joining; a spoilt ID token is refused with a page that says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { checkPage } from './checks.mjs';

const rp = process.env.RP_URL;
const issuer = process.env.ISSUER;
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => { await browser?.close(); });

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

function vhodSign(content, who = 'director') {
  const f = process.env.FIXTURES;
  return execFileSync(process.env.VHOD_BIN, ['sign', '--key', `${f}/gost/${who}.key.pem`, '--cert', `${f}/gost/${who}.crt.pem`,
    '--chain', `${f}/gost/int-ca.crt.pem`, '--detached'], { input: content }).toString().trim();
}

test('the SNILS of a qualified certificate and of Госуслуги is one person; ESIA\'s company is offered', async () => {
  // The account of a qualified certificate (SNILS 565-591-361 27).
  let p = await page('en-US');
  await p.goto(`${rp}/start?client=esign&ui_locales=en`);
  await checkPage(p, 'signin-esia-en');
  await p.getByRole('link', { name: 'Sign in with a certificate (e-signature)' }).click();
  await checkPage(p, 'certificate-esign-en');
  // Without the CryptoPro plug-in the page folds the paste away once its
  // script has run (as it has after the check): unfold it.
  if (!(await p.locator('#signature').isVisible())) await p.getByText('For experts: paste the signature').click();
  const challenge = await p.getByLabel('Challenge').inputValue();
  await p.getByLabel('Signature', { exact: true }).fill(vhodSign(challenge));
  await p.getByRole('button', { name: 'Sign in', exact: true }).click();
  await checkPage(p, 'certificate-esign-confirm-en');
  // A certificate no account has yet: the confirmation page makes one.
  await p.getByRole('button', { name: 'Create an account' }).click();
  const byCert = await claims(p);
  assert.equal(byCert.snils, '56559136127');

  // Another browser, through Госуслуги: the same account, straight in.
  p = await page('ru-RU');
  await p.goto(`${rp}/start?client=esign`);
  await checkPage(p, 'signin-esia-ru');
  await p.getByRole('button', { name: 'Войти через Госуслуги' }).click();
  const byESIA = await claims(p);
  assert.equal(byESIA.sub, byCert.sub);
  assert.equal(byESIA.idp, 'esia');
  assert.ok(byESIA.amr.includes('fed'), `amr ${byESIA.amr}`);
  assert.equal(byESIA.acr, 'urn:vhod:acr:qualified-certificate', 'a confirmed ESIA account reaches acr_confirmed');

  // The company ESIA lists and Vhod knows is offered for joining; the one Vhod does not know is not.
  await p.goto(`${issuer}/account/companies?ui_locales=en`);
  const offer = p.locator('p.notice', { hasText: 'According to “Gosuslugi”, you work at ООО «Василёк»' });
  await offer.waitFor();
  await checkPage(p, 'companies-esia-en');
  assert.equal(await offer.getByRole('link', { name: 'Join this company' }).getAttribute('href'), '/account/companies/join?inn=7707083893');
  assert.doesNotMatch(await p.textContent('body'), /Лютик/);
  assert.deepEqual(p.violations, []);
});

test('a spoilt ID token from Госуслуги is refused with a page that says so', async () => {
  const res = await fetch(`${process.env.ESIA_URL}/test/tamper`, { method: 'POST' });
  assert.equal(res.status, 200);
  const p = await page('en-US');
  await p.goto(`${rp}/start?client=esign&ui_locales=en`);
  await p.getByRole('button', { name: 'Sign in with Gosuslugi' }).click();
  await p.getByRole('heading', { name: 'Could not sign in' }).waitFor();
  assert.match(await p.textContent('body'), /The answer from “Gosuslugi” could not be verified/);
  await checkPage(p, 'esia-refused-en');
  await p.getByRole('link', { name: 'Back to sign-in' }).click();
  await p.getByLabel('Login').waitFor();
});
