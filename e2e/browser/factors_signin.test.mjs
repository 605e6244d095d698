// Browser journeys of issue 19 that need both the account pages and the
// sign-in, through the relying party, in English and Russian: a passkey
// (Chromium's virtual authenticator, CDP WebAuthn domain) registered, used
// alone and as a second factor, refused when made on another origin, removed;
// an authenticator app enrolled from the secret on the page, a code accepted
// once, five wrong codes locking; recovery codes used once and mailed; a
// company requiring a second factor withheld from a member until they enrol
// and sign in with one. e2e/browser_factors_signin_test.go starts Vhod with
// its issuer on http://localhost:PORT and passes ISSUER and RP_URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { chromium } from 'playwright-core';
import { checkPage } from './checks.mjs';

const issuer = process.env.ISSUER;
const rp = process.env.RP_URL;
let browser;

// once checks a page that many steps pass through (checks.mjs), the first time only.
const checked = new Set();
async function once(p, name) {
  if (checked.has(name)) return;
  checked.add(name);
  await checkPage(p, name);
}

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
  p.setDefaultTimeout(15_000);
  p.violations = [];
  p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) p.violations.push(m.text()); });
  return p;
}

async function claims(p) {
  await shown(p, p.locator('#claims'));
  return JSON.parse(await p.textContent('#claims'));
}

// shown waits for what a step should bring; when it does not come, the
// failure says where the browser is and what it shows.
async function shown(p, locator) {
  try {
    await locator.waitFor();
  } catch (e) {
    const body = await p.textContent('body').catch(() => '');
    throw new Error(`${e.message}\nat ${p.url()}:\n${body.replace(/\s+/g, ' ').slice(0, 1500)}`);
  }
}

