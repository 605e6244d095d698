// Browser tests of the account page's "Sign-in and security" section (issue
// 19): an authenticator app set up from the secret shown on the page with a
// code computed here (RFC 6238), recovery codes shown once, and a passkey
// registered with Chromium's virtual authenticator (CDP WebAuthn domain),
// renamed and removed. e2e/browser_factors_test.go starts Vhod with its issuer
// on http://localhost:PORT (a domain passkeys can be bound to) and a short
// sessions.reauth_within, and passes ISSUER.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { chromium } from 'playwright-core';
import { checkPage } from './checks.mjs';

const issuer = process.env.ISSUER;
// sessions.reauth_within of the Go test: long enough for the checks of every
// page (checks.mjs) between the sign-in and the last change that needs it.
const reauthWithinMs = 120_000;
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

// base32 decodes an RFC 4648 secret as authenticator apps read it.
function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of s.toUpperCase().replace(/[=\s]/g, '')) {
    const i = alphabet.indexOf(c);
    assert.ok(i >= 0, `not base32: ${c}`);
    value = ((value << 5) | i) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// totp is the code of an authenticator app (RFC 6238: HMAC-SHA1, 30-second
// steps, six digits) at time t.
function totp(secret, t = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 1000 / 30)));
  const h = createHmac('sha1', base32(secret)).update(counter).digest();
  const o = h[h.length - 1] & 0x0f;
  const n = (((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]) % 1_000_000;
  return String(n).padStart(6, '0');
}

test('the TOTP helper agrees with RFC 6238 (SHA-1 vector at 59 s)', () => {
  // RFC 6238 appendix B: secret "12345678901234567890", T=59 → 94287082 (8 digits); 6 digits → 287082.
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  assert.equal(totp(secret, 59_000), '287082');
});

// signIn opens the account pages and signs in with a password; lang picks the labels.
async function signIn(locale, login, password, words) {
  const p = await page(locale);
  await p.goto(`${issuer}/account`);
  await p.getByLabel(words.login).fill(login);
  await p.getByLabel(words.password).fill(password);
  await p.getByRole('button', { name: words.signIn, exact: true }).click();
  await p.getByRole('heading', { name: words.account }).waitFor();
  await checkPage(p, `account-${words.lang}`);
  return p;
}

// virtualAuthenticator gives the page's browser a platform authenticator that
// keeps discoverable credentials and verifies the user.
async function virtualAuthenticator(p) {
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { cdp, authenticatorId };
}

// enrolApp sets up an authenticator app and returns the recovery codes page's codes.
async function enrolApp(p, w) {
  await p.getByRole('button', { name: w.setUpApp }).click();
  await p.getByRole('heading', { name: w.setUpApp }).waitFor();
  await checkPage(p, `totp-setup-${w.lang}`);
  // The QR code is an image Vhod serves (the CSP allows no other).
  const qr = p.getByRole('img', { name: w.qrAlt });
  assert.equal(await qr.getAttribute('src'), '/account/security/totp/qr.png');
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'QR code loaded');
  const secret = (await p.getByLabel(w.secretLabel).textContent()).replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  // A wrong code is refused on the same page.
  const wrong = totp(secret) === '000000' ? '111111' : '000000';
  await p.getByLabel(w.codeLabel).fill(wrong);
  await p.getByRole('button', { name: w.confirm }).click();
  await p.getByRole('alert').filter({ hasText: w.wrongCode }).waitFor();
  await checkPage(p, `totp-wrong-code-${w.lang}`);
  await p.getByLabel(w.codeLabel).fill(totp(secret));
  await p.getByRole('button', { name: w.confirm }).click();
  await p.getByRole('heading', { name: w.saveCodes }).waitFor();
  await checkPage(p, `recovery-codes-${w.lang}`);
  const codes = await p.getByRole('list', { name: w.codesList }).locator('li').allTextContents();
  assert.equal(codes.length, 10);
  for (const c of codes) assert.match(c.trim(), /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
  assert.equal(new Set(codes).size, 10, 'codes differ');
  await p.getByRole('link', { name: w.saved }).click();
  await p.getByRole('heading', { name: w.section }).waitFor();
  await checkPage(p, `security-app-${w.lang}`);
  const body = await p.textContent('body');
  assert.ok(body.includes(w.appOn), 'app shown as set up');
  assert.ok(body.includes(w.tenLeft), 'ten codes left');
  for (const c of codes) assert.ok(!body.includes(c.trim()), 'codes are shown only once');
  return { codes: codes.map((c) => c.trim()), secret };
}

// stepUp answers "Confirm it's you": an account with a second factor changes
// its factors only from a sign-in that used one (a password alone is stepped
// up), here with a recovery code.
async function stepUp(p, w, code) {
  await p.getByRole('heading', { name: w.confirmItsYou }).waitFor();
  await p.getByText(w.recoverySummary).click();
  await p.getByLabel(w.recoveryLabel).fill(code);
  await p.getByRole('button', { name: w.recoveryButton }).click();
}

