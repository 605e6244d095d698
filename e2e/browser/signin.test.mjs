// Browser tests of the sign-in and consent pages, in both languages, through a
// relying party. e2e/browser_test.go starts Vhod and the RP and passes RP_URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { checkPage } from './checks.mjs';

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
  await checkPage(p, 'password-ru');
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
  await checkPage(p, 'password-en');
  await p.getByLabel('Login').fill('ivanov');
  await p.getByLabel('Password').fill('wrong');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('alert').filter({ hasText: 'Wrong login or password.' }).waitFor();
  assert.equal(await p.getByLabel('Login').inputValue(), 'ivanov', 'typed login kept');
  await shot(p, 'password-en-error');
  await checkPage(p, 'password-en-error');
  await p.getByLabel('Password').fill('S3cure-pass!');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('button', { name: 'Allow' }).waitFor();
  assert.match(await p.textContent('body'), /Partner App/);
  await shot(p, 'consent-en');
  await checkPage(p, 'consent-en');
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
  await checkPage(p, 'consent-ru');
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
  await checkPage(p, 'phone-en');
  await p.getByLabel('Phone').fill('+7 909 000 00 00');
  await p.getByRole('button', { name: 'Send code' }).click();
  await p.getByRole('status').filter({ hasText: 'If this number is registered' }).waitFor();
  const sms = await (await fetch(`${rp}/last-sms?to=%2B79090000000`)).text();
  const code = sms.match(/\d{6}/)[0];
  await p.getByLabel('Code').fill(code);
  await shot(p, 'phone-code-en');
  await checkPage(p, 'phone-code-en');
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
  await checkPage(p, 'captcha-en');
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
  await checkPage(p, 'signup-ru');
  await p.getByRole('button', { name: 'Зарегистрироваться' }).click();
  await p.getByRole('status').filter({ hasText: 'Мы отправили код' }).waitFor();
  await checkPage(p, 'signup-code-ru');
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
  await checkPage(p, 'locked-en');
  // Recovery by SMS: a temporary password, then a new one at sign-in.
  await p.getByRole('link', { name: 'Forgot password?' }).click();
  await checkPage(p, 'recovery-en');
  await p.getByLabel('Phone, email or contract number').fill('+79093333333');
  await waitCaptcha(p, 'Check passed.');
  await p.getByRole('button', { name: 'Continue' }).click();
  await p.getByRole('status').filter({ hasText: 'If this number is registered' }).waitFor();
  await checkPage(p, 'recovery-sent-en');
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
  await checkPage(p, 'forced-change-en');
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
  await checkPage(q, 'recovery-code-en');
  await q.getByLabel('New password', { exact: true }).fill('Kuznetsov-new-2');
  await q.getByLabel('Repeat new password').fill('Kuznetsov-new-2');
  await q.getByRole('button', { name: 'Change password' }).click();
  await q.getByRole('status').filter({ hasText: 'Your password has been changed' }).waitFor();
  await checkPage(q, 'recovery-done-en');
  await q.getByRole('link', { name: 'Sign in' }).click();
  await q.getByLabel('Login').fill('kuz@example.com');
  await q.getByLabel('Password').fill('Kuznetsov-new-2');
  if (await q.locator('[data-altcha]').count()) await waitCaptcha(q, 'Check passed.');
  await q.getByRole('button', { name: 'Sign in' }).click();
  const c = await claims(q);
  assert.ok(c.sub);
  assert.deepEqual(q.violations, []);
});

// vhodSign signs content with `vhod sign` and a fixture GOST key (OpenSSL-made),
// as a person without the plug-in would.
function vhodSign(content, who = 'director') {
  const f = process.env.FIXTURES;
  return execFileSync(process.env.VHOD_BIN, ['sign', '--key', `${f}/gost/${who}.key.pem`, '--cert', `${f}/gost/${who}.crt.pem`,
    '--chain', `${f}/gost/int-ca.crt.pem`, '--detached'], { input: content }).toString().trim();
}