// words matches text as the pages set it, whichever spaces (non-breaking
// after short words) stand between its words.
const words = (text) => new RegExp(text.split(' ').map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+'));

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

const step = (t = Date.now()) => Math.floor(t / 1000 / 30);

// totp is the code of an authenticator app (RFC 6238: HMAC-SHA1, 30-second
// steps, six digits) of the step s.
function totp(secret, s = step()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(s));
  const h = createHmac('sha1', base32(secret)).update(counter).digest();
  const o = h[h.length - 1] & 0x0f;
  const n = (((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]) % 1_000_000;
  return String(n).padStart(6, '0');
}

test('the TOTP helper agrees with RFC 6238 (SHA-1 vector at 59 s)', () => {
  assert.equal(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', step(59_000)), '287082');
});

// app is an authenticator app: it gives codes of steps later than any given
// before (Vhod accepts a step once, the enrolment's too), waiting for the
// next step when needed.
function app(secret, used) {
  return {
    secret,
    async code(p) {
      while (step() <= used) await p.waitForTimeout(500);
      used = step();
      return totp(secret, used);
    },
    last() { return totp(secret, used); },
  };
}

// wrongCode is a well-formed code that is none of the app's codes near now.
function wrongCode(secret) {
  const near = new Set([-1, 0, 1].map((d) => totp(secret, step() + d)));
  for (let n = 123456; ; n++) if (!near.has(String(n))) return String(n);
}

const en = {
  lang: 'en', login: 'Login', password: 'Password', signIn: 'Sign in', account: 'Your account', section: 'Sign-in and security',
  setUpApp: 'Set up an authenticator app', secretLabel: 'Secret key', codeLabel: 'Code from the app', confirm: 'Confirm',
  saveCodes: 'Save your recovery codes', codesList: 'Recovery codes', saved: 'I have saved the codes',
  passkeyName: 'Passkey name', addPasskey: 'Add a passkey', passkeyAdded: 'The passkey is added.',
  alwaysAsk: 'Always ask for a second factor', alwaysOn: 'Every sign-in will ask for a second factor.',
  mfaTitle: "Confirm it's you", mfaCode: 'Code from your authenticator app', usePasskey: 'Use a passkey',
  wrong: 'That code did not work. Check it and try again.', locked: 'Too many wrong codes.',
  recoverySummary: 'No access to your app or phone? Use a recovery code', recoveryLabel: 'Recovery code',
  recoveryButton: 'Sign in with a recovery code', passkeyButton: 'Sign in with a passkey',
  passkeyRefused: 'The passkey was not accepted.', remove: 'Remove', removeQuestion: 'Remove the passkey?',
  removeButton: 'Remove the passkey', removed: 'The passkey was removed.',
};

const ru = {
  lang: 'ru', login: 'Логин', password: 'Пароль', signIn: 'Войти', account: 'Личный кабинет', section: 'Вход и защита',
  setUpApp: 'Подключить приложение-аутентификатор', secretLabel: 'Секретный ключ', codeLabel: 'Код из приложения',
  confirm: 'Подтвердить', saveCodes: 'Сохраните резервные коды', codesList: 'Резервные коды', saved: 'Я сохранил коды',
  alwaysAsk: 'Всегда спрашивать второй фактор', alwaysOn: 'Теперь при каждом входе будет спрашиваться второй фактор.',
  mfaTitle: 'Подтвердите, что это вы', mfaCode: 'Код из приложения-аутентификатора',
  wrong: 'Код не подошёл. Проверьте его и попробуйте ещё раз.', locked: 'Слишком много неверных кодов.',
};

// signIn signs in to the account pages with a password.
async function signIn(locale, login, password, w) {
  const p = await page(locale);
  await p.goto(`${issuer}/account`);
  await once(p, `account-signin-${w.lang}`);
  await p.getByLabel(w.login).fill(login);
  await p.getByLabel(w.password).fill(password);
  await p.getByRole('button', { name: w.signIn, exact: true }).click();
  await p.getByRole('heading', { name: w.account }).waitFor();
  await once(p, `account-${w.lang}`);
  return p;
}

// security opens the account's "Sign-in and security" section.
async function security(p, w) {
  await p.goto(`${issuer}/account/security`);
  await p.getByRole('heading', { name: w.section, level: 1 }).waitFor();
  await once(p, `security-${w.lang}`);
}

// enrolApp sets up an authenticator app from the secret shown on the page
// and returns it with the ten recovery codes shown once.
async function enrolApp(p, w) {
  await security(p, w);
  await p.getByRole('button', { name: w.setUpApp }).click();
  await once(p, `totp-setup-${w.lang}`);
  const secret = (await p.getByLabel(w.secretLabel).textContent()).replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  const s = step();
  await p.getByLabel(w.codeLabel).fill(totp(secret, s));
  await p.getByRole('button', { name: w.confirm }).click();
  await p.getByRole('heading', { name: w.saveCodes }).waitFor();
  await once(p, `recovery-codes-${w.lang}`);
  const codes = (await p.getByRole('list', { name: w.codesList }).locator('li').allTextContents()).map((c) => c.trim());
  assert.equal(codes.length, 10);
  await p.getByRole('link', { name: w.saved }).click();
  await p.getByRole('heading', { name: w.section, level: 1 }).waitFor();
  return { authenticator: app(secret, s), codes };
}

// alwaysAsk turns on "Always ask for a second factor". The account has a
// second factor and p's session only the password: the change waits for a
// sign-in that reaches the second factor (account/reauth.go), which confirm
// gives on the "Confirm it's you" page; back in the section, it is done.
async function alwaysAsk(p, w, confirm) {
  await security(p, w);
  await p.getByRole('button', { name: w.alwaysAsk }).click();
  await shown(p, p.getByRole('heading', { name: w.mfaTitle }));
  await once(p, `mfa-reauth-${w.lang}`);
  await confirm();
  await shown(p, p.getByRole('status').filter({ hasText: w.alwaysOn }));
  await once(p, `security-always-ask-${w.lang}`);
}

// withApp confirms a sign-in on the "Confirm it's you" page with the next code of the app a.
const withApp = (p, w, a) => async () => {
  await p.getByLabel(w.mfaCode).fill(await a.code(p));
  await p.getByRole('button', { name: w.confirm }).click();
};

// passwordAtRP starts a sign-in at the relying party and gives the password.
async function passwordAtRP(p, w, client, login, password, locale = 'en') {
  await p.goto(`${rp}/start?client=${client}&ui_locales=${locale}`);
  await once(p, `signin-${w.lang}`);
  await p.getByLabel(w.login).fill(login);
  await p.getByLabel(w.password).fill(password);
  await p.getByRole('button', { name: w.signIn, exact: true }).click();
}

// authenticator gives p's tab a virtual platform authenticator that keeps
// discoverable credentials and verifies the user (a PIN or a fingerprint),
// holding copies of creds.
async function authenticator(p, ...creds) {
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  for (const credential of creds) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
  return {
    async credentials() { return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials; },
    // remove takes the authenticator away from the tab (another, with a later copy, may take its place).
    async remove() { await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId }); },
  };
}