// addPasskey registers a passkey named name with the virtual authenticator.
async function addPasskey(p, w, name) {
  await p.getByLabel(w.passkeyName, { exact: true }).fill(name);
  await p.getByRole('button', { name: w.addPasskey }).click();
  await p.getByRole('status').filter({ hasText: w.passkeyAdded }).waitFor();
  await p.getByRole('listitem', { name }).waitFor();
  await checkPage(p, `passkey-added-${w.lang}`);
}

const en = {
  lang: 'en', login: 'Login', password: 'Password', signIn: 'Sign in', account: 'Your account', section: 'Sign-in and security',
  setUpApp: 'Set up an authenticator app', qrAlt: 'QR code for the authenticator app', secretLabel: 'Secret key',
  codeLabel: 'Code from the app', confirm: 'Confirm', wrongCode: 'The code is wrong', saveCodes: 'Save your recovery codes',
  codesList: 'Recovery codes', saved: 'I have saved the codes', appOn: 'An authenticator app confirms your sign-ins',
  tenLeft: '10 recovery codes left', passkeyName: 'Passkey name', addPasskey: 'Add a passkey', passkeyAdded: 'The passkey is added.',
  newName: 'New name', rename: 'Rename', renamed: 'The passkey is renamed.', remove: 'Remove', removeQuestion: 'Remove the passkey?',
  removeButton: 'Remove the passkey', removed: 'The passkey was removed.',
  confirmItsYou: "Confirm it's you", recoverySummary: 'No access to your app or phone? Use a recovery code',
  recoveryLabel: 'Recovery code', recoveryButton: 'Sign in with a recovery code',
};

const ru = {
  lang: 'ru', login: 'Логин', password: 'Пароль', signIn: 'Войти', account: 'Личный кабинет', section: 'Вход и защита',
  setUpApp: 'Подключить приложение-аутентификатор', qrAlt: 'QR-код для приложения-аутентификатора', secretLabel: 'Секретный ключ',
  codeLabel: 'Код из приложения', confirm: 'Подтвердить', wrongCode: 'Код неверен', saveCodes: 'Сохраните резервные коды',
  codesList: 'Резервные коды', saved: 'Я сохранил коды', appOn: 'Вход подтверждается кодом из приложения-аутентификатора',
  tenLeft: 'Осталось 10 резервных кодов', passkeyName: 'Название ключа', addPasskey: 'Добавить ключ доступа',
  passkeyAdded: 'Ключ доступа добавлен.', newName: 'Новое название', rename: 'Переименовать', renamed: 'Ключ доступа переименован.',
  remove: 'Удалить', removeQuestion: 'Удалить ключ доступа?', removeButton: 'Удалить ключ', removed: 'Ключ доступа удалён.',
  confirmItsYou: 'Подтвердите, что это вы', recoverySummary: 'Нет доступа к приложению и телефону? Введите резервный код',
  recoveryLabel: 'Резервный код', recoveryButton: 'Войти с резервным кодом',
};