test('English: sign in with a certificate by pasting a signature made with vhod sign', async () => {
  const p = await page('ru-RU');
  await p.goto(`${rp}/start?client=esign&ui_locales=en`);
  await p.getByRole('link', { name: 'Sign in with a certificate (e-signature)' }).click();
  await p.getByRole('heading', { name: 'The CryptoPro plug-in was not found' }).waitFor();
  await checkPage(p, 'certificate-en');
  const challenge = await p.getByLabel('Challenge').inputValue();
  assert.match(challenge, /^vhod-login:127\.0\.0\.1:\d+:\d{4}-\d\d-\d\dT[\d:]+Z:[A-Za-z0-9_-]{43}$/);
  // A signature of something else first: the page says which, and keeps the path open.
  await p.getByText('For experts: paste the signature').click();
  await p.getByLabel('Signature', { exact: true }).fill(vhodSign('vhod-login:an old challenge'));
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('alert').filter({ hasText: 'The signature is of another text' }).waitFor();
  await shot(p, 'certificate-en-error');
  await checkPage(p, 'certificate-en-error');
  const fresh = await p.getByLabel('Challenge').inputValue();
  assert.equal(fresh, challenge, 'the challenge survives a refused signature');
  await p.getByLabel('Signature', { exact: true }).fill(vhodSign(fresh));
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('button', { name: 'Create an account' }).waitFor();
  assert.match(await p.textContent('body'), /Петров Иван Сергеевич[\s\S]*565-591-361\u00a027/);
  await shot(p, 'certificate-confirm-en');
  await checkPage(p, 'certificate-confirm-en');
  await p.getByRole('button', { name: 'Create an account' }).click();
  const c = await claims(p);
  assert.equal(c.acr, 'urn:vhod:acr:qualified-certificate');
  assert.deepEqual(c.amr, ['swk']);
  assert.equal(c.snils, '56559136127');
  assert.match(c.cert.subject, /SNILS=56559136127/);
  assert.deepEqual(p.violations, []);
});

// fakeCadesPlugin stands in for CryptoPro's cadesplugin object (async API):
// one certificate in the store; SignCades hands the content to vhodSignB64,
// a function of the test, and checks the options the page set.
function fakeCadesPlugin() {
  const cert = {
    SubjectName: Promise.resolve('CN=Кузнецов Дмитрий Алексеевич, SN=Кузнецов, G=Дмитрий Алексеевич, C=RU'),
    ValidToDate: Promise.resolve('2036-01-01T00:00:00.000Z'),
    HasPrivateKey: () => Promise.resolve(true),
  };
  const objects = {
    'CAdESCOM.Store': () => ({
      Open: async () => {}, Close: async () => {},
      Certificates: Promise.resolve({ Count: Promise.resolve(1), Item: async () => cert }),
    }),
    'CAdESCOM.CPSigner': () => ({ propset_Certificate: async () => {}, propset_Options: async () => {} }),
    'CAdESCOM.CadesSignedData': () => {
      const s = {};
      return {
        propset_ContentEncoding: async (e) => { s.encoding = e; },
        propset_Content: async (c) => { s.content = c; },
        SignCades: async (signer, type, detached) => {
          if (s.encoding !== 1 || type !== 1 || detached !== true) throw new Error('unexpected signing options');
          return window.vhodSignB64(s.content);
        },
      };
    },
  };
  const plugin = Promise.resolve();
  Object.assign(plugin, {
    CAPICOM_CURRENT_USER_STORE: 2, CAPICOM_MY_STORE: 'My', CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED: 2,
    CAPICOM_CERTIFICATE_INCLUDE_CHAIN_EXCEPT_ROOT: 0, CADESCOM_BASE64_TO_BINARY: 1, CADESCOM_CADES_BES: 1,
    CreateObjectAsync: async (name) => objects[name](),
    async_spawn: (gen) => new Promise((resolve, reject) => {
      const it = gen();
      const step = (method, arg) => {
        let r;
        try { r = it[method](arg); } catch (e) { reject(e); return; }
        if (r.done) { resolve(r.value); return; }
        Promise.resolve(r.value).then((v) => step('next', v), (e) => step('throw', e));
      };
      step('next');
    }),
  });
  window.cadesplugin = plugin;
}