// Keys carries a passkey from one browser to the next: every copy starts its
// sign counter above all earlier uses, as one authenticator would (Vhod
// refuses a counter that goes back: a cloned key).
function keys(credential) {
  let counter = credential.signCount;
  return () => { counter += 100; return { ...credential, signCount: counter }; };
}

// withoutAutofill makes p's pages a browser that cannot offer passkeys as
// autofill (no conditional mediation): the page's script then begins no
// ceremony of its own, and only the button (or the test) does.
async function withoutAutofill(p) {
  await p.addInitScript(() => {
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
}

// passkeyButton opens the app's sign-in in a new browser without autofill,
// gives it an authenticator with credential and presses "Sign in with a
// passkey". The authenticator joins after the page's checks (checkPage resizes
// the window and runs axe): added before them, Chromium's virtual
// authenticator left the button's request unanswered.
async function passkeyButton(credential) {
  const p = await page('en-US');
  await withoutAutofill(p);
  await p.goto(`${rp}/start?client=shop&ui_locales=en`);
  await once(p, 'signin-passkey-en');
  await authenticator(p, credential);
  await p.getByRole('button', { name: en.passkeyButton }).click();
  return p;
}

function hasAll(list, ...want) { return want.every((v) => list.includes(v)); }

test('English: a passkey registered, alone through the app (acr mfa), a second factor after the password, refused on another origin, removed', async () => {
  const p = await signIn('en-US', 'lebedev', 'Lebedev-pass-1', en);
  await security(p, en);
  const device = await authenticator(p);
  await p.getByLabel(en.passkeyName, { exact: true }).fill('Laptop');
  await p.getByRole('button', { name: en.addPasskey }).click();
  await p.getByRole('heading', { name: en.saveCodes }).waitFor(); // the first second factor brings recovery codes
  await checkPage(p, 'recovery-codes-passkey-en');
  await p.getByRole('link', { name: en.saved }).click();
  await p.getByRole('listitem', { name: 'Laptop' }).waitFor();
  await checkPage(p, 'security-passkey-en');
  const [cred] = await device.credentials();
  assert.equal(cred.rpId, 'localhost');
  const copy = keys(cred);

  // The passkey alone, through the app, in a browser with no session: the
  // Login field offers it (conditional mediation), and the virtual
  // authenticator, holding one passkey for the site, answers at once.
  const q = await page('en-US');
  await authenticator(q, copy());
  await q.goto(`${rp}/start?client=shop&ui_locales=en`);
  let c = await claims(q);
  assert.equal(c.acr, 'urn:vhod:acr:mfa');
  assert.ok(c.amr.includes('hwk') || c.amr.includes('swk'), `amr ${c.amr}`);
  assert.ok(hasAll(c.amr, 'user', 'mfa'), `amr ${c.amr}`);
  assert.ok(!c.amr.includes('pwd'), `amr ${c.amr}`);
  assert.deepEqual(q.violations, []);
  // The same with the button, in a browser without passkey autofill.
  const q2 = await passkeyButton(copy());
  c = await claims(q2);
  assert.equal(c.acr, 'urn:vhod:acr:mfa');
  assert.ok(hasAll(c.amr, 'user', 'mfa'), `amr ${c.amr}`);
  assert.deepEqual(q2.violations, []);
  await security(p, en);
  assert.match(await p.getByRole('listitem', { name: 'Laptop' }).textContent(), /last used/);

  // The passkey as the second factor after the password. Turning that on
  // needs p's password-only session to reach the second factor first: the
  // passkey, from a copy whose counter is past the ones used above.
  await device.remove();
  await authenticator(p, copy());
  await alwaysAsk(p, en, () => p.getByRole('button', { name: en.usePasskey }).click());
  const r = await page('en-US');
  await passwordAtRP(r, en, 'shop', 'lebedev', 'Lebedev-pass-1');
  await r.getByRole('heading', { name: en.mfaTitle }).waitFor();
  await checkPage(r, 'mfa-passkey-en');
  assert.equal(await r.getByLabel(en.mfaCode).count(), 0, 'no app to ask a code of');
  await authenticator(r, copy());
  await r.getByRole('button', { name: en.usePasskey }).click();
  c = await claims(r);
  assert.equal(c.acr, 'urn:vhod:acr:mfa');
  assert.ok(hasAll(c.amr, 'pwd', 'mfa') && (c.amr.includes('hwk') || c.amr.includes('swk')), `amr ${c.amr}`);
  assert.deepEqual(r.violations, []);

  // An assertion made on another origin (the RP's, on localhost: the same RP
  // ID) is refused by Vhod; the same one made on Vhod's origin is not.
  const s = await page('en-US');
  await withoutAutofill(s); // the ceremony is the test's alone
  await s.goto(`${rp}/start?client=shop&ui_locales=en`);
  await s.getByRole('button', { name: en.passkeyButton }).waitFor();
  const elsewhere = await s.context().newPage();
  await authenticator(elsewhere, copy());
  const assertion = async (origin) => {
    const options = await s.evaluate(async () => {
      const box = document.getElementById('passkey');
      const token = box.querySelector('input[name=csrf_token]').value;
      const res = await fetch(box.dataset.begin, { method: 'POST', headers: { 'X-CSRF-Token': token, Accept: 'application/json' } });
      return res.json();
    });
    await elsewhere.goto(origin);
    return elsewhere.evaluate(getAssertion, options);
  };
  const submit = (credential) => s.evaluate((v) => {
    const form = document.querySelector('#passkey form');
    form.elements.credential.value = v;
    form.submit();
  }, credential);
  const foreign = await assertion(`${rp.replace('127.0.0.1', 'localhost')}/elsewhere`);
  assert.equal(JSON.parse(Buffer.from(JSON.parse(foreign).response.clientDataJSON, 'base64url')).origin,
    rp.replace('127.0.0.1', 'localhost'));
  // form.submit() returns before the navigation starts: wait for the answer
  // page itself, not for the load state of the page still shown.
  await submit(foreign);
  await s.getByText('The passkey was not accepted', { exact: false }).waitFor();
  assert.match(await s.textContent('body'), /The passkey was not accepted/);
  await checkPage(s, 'passkey-refused-en');
  assert.equal(await s.locator('#claims').count(), 0);
  await s.goBack();
  await s.getByRole('button', { name: en.passkeyButton }).waitFor();
  await submit(await assertion(`${issuer}/healthz`));
  c = await claims(s);
  assert.equal(c.acr, 'urn:vhod:acr:mfa');

  // The page on 127.0.0.1 while passkeys belong to localhost: the browser
  // will not use the passkey there, and the page says so.
  const t = await page('en-US');
  await authenticator(t, copy());
  await t.goto(`${issuer.replace('localhost', '127.0.0.1')}/account`);
  await t.getByRole('button', { name: en.passkeyButton }).click();
  await t.getByRole('status').filter({ hasText: en.passkeyRefused }).waitFor();
  await checkPage(t, 'account-passkey-refused-en');
  assert.equal(await t.getByRole('heading', { name: en.account }).count(), 0);

  // Removed (the session is fresh), it signs nobody in.
  await security(p, en);
  await p.getByRole('listitem', { name: 'Laptop' }).getByRole('button', { name: en.remove, exact: true }).click();
  await p.getByRole('heading', { name: en.removeQuestion }).waitFor();
  await checkPage(p, 'confirm-passkey-remove-en');
  await p.getByRole('button', { name: en.removeButton }).click();
  await p.getByRole('status').filter({ hasText: en.removed }).waitFor();
  await checkPage(p, 'passkey-removed-en');
  const u = await passkeyButton(copy());
  await shown(u, u.getByText(en.passkeyRefused).first());
  await checkPage(u, 'passkey-unknown-en');
  assert.equal(await u.locator('#claims').count(), 0);
  assert.deepEqual(p.violations, []);
});

// getAssertion runs in a page: navigator.credentials.get with Vhod's options,
// the answer as passkey.js sends it.
async function getAssertion(o) {
  const unb64u = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(s.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
  const b64u = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const pk = o.publicKey;
  pk.challenge = unb64u(pk.challenge);
  (pk.allowCredentials || []).forEach((c) => { c.id = unb64u(c.id); });
  const cred = await navigator.credentials.get({ publicKey: pk });
  const r = cred.response;
  return JSON.stringify({
    id: cred.id, rawId: b64u(cred.rawId), type: cred.type, authenticatorAttachment: cred.authenticatorAttachment || undefined,
    response: {
      clientDataJSON: b64u(r.clientDataJSON), authenticatorData: b64u(r.authenticatorData),
      signature: b64u(r.signature), userHandle: r.userHandle ? b64u(r.userHandle) : undefined,
    },
  });
}

test('English: an authenticator app from the page\'s secret; a code signs in once; wrong ones lock even the recovery codes', async () => {
  const p = await signIn('en-US', 'titov', 'Titov-pass-1', en);
  const { authenticator: a, codes } = await enrolApp(p, en);
  await alwaysAsk(p, en, withApp(p, en, a));

  const q = await page('en-US');
  await passwordAtRP(q, en, 'shop', 'titov', 'Titov-pass-1');
  await q.getByRole('heading', { name: en.mfaTitle }).waitFor();
  assert.match(await q.textContent('body'), words('You asked to be asked for a second factor every time'));
  await checkPage(q, 'mfa-en');
  await q.getByLabel(en.mfaCode).fill(await a.code(q));
  await q.getByRole('button', { name: en.confirm }).click();
  const c = await claims(q);
  assert.equal(c.acr, 'urn:vhod:acr:mfa');
  assert.ok(hasAll(c.amr, 'pwd', 'otp', 'mfa'), `amr ${c.amr}`);
  assert.deepEqual(q.violations, []);

  // The same code again, in another browser: refused (a replay is a wrong code).
  const r = await page('en-US');
  await passwordAtRP(r, en, 'shop', 'titov', 'Titov-pass-1');
  await r.getByLabel(en.mfaCode).fill(a.last());
  await r.getByRole('button', { name: en.confirm }).click();
  await r.getByRole('alert').filter({ hasText: en.wrong }).waitFor();
  await checkPage(r, 'mfa-wrong-en');
  // Four wrong codes more make five: then even a recovery code is refused.
  for (let i = 0; i < 4; i++) {
    await r.getByLabel(en.mfaCode).fill(wrongCode(a.secret));
    await r.getByRole('button', { name: en.confirm }).click();
    await r.getByRole('alert').filter({ hasText: en.wrong }).waitFor();
  }
  await r.getByText(en.recoverySummary).click();
  await r.getByLabel(en.recoveryLabel).fill(codes[0]);
  await r.getByRole('button', { name: en.recoveryButton }).click();
  await r.getByRole('alert').filter({ hasText: en.locked }).waitFor();
  await checkPage(r, 'mfa-recovery-locked-en');
  assert.equal(await r.locator('#claims').count(), 0);
  assert.deepEqual(r.violations, []);
});

test('Russian: five wrong codes lock the app, the right code then refused too', async () => {
  const p = await signIn('ru-RU', 'komarova', 'Komarova-pass-1', ru);
  const { authenticator: a } = await enrolApp(p, ru);
  await alwaysAsk(p, ru, withApp(p, ru, a));
  const q = await page('ru-RU');
  await passwordAtRP(q, ru, 'shop', 'komarova', 'Komarova-pass-1', 'ru');
  await q.getByRole('heading', { name: ru.mfaTitle }).waitFor();
  assert.equal(await q.getAttribute('html', 'lang'), 'ru');
  await checkPage(q, 'mfa-ru');
  for (let i = 0; i < 5; i++) {
    await q.getByLabel(ru.mfaCode).fill(wrongCode(a.secret));
    await q.getByRole('button', { name: ru.confirm }).click();
    await q.getByRole('alert').filter({ hasText: ru.wrong }).waitFor();
    if (i === 0) await checkPage(q, 'mfa-wrong-ru');
  }
  await q.getByLabel(ru.mfaCode).fill(await a.code(q));
  await q.getByRole('button', { name: ru.confirm }).click();
  await q.getByRole('alert').filter({ hasText: ru.locked }).waitFor();
  await checkPage(q, 'mfa-locked-ru');
  assert.equal(await q.locator('#claims').count(), 0);
  assert.deepEqual(q.violations, []);
});

test('English: a recovery code signs in once in place of the app, and the person is mailed', async () => {
  const p = await signIn('en-US', 'zhukov', 'Zhukov-pass-1', en);
  const { authenticator: a, codes } = await enrolApp(p, en);
  await alwaysAsk(p, en, withApp(p, en, a));
  const use = async (code) => {
    const q = await page('en-US');
    await passwordAtRP(q, en, 'shop', 'zhukov', 'Zhukov-pass-1');
    await shown(q, q.getByRole('heading', { name: en.mfaTitle }));
    await q.getByText(en.recoverySummary).click();
    await q.getByLabel(en.recoveryLabel).fill(code);
    await q.getByRole('button', { name: en.recoveryButton }).click();
    return q;
  };
  const q = await use(codes[3]);
  const c = await claims(q);
  assert.equal(c.acr, 'urn:vhod:acr:mfa');
  assert.ok(hasAll(c.amr, 'pwd', 'mfa'), `amr ${c.amr}`);
  const mail = await (await fetch(`${rp}/last-mail?to=zhukov%40example.com`)).text();
  assert.match(mail, /A recovery code was used|использован резервный код/i);
  await security(p, en);
  assert.match(await p.textContent('body'), /9 recovery codes left/);

  const r = await use(codes[3]);
  await r.getByRole('alert').filter({ hasText: en.wrong }).waitFor();
  await checkPage(r, 'mfa-recovery-used-en');
  assert.equal(await r.locator('#claims').count(), 0);
  assert.deepEqual(r.violations, []);
});

test('Russian: a company requiring a second factor is withheld from a member without one; after enrolment a stepped-up sign-in gets it with its roles', async () => {
  // The org admin sets the rule on the members page. A company's admin pages
  // ask of the admin's session what the company asks of its members
  // (account/orgadminpolicy.go): he sets up an app first, and his session
  // reaches it (turning "always ask" on steps it up), so that the members
  // page still opens to him once the rule is saved.
  const admin = await signIn('ru-RU', 'sergeev', 'Sergeev-pass-1', ru);
  const { authenticator: adminApp } = await enrolApp(admin, ru);
  await alwaysAsk(admin, ru, withApp(admin, ru, adminApp));
  await admin.goto(`${issuer}/account/companies/vasilek/members`);
  await checkPage(admin, 'members-signin-rule-ru');
  await admin.getByRole('radio', { name: 'Участники должны использовать второй фактор' }).check();
  await admin.getByRole('button', { name: 'Сохранить правило входа' }).click();
  await admin.getByRole('status').filter({ hasText: 'Правило входа участников сохранено.' }).waitFor();
  assert.match(await admin.textContent('body'), /karpova[\s\S]*Второй фактор: не подключён/);
  await checkPage(admin, 'members-signin-rule-saved-ru');

  // karpova has none: the company is shown greyed, not offered, and the app
  // gets no org for it.
  const k = await page('ru-RU');
  await passwordAtRP(k, ru, 'b2b', 'karpova', 'Karpova-pass-1', 'ru');
  await shown(k, k.getByRole('heading', { name: 'Выберите организацию' }));
  assert.ok(await k.getByRole('radio', { name: /Василёк/ }).isDisabled());
  assert.match(await k.textContent('body'), words('Требует второй фактор — настройте его в личном кабинете.'));
  await checkPage(k, 'org-choice-needs-mfa-ru');
  assert.deepEqual(k.violations, []);
  await k.getByRole('button', { name: 'Продолжить' }).click();
  let c = await claims(k);
  assert.equal(c.org, undefined, JSON.stringify(c));
  assert.equal(c.roles, undefined, JSON.stringify(c));

  // She enrols; the members page says so; a sign-in is stepped up for the company.
  const acc = await signIn('ru-RU', 'karpova', 'Karpova-pass-1', ru);
  const { authenticator: a } = await enrolApp(acc, ru);
  await admin.reload();
  assert.match(await admin.textContent('body'), /karpova[\s\S]*Второй фактор: приложение-аутентификатор/);
  await acc.goto(`${rp}/start?client=b2b&ui_locales=ru`);
  const choice = acc.getByRole('heading', { name: 'Выберите организацию' });
  const stepUp = acc.getByRole('heading', { name: ru.mfaTitle });
  await choice.or(stepUp).waitFor();
  if (await choice.count()) {
    await acc.getByRole('radio', { name: /Василёк/ }).check();
    await acc.getByRole('button', { name: 'Продолжить' }).click();
  }
  await stepUp.waitFor();
  assert.match(await acc.textContent('body'), words('Организация требует от сотрудников вход со вторым фактором'));
  await checkPage(acc, 'mfa-step-up-ru');
  await acc.getByLabel(ru.mfaCode).fill(await a.code(acc));
  await acc.getByRole('button', { name: ru.confirm }).click();
  c = await claims(acc);
  assert.equal(c.org?.id, 'vasilek', JSON.stringify(c));
  assert.equal(c.org?.inn, '7707083893');
  assert.deepEqual(c.roles, ['buyer']);
  assert.equal(c.acr, 'urn:vhod:acr:mfa');
  assert.deepEqual(acc.violations, []);
  assert.deepEqual(admin.violations, []);
});