test('English: an authenticator app, recovery codes once, a passkey added after the second factor, renamed and removed after a new sign-in', async () => {
  const p = await signIn('en-US', 'zaytsev', 'Zaytsev-pass-1', en);
  await p.getByRole('link', { name: en.section }).click();
  await p.getByRole('heading', { name: en.section }).waitFor();
  await checkPage(p, 'security-en');
  assert.equal(await p.getAttribute('html', 'lang'), 'en');
  const { codes } = await enrolApp(p, en);

  // The password-only session adds no passkey to an account with an app:
  // it is asked for the second factor first, and comes back to the section.
  const { cdp, authenticatorId } = await virtualAuthenticator(p);
  await p.getByLabel(en.passkeyName, { exact: true }).fill('Laptop');
  await p.getByRole('button', { name: en.addPasskey }).click();
  await stepUp(p, en, codes[0]);
  await p.getByRole('heading', { name: en.section }).waitFor();
  const signedIn = Date.now(); // the stepped-up session's sign-in was no later than this
  assert.equal(await p.getByRole('listitem', { name: 'Laptop' }).count(), 0);
  await addPasskey(p, en, 'Laptop');
  let { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0].isResidentCredential, true, 'a discoverable credential');
  assert.equal(credentials[0].rpId, new URL(issuer).hostname);
  const item = p.getByRole('listitem', { name: 'Laptop' });
  assert.match(await item.textContent(), /not used yet/);
  assert.match(await item.textContent(), /kept on one device/);

  await item.getByLabel(en.newName).fill('Work laptop');
  await item.getByRole('button', { name: en.rename }).click();
  await p.getByRole('status').filter({ hasText: en.renamed }).waitFor();
  await p.getByRole('listitem', { name: 'Work laptop' }).waitFor();
  await checkPage(p, 'passkey-renamed-en');

  // Removing needs a fresh sign-in: wait until this one is not, confirm, sign in again.
  const wait = signedIn + reauthWithinMs + 3_000 - Date.now();
  if (wait > 0) await p.waitForTimeout(wait);
  await p.getByRole('listitem', { name: 'Work laptop' }).getByRole('button', { name: en.remove, exact: true }).click();
  await p.getByRole('heading', { name: en.removeQuestion }).waitFor();
  await checkPage(p, 'confirm-passkey-remove-en');
  assert.match(await p.textContent('body'), /«Work\u00a0laptop»|«Work laptop»/);
  // Signing in again (prompt=login) with the second factor: the virtual
  // authenticator answers the sign-in page's passkey autofill at once (a
  // passkey with user verification is a sign-in of both factors).
  const signIns = [];
  p.on('request', (req) => { if (req.url().includes('/authorize?')) signIns.push(new URL(req.url()).searchParams); });
  await p.getByRole('button', { name: en.removeButton }).click();
  await p.getByRole('status').filter({ hasText: en.removed }).waitFor();
  assert.ok(signIns.some((q) => q.get('prompt') === 'login' && q.get('acr_values') === 'urn:vhod:acr:mfa'),
    'the stale session signed in again, with the second factor');
  assert.equal(await p.getByRole('listitem', { name: 'Work laptop' }).count(), 0);
  assert.match(await p.textContent('body'), /You have no passkeys yet\./);
  await checkPage(p, 'passkey-removed-en');
  ({ credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId }));
  assert.equal(credentials.length, 1, 'the authenticator keeps its copy; Vhod forgot it');
  assert.deepEqual(p.violations, []);
});

test('Russian: the first factor is a passkey (its recovery codes shown once), then an app; the passkey removed', async () => {
  const p = await signIn('ru-RU', 'belova', 'Belova-pass-1', ru);
  await p.getByRole('link', { name: ru.section }).click();
  await p.getByRole('heading', { name: ru.section }).waitFor();
  await checkPage(p, 'security-ru');
  assert.equal(await p.getAttribute('html', 'lang'), 'ru');
  assert.match(await p.textContent('body'), /Осталось 0 резервных кодов/);

  await virtualAuthenticator(p);
  await p.getByLabel(ru.passkeyName, { exact: true }).fill('Телефон');
  await p.getByRole('button', { name: ru.addPasskey }).click();
  // The first second factor brings the recovery codes, on a page of their own.
  await p.getByRole('heading', { name: ru.saveCodes }).waitFor();
  assert.match(await p.textContent('body'), /Ключ доступа добавлен\./);
  assert.equal(await p.getByRole('list', { name: ru.codesList }).locator('li').count(), 10);
  const codes = (await p.getByRole('list', { name: ru.codesList }).locator('li').allTextContents()).map((c) => c.trim());
  await checkPage(p, 'recovery-codes-passkey-ru');
  await p.getByRole('link', { name: ru.saved }).click();
  await p.getByRole('listitem', { name: 'Телефон' }).waitFor();
  await checkPage(p, 'security-passkey-ru');
  assert.match(await p.textContent('body'), /Осталось 10 резервных кодов/);

  // An app now, from a sign-in that used the passkey's account's second
  // factor (a recovery code here): no new codes (the account has them).
  await p.getByRole('button', { name: ru.setUpApp }).click();
  await stepUp(p, ru, codes[0]);
  await checkPage(p, 'totp-setup-ru');
  const secret = (await p.getByLabel(ru.secretLabel).textContent()).replace(/\s/g, '');
  await p.getByLabel(ru.codeLabel).fill(totp(secret));
  await p.getByRole('button', { name: ru.confirm }).click();
  await p.getByRole('status').filter({ hasText: 'Приложение-аутентификатор подключено.' }).waitFor();
  await checkPage(p, 'totp-added-ru');
  assert.equal(await p.getByRole('heading', { name: ru.saveCodes }).count(), 0);

  await p.getByRole('listitem', { name: 'Телефон' }).getByRole('button', { name: ru.remove, exact: true }).click();
  await p.getByRole('heading', { name: ru.removeQuestion }).waitFor();
  await checkPage(p, 'confirm-passkey-remove-ru');
  await p.getByRole('button', { name: ru.removeButton }).click();
  await p.getByRole('status').filter({ hasText: ru.removed }).waitFor();
  assert.match(await p.textContent('body'), /Ключей доступа пока нет\./);
  await checkPage(p, 'passkey-removed-ru');
  assert.deepEqual(p.violations, []);
});