test('Russian: the CryptoPro plug-in lists the certificate and signs the challenge on a click', async () => {
  const p = await page('ru-RU');
  await p.exposeFunction('vhodSignB64', (b64) => vhodSign(Buffer.from(b64, 'base64'), 'employee'));
  await p.addInitScript(fakeCadesPlugin);
  await p.goto(`${rp}/start?client=esign`);
  await p.getByRole('link', { name: 'Войти по сертификату (электронной подписи)' }).click();
  await p.getByLabel('Ваш сертификат').waitFor();
  assert.equal(await p.getByRole('heading', { name: 'Плагин КриптоПро не найден' }).isVisible(), false);
  assert.match(await p.getByLabel('Ваш сертификат').textContent(), /Кузнецов Дмитрий Алексеевич/);
  await shot(p, 'certificate-plugin-ru');
  await checkPage(p, 'certificate-plugin-ru');
  await p.getByRole('button', { name: 'Подписать выбранным сертификатом' }).click();
  await p.getByRole('button', { name: 'Создать учётную запись' }).click();
  const c = await claims(p);
  assert.equal(c.acr, 'urn:vhod:acr:qualified-certificate');
  assert.equal(c.snils, '48039378717');
  assert.deepEqual(p.violations, []);
});

test('Russian: a person of two companies chooses one at sign-in; select_account asks again', async () => {
  const p = await page('ru-RU');
  await p.goto(`${rp}/start?client=b2b`);
  await p.getByLabel('Логин').fill('sergeev');
  await p.getByLabel('Пароль').fill('Sergeev-pass-1');
  await p.getByRole('button', { name: 'Войти' }).click();
  await p.getByRole('button', { name: 'Продолжить' }).waitFor();
  assert.match(await p.textContent('h1'), /Выберите организацию/);
  await shot(p, 'org-choice-ru');
  await checkPage(p, 'org-choice-ru');
  await p.getByLabel(/ООО\s«Василёк»/).check();
  await p.getByRole('button', { name: 'Продолжить' }).click();
  let c = await claims(p);
  assert.equal(c.org.id, 'vasilek');
  assert.equal(c.org.inn, '7707083893');
  assert.deepEqual(c.roles, ['org_admin', 'accountant']);
  assert.equal(c.orgs.length, 2);
  // The same browser: the choice is remembered; select_account asks again.
  await p.goto(`${rp}/start?client=b2b`);
  c = await claims(p);
  assert.equal(c.org.id, 'vasilek');
  await p.goto(`${rp}/start?client=b2b&prompt=select_account`);
  await p.getByLabel(/ООО\s«Ромашка»/).check();
  await p.getByRole('button', { name: 'Продолжить' }).click();
  c = await claims(p);
  assert.equal(c.org.id, 'romashka');
  assert.deepEqual(c.roles, ['buyer']);
  assert.deepEqual(p.violations, []);
});

const issuer = process.env.ISSUER;

// signInToAccount opens the account pages in English and signs in with a password.
// The sign-in form and each person's account page are checked the first time.
const accountChecked = new Set();
async function signInToAccount(login, password) {
  const p = await page('en-US');
  await p.goto(`${issuer}/account`);
  if (accountChecked.size === 0) await checkPage(p, 'account-signin-en');
  await p.getByLabel('Login').fill(login);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Your account' }).waitFor();
  if (!accountChecked.has(login)) await checkPage(p, `account-en-${login}`);
  accountChecked.add(login);
  return p;
}

