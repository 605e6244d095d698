// Browser tests of the sign-in and consent pages, in both languages, through a
// relying party. e2e/browser_test.go starts Vhod and the RP and passes RP_URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const rp = process.env.RP_URL;
const shots = process.env.SCREENSHOT_DIR;
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => { await browser?.close(); });

// page opens a fresh context (own cookies) and records CSP violations.
async function page(locale) {
  const ctx = await browser.newContext({ locale });
  const p = await ctx.newPage();
  p.violations = [];
  p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) p.violations.push(m.text()); });
  return p;
}

async function shot(p, name) {
  if (shots) await p.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

async function claims(p) {
  await p.waitForSelector('#claims');
  return JSON.parse(await p.textContent('#claims'));
}

test('Russian is the default: sign in with the password form', async () => {
  const p = await page('ru-RU');
  await p.goto(`${rp}/start?client=shop`);
  await shot(p, 'password-ru');
  assert.equal(await p.getAttribute('html', 'lang'), 'ru');
  await p.getByLabel('Логин').fill('8 (909) 000-00-00');
  await p.getByLabel('Пароль').fill('S3cure-pass!');
  await p.getByRole('button', { name: 'Войти' }).click();
  const c = await claims(p);
  assert.equal(c.acr, 'urn:vhod:acr:password');
  assert.deepEqual(c.amr, ['pwd']);
  assert.deepEqual(p.violations, []);
});

test('English with ui_locales=en: wrong password, then sign in and consent', async () => {
  const p = await page('ru-RU');
  await p.goto(`${rp}/start?client=partner&ui_locales=en`);
  assert.equal(await p.getAttribute('html', 'lang'), 'en');
  await p.getByLabel('Login').fill('ivanov');
  await p.getByLabel('Password').fill('wrong');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('alert').filter({ hasText: 'Wrong login or password.' }).waitFor();
  assert.equal(await p.getByLabel('Login').inputValue(), 'ivanov', 'typed login kept');
  await shot(p, 'password-en-error');
  await p.getByLabel('Password').fill('S3cure-pass!');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('button', { name: 'Allow' }).waitFor();
  assert.match(await p.textContent('body'), /Partner App/);
  await shot(p, 'consent-en');
  await p.getByRole('button', { name: 'Allow' }).click();
  const c = await claims(p);
  assert.deepEqual([c.aud].flat(), ['partner']);
  assert.deepEqual(p.violations, []);
});

test('Russian consent page, and single sign-on for the next app', async () => {
  const p = await page('ru-RU');
  await p.goto(`${rp}/start?client=partner&prompt=consent`);
  await p.getByLabel('Логин').fill('ivanov@example.com');
  await p.getByLabel('Пароль').fill('S3cure-pass!');
  await p.getByRole('button', { name: 'Войти' }).click();
  await p.getByRole('button', { name: 'Разрешить' }).waitFor();
  await shot(p, 'consent-ru');
  await p.getByRole('button', { name: 'Разрешить' }).click();
  const first = await claims(p);
  // Same browser, another app: no form at all.
  await p.goto(`${rp}/start?client=shop`);
  const second = await claims(p);
  assert.equal(second.sub, first.sub);
  assert.equal(second.sid, first.sid);
});

test('English: sign in with an SMS code', async () => {
  const p = await page('en-US');
  await p.goto(`${rp}/start?client=shop&ui_locales=en`);
  await p.getByRole('link', { name: 'Sign in with phone' }).click();
  await p.getByLabel('Phone').fill('+7 909 000 00 00');
  await p.getByRole('button', { name: 'Send code' }).click();
  await p.getByRole('status').filter({ hasText: 'If this number is registered' }).waitFor();
  const sms = await (await fetch(`${rp}/last-sms?to=%2B79090000000`)).text();
  const code = sms.match(/\d{6}/)[0];
  await p.getByLabel('Code').fill(code);
  await shot(p, 'phone-code-en');
  await p.getByRole('button', { name: 'Sign in' }).click();
  const c = await claims(p);
  assert.equal(c.acr, 'urn:vhod:acr:phone');
  assert.deepEqual(c.amr, ['sms', 'otp']);
  assert.deepEqual(p.violations, []);
});

test('after repeated failures the proof-of-work captcha runs in the page', async () => {
  const p = await page('en-US');
  await p.goto(`${rp}/start?client=shop&ui_locales=en`);
  for (let i = 0; i < 3; i++) {
    await p.getByLabel('Login').fill('ivanov');
    await p.getByLabel('Password').fill('wrong');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('alert').waitFor();
  }
  await p.getByText('Check passed.').waitFor({ timeout: 60000 });
  await shot(p, 'captcha-en');
  await p.getByLabel('Password').fill('S3cure-pass!');
  await p.getByRole('button', { name: 'Sign in' }).click();
  const c = await claims(p);
  assert.equal(c.acr, 'urn:vhod:acr:password');
  assert.deepEqual(p.violations, []);
});
