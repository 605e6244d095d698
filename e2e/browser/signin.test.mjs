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

// waitCaptcha waits until the page's proof of work is done.
async function waitCaptcha(p, done) {
  await p.getByText(done).waitFor({ timeout: 60000 });
}

test('Russian: sign-up by phone with an SMS code', async () => {
  const p = await page('ru-RU');
  await p.goto(`${rp}/start?client=shop`);
  await p.getByRole('link', { name: 'Создать учётную запись' }).click();
  await p.getByLabel('Телефон или электронная почта').fill('+7 909 777-77-77');
  await p.getByLabel('Пароль', { exact: true }).fill('Nov-account-7');
  await p.getByLabel('Повторите пароль').fill('Nov-account-7');
  await p.getByLabel('Я даю согласие на обработку моих персональных данных').check();
  await waitCaptcha(p, 'Проверка пройдена.');
  await shot(p, 'signup-ru');
  await p.getByRole('button', { name: 'Зарегистрироваться' }).click();
  await p.getByRole('status').filter({ hasText: 'Мы отправили код' }).waitFor();
  const sms = await (await fetch(`${rp}/last-sms?to=%2B79097777777`)).text();
  await p.getByLabel('Код').fill(sms.match(/\d{6}/)[0]);
  await p.getByRole('button', { name: 'Подтвердить' }).click();
  const c = await claims(p);
  assert.ok(c.sub);
  assert.deepEqual(p.violations, []);
});

test('English: lockout after repeated failures, then unlock by recovery with a forced change', async () => {
  const p = await page('en-US');
  await p.goto(`${rp}/start?client=shop&ui_locales=en`);
  for (let i = 0; i < 5; i++) {
    await p.getByLabel('Login').fill('petrova');
    await p.getByLabel('Password').fill('wrong-' + i);
    if (await p.locator('[data-altcha]').count()) await waitCaptcha(p, 'Check passed.');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('alert').waitFor();
  }
  await p.getByLabel('Login').fill('petrova');
  await p.getByLabel('Password').fill('Petrova-pass-1');
  if (await p.locator('[data-altcha]').count()) await waitCaptcha(p, 'Check passed.');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('alert').filter({ hasText: 'Too many failed sign-in attempts' }).waitFor();
  // Recovery by SMS: a temporary password, then a new one at sign-in.
  await p.getByRole('link', { name: 'Forgot password?' }).click();
  await p.getByLabel('Phone, email or contract number').fill('+79093333333');
  await waitCaptcha(p, 'Check passed.');
  await p.getByRole('button', { name: 'Continue' }).click();
  await p.getByRole('status').filter({ hasText: 'If this number is registered' }).waitFor();
  const sms = await (await fetch(`${rp}/last-sms?to=%2B79093333333`)).text();
  const temp = sms.match(/(?:Временный пароль|Temporary password): (\S+)\./)[1];
  await p.getByRole('link', { name: 'Sign in' }).click();
  await p.getByLabel('Login').fill('petrova');
  await p.getByLabel('Password').fill(temp);
  if (await p.locator('[data-altcha]').count()) await waitCaptcha(p, 'Check passed.');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByLabel('Old password').fill(temp);
  await p.getByLabel('New password', { exact: true }).fill('Petrova-new-2');
  await p.getByLabel('Repeat new password').fill('Petrova-new-2');
  await shot(p, 'forced-change-en');
  await p.getByRole('button', { name: 'Change password' }).click();
  const c = await claims(p);
  assert.equal(c.acr, 'urn:vhod:acr:password');
  assert.deepEqual(p.violations, []);
});

test('English: recovery by email, and the same answer for an unknown address', async () => {
  const p = await page('en-US');
  await p.goto(`${rp}/start?client=shop&ui_locales=en`);
  await p.getByRole('link', { name: 'Forgot password?' }).click();
  await p.getByLabel('Phone, email or contract number').fill('nobody@example.com');
  await waitCaptcha(p, 'Check passed.');
  await p.getByRole('button', { name: 'Continue' }).click();
  const unknown = await p.getByRole('status').textContent();
  const q = await page('en-US');
  await q.goto(`${rp}/start?client=shop&ui_locales=en`);
  await q.getByRole('link', { name: 'Forgot password?' }).click();
  await q.getByLabel('Phone, email or contract number').fill('kuz@example.com');
  await waitCaptcha(q, 'Check passed.');
  await q.getByRole('button', { name: 'Continue' }).click();
  assert.equal(await q.getByRole('status').textContent(), unknown, 'neutral answer');
  const mail = await (await fetch(`${rp}/last-mail?to=kuz%40example.com`)).text();
  // The emailed link, opened in the same browser, fills the code in.
  await q.goto(mail.match(/https?:\/\/\S+\/recover\/\S+/)[0]);
  assert.equal(await q.getByLabel('Code from the email').inputValue(), mail.match(/password: (\d{6})/)[1]);
  await q.getByLabel('New password', { exact: true }).fill('Kuznetsov-new-2');
  await q.getByLabel('Repeat new password').fill('Kuznetsov-new-2');
  await q.getByRole('button', { name: 'Change password' }).click();
  await q.getByRole('status').filter({ hasText: 'Your password has been changed' }).waitFor();
  await q.getByRole('link', { name: 'Sign in' }).click();
  await q.getByLabel('Login').fill('kuz@example.com');
  await q.getByLabel('Password').fill('Kuznetsov-new-2');
  if (await q.locator('[data-altcha]').count()) await waitCaptcha(q, 'Check passed.');
  await q.getByRole('button', { name: 'Sign in' }).click();
  const c = await claims(q);
  assert.ok(c.sub);
  assert.deepEqual(q.violations, []);
});