async function lastCode(to) {
  for (let i = 0; i < 50; i++) {
    const r = await fetch(`${rp}/last-mail?to=${encodeURIComponent(to)}`);
    if (r.ok) {
      const m = /\b(\d{6})\b/.exec(await r.text());
      if (m) return m[1];
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no code mailed to ${to}`);
}

test('English: register a company from the registry, approval, joining, roles in tokens, removal', async () => {
  // The entrepreneur registers her business; the registry stand-in fills it in.
  const a = await signInToAccount('sidorova', 'Sidorova-pass-1');
  await a.getByRole('link', { name: 'Companies' }).click();
  await checkPage(a, 'companies-en');
  await a.getByRole('link', { name: 'Register a company' }).click();
  await checkPage(a, 'company-inn-en');
  await a.getByLabel('INN', { exact: true }).fill('500371521396');
  await a.getByRole('button', { name: 'Next' }).click();
  await a.getByText('Filled in from the state register').waitFor();
  assert.equal(await a.getByLabel('Short name').inputValue(), 'ИП Сидорова Анна Викторовна');
  await shot(a, 'company-general-en');
  await checkPage(a, 'company-general-en');
  await a.getByRole('button', { name: 'Next' }).click();
  await checkPage(a, 'company-bank-en');
  await a.getByLabel('BIK').fill('044525225');
  await a.getByRole('button', { name: 'Fill in by BIK' }).click();
  assert.equal(await a.getByLabel('Correspondent account').inputValue(), '30101810400000000225');
  await a.getByLabel('Settlement account').fill('40702810938000012345');
  await a.getByRole('button', { name: 'Next' }).click();
  assert.equal(await a.getByLabel('Postcode').first().inputValue(), '142100');
  await a.getByLabel('Street').first().fill('ул. Ленина');
  await a.getByLabel('House, block, building').first().fill('д. 1');
  await a.getByLabel('Office, room, flat').first().fill('кв. 2');
  await checkPage(a, 'company-addresses-en');
  await a.getByLabel('Same as legal').first().check();
  await a.getByLabel('Same as legal').last().check();
  await a.getByRole('button', { name: 'Next' }).click();
  await checkPage(a, 'company-contacts-en');
  await a.getByLabel('Contact person', { exact: true }).fill('Сидорова Анна');
  await a.getByLabel('Company email (a code will be sent to it)').fill('office@ip.example');
  await a.getByRole('button', { name: 'Next' }).click();
  await checkPage(a, 'company-review-en');
  await a.getByRole('button', { name: 'Submit' }).click();
  await checkPage(a, 'company-code-en');
  await a.getByLabel('Code from the email').fill(await lastCode('office@ip.example'));
  await a.getByRole('button', { name: 'Confirm' }).click();
  await a.getByText('A moderator will check it').waitFor();
  await checkPage(a, 'company-submitted-en');

  // The moderator approves it.
  const m = await signInToAccount('modr', 'Moderator-pass-1');
  await m.getByRole('link', { name: 'Moderation' }).click();
  await shot(m, 'moderation-en');
  await checkPage(m, 'moderation-en');
  await m.getByRole('button', { name: 'Approve ИП Сидорова Анна Викторовна' }).click();
  await m.getByText('Approved.').waitFor();
  await checkPage(m, 'moderation-approved-en');

  // An employee asks to join; the org admin approves and grants a role.
  const e = await signInToAccount('orlova', 'Orlova-pass-1');
  await e.goto(`${issuer}/account/companies/join`);
  await checkPage(e, 'join-en');
  await e.getByLabel('INN of the company').fill('500371521396');
  await e.getByRole('button', { name: 'Ask to join' }).click();
  await e.getByText('Your request has been sent').waitFor();
  await checkPage(e, 'join-sent-en');
  await a.goto(`${issuer}/account/companies`);
  await a.getByRole('link', { name: 'Members and roles' }).click();
  // Roles are ticked in the approval itself (issue 18: no member without roles).
  await a.locator('fieldset', { hasText: 'orlova' }).getByLabel('Buyer').check();
  await checkPage(a, 'members-request-en');
  await a.getByRole('button', { name: 'Approve orlova' }).click();
  await a.getByText('Approved.').waitFor();
  await a.locator('fieldset', { hasText: 'orlova' }).getByLabel('Buyer').check();
  await a.getByRole('button', { name: 'Save roles of orlova' }).click();
  await a.getByText('Roles saved.').waitFor();
  await shot(a, 'members-en');
  await checkPage(a, 'members-en');

  // The relying app sees the company and the role, in the ID token and in userinfo.
  await e.goto(`${rp}/start?client=b2b`);
  let c = await claims(e);
  assert.equal(c.org.inn, '500371521396');
  assert.deepEqual(c.roles, ['buyer']);
  const ui = JSON.parse(await e.textContent('#userinfo'));
  assert.equal(ui.org.inn, '500371521396');
  assert.deepEqual(ui.roles, ['buyer']);

  // Unticking every role ends the membership, after a page that says so:
  // "Cancel" leaves the member as they were, the page's button removes them.
  await a.locator('fieldset', { hasText: 'orlova' }).getByLabel('Buyer').uncheck();
  await a.getByRole('button', { name: 'Save roles of orlova' }).click();
  await a.getByRole('heading', { name: 'Remove the member?' }).waitFor();
  await a.getByText('will be removed from ИП Сидорова').waitFor();
  await shot(a, 'confirm-member-remove-en');
  await checkPage(a, 'confirm-member-remove-en');
  await a.getByRole('link', { name: 'Cancel' }).click();
  assert.ok(await a.locator('fieldset', { hasText: 'orlova' }).getByLabel('Buyer').isChecked());
  await a.locator('fieldset', { hasText: 'orlova' }).getByLabel('Buyer').uncheck();
  await a.getByRole('button', { name: 'Save roles of orlova' }).click();
  await a.getByRole('button', { name: 'Remove the member' }).click();
  await a.getByText('The member is removed.').waitFor();
  await e.goto(`${rp}/start?client=b2b`);
  c = await claims(e);
  assert.equal(c.org, undefined);
  assert.deepEqual(c.orgs, []);
  for (const p of [a, m, e]) assert.deepEqual(p.violations, []);
});

test('Russian: the accountant signs in by contract with the PIN the org admin set', async () => {
  const admin = await page('ru-RU');
  await admin.goto(`${issuer}/account`);
  await admin.getByLabel('Логин').fill('sergeev');
  await admin.getByLabel('Пароль').fill('Sergeev-pass-1');
  await admin.getByRole('button', { name: 'Войти' }).click();
  await admin.goto(`${issuer}/account/companies/vasilek/members`);
  await checkPage(admin, 'members-ru');
  await admin.getByLabel('Номер договора').fill('В-77');
  await admin.getByLabel('PIN-код для бухгалтера (от 6 до 12 цифр)').fill('135790');
  await admin.getByRole('button', { name: 'Задать PIN-код' }).click();
  await admin.getByText('PIN задан.').waitFor();
  await checkPage(admin, 'members-pin-ru');

  const p = await page('ru-RU');
  await p.goto(`${rp}/start?client=b2b`);
  await p.getByRole('link', { name: 'По договору (для бухгалтера)' }).click();
  await checkPage(p, 'contract-empty-ru');
  await p.getByLabel('ИНН организации').fill('7707083893');
  await p.getByLabel('Номер договора').fill('В-77');
  await p.getByLabel('PIN-код').fill('135790');
  await shot(p, 'contract-ru');
  await checkPage(p, 'contract-ru');
  await p.getByRole('button', { name: 'Войти' }).click();
  const c = await claims(p);
  assert.equal(c.org.id, 'vasilek');
  assert.deepEqual(c.roles, ['accountant']);
  assert.deepEqual(p.violations, []);
});

test('English: an operator creates a client in the console that a relying app then signs in with', async () => {
  const o = await signInToAccount('root', 'Root-pass-123');
  await o.getByRole('link', { name: 'Console' }).click();
  await checkPage(o, 'console-en');
  await o.getByRole('link', { name: 'Clients' }).click();
  await checkPage(o, 'console-clients-en');
  await o.getByLabel('Client ID').fill('crm');
  await o.getByLabel('Name', { exact: true }).fill('CRM');
  await o.getByLabel('Redirect URIs (one per line)').fill(`${rp}/callback/crm`);
  await o.getByLabel('First party (no consent page)').check();
  await o.getByRole('button', { name: 'Create client' }).click();
  await o.getByText('The client is created.').waitFor();
  await shot(o, 'console-client-en');
  await checkPage(o, 'console-client-en');
  const secret = await o.getByLabel('Client secret — copy it now, it is not shown again').inputValue();
  assert.ok(secret.length >= 32);
  const r = await fetch(`${rp}/register-client?id=crm&secret=${encodeURIComponent(secret)}`);
  assert.ok(r.ok);

  const u = await page('en-US');
  await u.goto(`${rp}/start?client=crm&ui_locales=en`);
  await u.getByLabel('Login').fill('sergeev');
  await u.getByLabel('Password').fill('Sergeev-pass-1');
  await u.getByRole('button', { name: 'Sign in' }).click();
  const c = await claims(u);
  assert.deepEqual([c.aud].flat(), ['crm']);
  assert.equal(c.email, undefined); // only openid was asked

  // The change is in the audit log, marked as made in the console.
  await o.getByRole('link', { name: 'Audit log' }).click();
  await o.getByLabel('Client ID').fill('crm');
  await o.getByRole('button', { name: 'Find' }).click();
  // A row of the log's table: the action in words, the app by its name.
  await o.getByRole('row').filter({ hasText: 'App settings changed' }).filter({ hasText: 'App: CRM' })
    .filter({ hasText: 'succeeded' }).filter({ hasText: 'change=created · via=console' }).waitFor();
  await checkPage(o, 'audit-en');
  for (const p of [o, u]) assert.deepEqual(p.violations, []);
});

test('Russian: a moderator decides join requests from the queue linked in the console', async () => {
  for (const [login, password, inn] of [['frolov', 'Frolov-pass-1', '7728824599'], ['gromova', 'Gromova-pass-1', '7707083893']]) {
    const e = await signInToAccount(login, password);
    await e.goto(`${issuer}/account/companies/join`);
    await e.getByLabel('INN of the company').fill(inn);
    await e.getByRole('button', { name: 'Ask to join' }).click();
    await e.getByText('Your request has been sent').waitFor();
  }
  const m = await page('ru-RU');
  await m.goto(`${issuer}/account`);
  await m.getByLabel('Логин').fill('modr');
  await m.getByLabel('Пароль').fill('Moderator-pass-1');
  await m.getByRole('button', { name: 'Войти' }).click();
  await m.getByRole('link', { name: 'Консоль' }).click();
  // A moderator's console holds the queue, not the operator's sections.
  assert.equal(await m.getByRole('link', { name: 'Клиенты' }).count(), 0);
  await checkPage(m, 'console-moderator-ru');
  await m.getByRole('link', { name: 'Организации и заявки на вступление, ожидающие решения' }).click();
  await shot(m, 'moderation-queue-ru');
  await checkPage(m, 'moderation-queue-ru');
  await m.getByRole('button', { name: 'Одобрить frolov' }).click();
  await m.getByText('Одобрено.').waitFor();
  await m.getByLabel('Причина (придёт заявителю)').last().fill('Нет доверенности от организации');
  await m.getByRole('button', { name: 'Отклонить gromova' }).click();
  await m.getByText('Отклонено.').waitFor();
  await checkPage(m, 'moderation-decided-ru');
  assert.equal(await m.getByRole('button', { name: /gromova|frolov/ }).count(), 0);

  // The decisions reach the people: frolov is a member, gromova is told why not.
  const f = await signInToAccount('frolov', 'Frolov-pass-1');
  await f.goto(`${issuer}/account/companies`);
  await f.getByText('ООО «Ромашка»').waitFor();
  assert.match(await f.textContent('main'), /ООО\u00a0«Ромашка»[^]*Active/);
  await checkPage(f, 'companies-member-en');
  const g = await signInToAccount('gromova', 'Gromova-pass-1');
  await g.goto(`${issuer}/account/companies`);
  assert.match(await g.textContent('main'), /Нет доверенности от организации/);
  await checkPage(g, 'companies-rejected-en');
  for (const p of [m, f, g]) assert.deepEqual(p.violations, []);
});

test('Russian: leaving a company asks first, in plain words, and "Отмена" keeps the membership', async () => {
  const f = await page('ru-RU');
  await f.goto(`${issuer}/account`);
  await f.getByLabel('Логин').fill('frolov');
  await f.getByLabel('Пароль').fill('Frolov-pass-1');
  await f.getByRole('button', { name: 'Войти' }).click();
  await f.getByRole('heading', { name: 'Личный кабинет' }).waitFor();
  await checkPage(f, 'account-ru');
  await f.goto(`${issuer}/account/companies`);
  assert.equal(await f.getByRole('button', { name: 'Выйти', exact: true }).count(), 0);
  await checkPage(f, 'companies-ru');
  await f.getByRole('button', { name: 'Покинуть организацию' }).click();
  await f.getByRole('heading', { name: 'Покинуть организацию?' }).waitFor();
  await f.getByText('Вы покинете организацию ООО\u00a0«Ромашка»: приложения больше не увидят').waitFor();
  await shot(f, 'confirm-leave-ru');
  await checkPage(f, 'confirm-leave-ru');
  await f.getByRole('link', { name: 'Отмена' }).click();
  assert.match(await f.textContent('main'), /ООО\u00a0«Ромашка»[^]*Действует/);
  await f.getByRole('button', { name: 'Покинуть организацию' }).click();
  await f.getByRole('button', { name: 'Покинуть организацию' }).click();
  await f.getByText('Вы покинули организацию.').waitFor();
  await checkPage(f, 'companies-left-ru');
  assert.equal(await f.getByRole('button', { name: 'Покинуть организацию' }).count(), 0);
  assert.deepEqual(f.violations, []);
});

test('English: signing out frames the app\'s front-channel logout page, lists the app and returns to it', async () => {
  const p = await page('en-US');
  await p.goto(`${rp}/start?client=shop&ui_locales=en`);
  await p.getByLabel('Login').fill('gromova');
  await p.getByLabel('Password').fill('Gromova-pass-1');
  await p.getByRole('button', { name: 'Sign in' }).click();
  const signedIn = await claims(p);
  const q = new URLSearchParams({ client_id: 'shop', post_logout_redirect_uri: `${rp}/bye`, state: 'bye', ui_locales: 'en' });
  await p.goto(`${process.env.ISSUER}/end_session?${q}`);
  // Without an id_token_hint Vhod asks first (RP-Initiated Logout 1.0 §6).
  await p.getByRole('heading', { name: 'Sign out of Vhod?' }).waitFor();
  await p.getByText('“Shop” asks to end your Vhod session.').waitFor();
  await shot(p, 'logout-confirm-en');
  await checkPage(p, 'logout-confirm-en');
  const landed = p.waitForURL(`${rp}/bye?state=bye`);
  await p.getByRole('button', { name: 'Sign out' }).click();
  await landed;
  assert.equal(await p.textContent('#bye'), 'bye');
  const hits = await (await fetch(`${rp}/frontchannel-hits`)).json();
  const hit = new URLSearchParams(hits.at(-1));
  assert.equal(hit.get('app'), 'shop');
  assert.equal(hit.get('sid'), signedIn.sid);
  assert.equal(hit.get('iss'), process.env.ISSUER);
  assert.deepEqual(p.violations, []);
});

test('English: the end-session page without a way back lists the apps signed out', async () => {
  const p = await page('en-US');
  await p.goto(`${rp}/start?client=shop&ui_locales=en`);
  await p.getByLabel('Login').fill('gromova');
  await p.getByLabel('Password').fill('Gromova-pass-1');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await claims(p);
  await p.goto(`${process.env.ISSUER}/end_session?ui_locales=en`);
  await p.getByRole('button', { name: 'Sign out' }).click();
  await p.getByText('You have been signed out of:').waitFor();
  assert.equal(await p.textContent('ul.signed-out li'), 'Shop');
  await shot(p, 'logged-out-en');
  await checkPage(p, 'logged-out-en');
  assert.deepEqual(p.violations, []);
});

test('Russian: "Остаться" on the sign-out question keeps the session', async () => {
  const p = await page('ru-RU');
  await p.goto(`${rp}/start?client=shop`);
  await p.getByLabel('Логин').fill('gromova');
  await p.getByLabel('Пароль').fill('Gromova-pass-1');
  await p.getByRole('button', { name: 'Войти' }).click();
  await claims(p);
  await p.goto(`${process.env.ISSUER}/end_session`);
  await p.getByRole('heading', { name: 'Выйти из «Входа»?' }).waitFor();
  await p.getByRole('button', { name: 'Выйти' }).waitFor();
  await shot(p, 'logout-confirm-ru');
  await checkPage(p, 'logout-confirm-ru');
  await p.getByRole('button', { name: 'Остаться' }).click();
  await p.getByText('Вы по-прежнему в системе. Окно можно закрыть.').waitFor();
  await checkPage(p, 'logout-stayed-ru');
  // Still signed in: the next sign-in needs no password.
  await p.goto(`${rp}/start?client=shop&prompt=none`);
  assert.ok((await claims(p)).sub);
  assert.deepEqual(p.violations, []);
});

test('English: response_mode=form_post answers by a form that submits itself under the CSP', async () => {
  const p = await page('en-US');
  await p.goto(`${rp}/start?client=shop&ui_locales=en&response_mode=form_post`);
  await p.getByLabel('Login').fill('gromova');
  await p.getByLabel('Password').fill('Gromova-pass-1');
  await p.getByRole('button', { name: 'Sign in' }).click();
  const c = await claims(p);
  assert.equal(await p.textContent('#method'), 'POST');
  assert.deepEqual([c.aud].flat(), ['shop']);
  assert.deepEqual(p.violations, []);
});

test('Russian: a TV signs in by the device flow: the person types the code, allows the app, the TV gets tokens', async () => {
  const issuer = process.env.ISSUER;
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const d = await (await fetch(`${issuer}/device_authorization`, { method: 'POST', headers: form,
    body: new URLSearchParams({ client_id: 'tv', scope: 'openid profile' }) })).json();
  const poll = async () => (await fetch(`${issuer}/oauth/token`, { method: 'POST', headers: form,
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: d.device_code, client_id: 'tv' }) })).json();
  assert.equal((await poll()).error, 'authorization_pending');
  const p = await page('ru-RU');
  await p.goto(d.verification_uri);
  await checkPage(p, 'device-signin-ru');
  await p.getByLabel('Логин').fill('frolov');
  await p.getByLabel('Пароль').fill('Frolov-pass-1');
  await p.getByRole('button', { name: 'Войти' }).click();
  await checkPage(p, 'device-code-ru');
  await p.getByLabel('Код с устройства').fill(d.user_code.toLowerCase());
  await p.getByRole('button', { name: 'Продолжить' }).click();
  await p.getByText('«Smart TV» на вашем устройстве просит доступ к:').waitFor();
  await shot(p, 'device-ru');
  await checkPage(p, 'device-ru');
  await p.getByRole('button', { name: 'Разрешить' }).click();
  await p.getByText('Готово: «Smart TV» вошло. Вернитесь к устройству.').waitFor();
  await checkPage(p, 'device-done-ru');
  const t = await poll();
  assert.ok(t.access_token, JSON.stringify(t));
  assert.ok(t.id_token);
  assert.equal((await poll()).error, 'invalid_grant');
  assert.deepEqual(p.violations, []);
});
