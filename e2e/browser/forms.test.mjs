// Browser tests of the forms that help (issue 18, items 6 and 7), in ru and
// en: sign-up refusals at their fields, the policy link, the account page's
// sections and first password, and certificate sign-in without the CryptoPro
// plug-in. e2e/browser_forms_test.go starts Vhod (with certauth.install links
// and registration.privacy_policy_url) and the RP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPage } from './checks.mjs';

const rp = process.env.RP_URL;
const issuer = process.env.ISSUER;
const fixtures = process.env.FIXTURES;
const shots = process.env.SCREENSHOT_DIR;
const work = mkdtempSync(join(tmpdir(), 'vhod-forms-'));
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => { await browser?.close(); });

// page opens a fresh context (own cookies, downloads allowed) and records CSP violations.
async function page(locale) {
  const ctx = await browser.newContext({ locale, acceptDownloads: true });
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

// signFile signs a file's bytes with `vhod sign` and a fixture GOST key, and
// writes the signature as DER to a .p7s file, as КриптоАРМ or cryptcp -der would.
function signFile(content, who, name) {
  const b64 = execFileSync(process.env.VHOD_BIN, ['sign', '--key', `${fixtures}/gost/${who}.key.pem`,
    '--cert', `${fixtures}/gost/${who}.crt.pem`, '--chain', `${fixtures}/gost/int-ca.crt.pem`, '--detached'], { input: content }).toString().trim();
  const path = join(work, name);
  writeFileSync(path, Buffer.from(b64, 'base64'));
  return path;
}

function vhodSign(content, who) {
  return readFileSync(signFile(content, who, `${who}-paste.p7s`)).toString('base64');
}

// fieldError is the refusal shown at the field with id.
async function fieldError(p, id) {
  const e = p.locator(`#${id}-error`);
  return (await e.count()) ? (await e.textContent()).trim() : '';
}

async function waitCaptcha(p, done) {
  await p.getByText(done).waitFor({ timeout: 60000 });
}

test('Russian: without the plug-in the page says how to install it; a signature file signs in; "У меня уже есть учётная запись" binds it', async () => {
  const p = await page('ru-RU');
  await p.goto(`${rp}/start?client=esign`);
  await p.getByRole('link', { name: 'Войти по сертификату (электронной подписи)' }).click();
  await p.getByRole('heading', { name: 'Плагин КриптоПро не найден' }).waitFor();
  assert.equal(await p.getByRole('link', { name: 'Скачать КриптоПро CSP' }).getAttribute('href'), 'https://pki.example/csp');
  assert.equal(await p.getByRole('link', { name: 'Скачать КриптоПро ЭЦП Browser plug-in' }).getAttribute('href'), 'https://pki.example/plugin');
  assert.equal(await p.getByRole('link', { name: 'Где взять программу для подписи' }).getAttribute('href'), 'https://pki.example/cryptoarm');
  // The experts' paste is folded away.
  assert.equal(await p.locator('#signature').isVisible(), false);
  await shot(p, 'forms-certificate-file-ru');
  await checkPage(p, 'certificate-file-ru');
  // The challenge as a file: the very text shown.
  const [download] = await Promise.all([p.waitForEvent('download'), p.locator('#challenge-download').click()]);
  const file = join(work, 'challenge-ru.txt');
  await download.saveAs(file);
  const challenge = readFileSync(file, 'utf8');
  assert.equal(challenge, await p.getByLabel('Строка для подписи').inputValue());
  assert.match(download.suggestedFilename(), /\.txt$/);
  await p.getByLabel('Файл подписи').setInputFiles(signFile(challenge, 'director', 'director.p7s'));
  await p.getByRole('button', { name: 'Войти' }).click();
  await p.getByRole('button', { name: 'Создать учётную запись' }).waitFor();
  assert.match(await p.textContent('body'), /Петров Иван Сергеевич/);
  await shot(p, 'forms-certificate-confirm-ru');
  await checkPage(p, 'certificate-confirm-ru');
  // I already have an account: sign in with the password, then bind.
  await p.getByRole('button', { name: 'У меня уже есть учётная запись' }).click();
  await checkPage(p, 'certificate-bind-signin-ru');
  await p.getByLabel('Логин').fill('petrova');
  await p.getByLabel('Пароль').fill('Petrova-pass-1');
  await p.getByRole('button', { name: 'Войти' }).click();
  await p.getByText('привязать его к учётной записи, в которую вы вошли').waitFor();
  await checkPage(p, 'certificate-bind-ru');
  await p.getByRole('button', { name: 'Продолжить' }).click();
  // petrova's confirmed phone is a second factor: a certificate joins her
  // account only after a sign-in that reached it (issue 19).
  await p.getByLabel('Пароль').fill('Petrova-pass-1');
  await p.getByRole('button', { name: 'Войти', exact: true }).click();
  await p.getByRole('button', { name: /Отправить код по\sSMS/ }).click();
  const sms = await (await fetch(`${rp}/last-sms?to=%2B79093333333`)).text();
  await p.getByLabel(/Код из\sSMS/).fill(sms.match(/\d{6}/)[0]);
  await p.getByRole('button', { name: 'Подтвердить' }).click();
  await p.getByText('привязать его к учётной записи, в которую вы вошли').waitFor();
  await p.getByRole('button', { name: 'Продолжить' }).click();
  const c = await claims(p);
  assert.equal(c.acr, 'urn:vhod:acr:qualified-certificate');
  assert.deepEqual(p.violations, []);
  // petrova's password sign-in is the same person: the certificate joined her account.
  const q = await page('ru-RU');
  await q.goto(`${rp}/start?client=esign`);
  await q.getByLabel('Логин').fill('petrova');
  await q.getByLabel('Пароль').fill('Petrova-pass-1');
  await q.getByRole('button', { name: 'Войти' }).click();
  const again = await claims(q);
  assert.equal(again.sub, c.sub);
});

test('English: an OpenSSL-made file of another challenge is refused in words; the expert paste creates an account, which then sets a first password', async () => {
  const p = await page('en-US');
  await p.goto(`${rp}/start?client=esign&ui_locales=en`);
  await p.getByRole('link', { name: 'Sign in with a certificate (e-signature)' }).click();
  await p.getByRole('heading', { name: 'The CryptoPro plug-in was not found' }).waitFor();
  await checkPage(p, 'certificate-file-en');
  // A fixture vector (OpenSSL's GOST engine) signs the fixtures' challenge, not this one.
  await p.getByLabel('Signature file').setInputFiles(`${fixtures}/cms/gost-director-detached.der`);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('alert').filter({ hasText: 'The signature is of another text' }).waitFor();
  await shot(p, 'forms-certificate-refused-en');
  await checkPage(p, 'certificate-file-refused-en');
  await p.getByText('For experts: paste the signature').click();
  const challenge = await p.getByLabel('Challenge').inputValue();
  await p.getByLabel('Signature', { exact: true }).fill(vhodSign(challenge, 'employee'));
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('button', { name: 'I already have an account' }).waitFor();
  await checkPage(p, 'certificate-confirm-en');
  await p.getByRole('button', { name: 'Create an account' }).click();
  const c = await claims(p);
  assert.equal(c.acr, 'urn:vhod:acr:qualified-certificate');
  assert.deepEqual(p.violations, []);

  // The new account has no password: the account page sets a first one, no old one asked.
  await p.goto(`${issuer}/account?ui_locales=en`);
  await p.getByRole('heading', { name: 'Password', exact: true }).waitFor();
  assert.equal(await p.locator('input[name="old"]').count(), 0);
  await checkPage(p, 'account-no-password-en');
  await p.getByLabel('New password', { exact: true }).fill('Fir5t-password!');
  await p.getByLabel('Repeat new password').fill('Something-else-1');
  await p.getByRole('button', { name: 'Set the password' }).click();
  // The answer is in the password section, and the page is scrolled there.
  await p.locator('#password .alert').waitFor();
  assert.ok(p.url().endsWith('#password'), p.url());
  assert.ok(await p.locator('#password .alert').isVisible());
  await checkPage(p, 'account-first-password-error-en');
  await p.getByLabel('New password', { exact: true }).fill('Fir5t-password!');
  await p.getByLabel('Repeat new password').fill('Fir5t-password!');
  await p.getByRole('button', { name: 'Set the password' }).click();
  await p.locator('#password .notice').filter({ hasText: 'The password is set.' }).waitFor();
  await shot(p, 'forms-account-first-password-en');
  await checkPage(p, 'account-first-password-set-en');
  assert.equal(await p.locator('input[name="old"]').count(), 1);
  assert.deepEqual(p.violations, []);
});

test('Russian: sign-up states its rules first, shows every refusal at its field at once, keeps the ticks, links the policy', async () => {
  const p = await page('ru-RU');
  await p.goto(`${rp}/start?client=shop`);
  await p.getByRole('link', { name: 'Создать учётную запись' }).click();
  // The rules before any error.
  await p.getByText('Не короче 8 символов').waitFor();
  assert.equal(await p.getByRole('link', { name: 'Политика обработки персональных данных' }).getAttribute('href'), 'https://shop.example/privacy');
  assert.equal(await p.locator('.field-error').count(), 0);
  await checkPage(p, 'signup-rules-ru');
  await p.getByLabel('Телефон или электронная почта').fill('не телефон');
  await p.getByLabel('Пароль', { exact: true }).fill('Nov-account-8');
  await p.getByLabel('Повторите пароль').fill('Другой-пароль-8');
  await p.getByLabel('Я хочу получать новости и предложения').check();
  await waitCaptcha(p, 'Проверка пройдена.');
  await p.getByRole('button', { name: 'Зарегистрироваться' }).click();
  await p.getByRole('alert').filter({ hasText: 'Исправьте поля, отмеченные ниже.' }).waitFor();
  assert.match(await fieldError(p, 'identifier'), /Введите номер телефона или адрес электронной почты/);
  assert.equal(await fieldError(p, 'repeat'), 'Новые пароли не совпадают.');
  assert.match(await fieldError(p, 'consent_pd'), /Без согласия на обработку персональных данных/);
  assert.equal(await p.getByLabel('Телефон или электронная почта').getAttribute('aria-invalid'), 'true');
  assert.equal(await p.getByLabel('Телефон или электронная почта').inputValue(), 'не телефон');
  assert.ok(await p.getByLabel('Я хочу получать новости и предложения').isChecked(), 'news tick kept');
  await shot(p, 'forms-signup-errors-ru');
  await checkPage(p, 'signup-errors-ru');
  // Fix the identifier and the repeat, tick the consent: the consent stays ticked when
  // only the password is refused, and the password is not kept.
  await p.getByLabel('Телефон или электронная почта').fill('+7 909 555-44-33');
  await p.getByLabel('Пароль', { exact: true }).fill('short');
  await p.getByLabel('Повторите пароль').fill('short');
  await p.getByLabel('Я даю согласие на обработку моих персональных данных').check();
  await waitCaptcha(p, 'Проверка пройдена.');
  await p.getByRole('button', { name: 'Зарегистрироваться' }).click();
  await p.locator('#password-error').waitFor();
  assert.equal(await fieldError(p, 'identifier'), '');
  assert.ok(await p.getByLabel('Я даю согласие на обработку моих персональных данных').isChecked(), 'consent kept');
  assert.equal(await p.getByLabel('Пароль', { exact: true }).inputValue(), '');
  await checkPage(p, 'signup-password-error-ru');
  assert.deepEqual(p.violations, []);
});

test('English: sign-up keeps an accepted password when only the consent is missing, then sends the code', async () => {
  const p = await page('en-US');
  await p.goto(`${rp}/start?client=shop&ui_locales=en`);
  await p.getByRole('link', { name: 'Create an account' }).click();
  await p.getByText('At least 8 characters').waitFor();
  assert.equal(await p.getByRole('link', { name: 'Personal data policy' }).getAttribute('href'), 'https://shop.example/privacy');
  await checkPage(p, 'signup-rules-en');
  await p.getByLabel('Phone or email').fill('+7 909 555-66-77');
  await p.getByLabel('Password', { exact: true }).fill('New-account-9');
  await p.getByLabel('Repeat password').fill('New-account-9');
  await waitCaptcha(p, 'Check passed.');
  await p.getByRole('button', { name: 'Create account' }).click();
  await p.locator('#consent_pd-error').waitFor();
  assert.equal(await fieldError(p, 'password'), '');
  assert.equal(await p.getByLabel('Password', { exact: true }).inputValue(), 'New-account-9');
  await shot(p, 'forms-signup-consent-en');
  await checkPage(p, 'signup-consent-error-en');
  await p.getByLabel('I agree to the processing of my personal data').check();
  await waitCaptcha(p, 'Check passed.');
  await p.getByRole('button', { name: 'Create account' }).click();
  await p.getByRole('status').filter({ hasText: 'We sent a code' }).waitFor();
  await checkPage(p, 'signup-code-en');
  assert.deepEqual(p.violations, []);
});

test('Russian: on the account page an error shows at its section and the page opens scrolled there', async () => {
  const p = await page('ru-RU');
  await p.goto(`${rp}/start?client=shop`);
  await p.getByLabel('Логин').fill('kuznetsov');
  await p.getByLabel('Пароль').fill('Kuznetsov-pass-1');
  await p.getByRole('button', { name: 'Войти' }).click();
  await claims(p);
  await p.goto(`${issuer}/account`);
  await p.getByLabel('Старый пароль').fill('Kuznetsov-pass-1');
  await p.getByLabel('Новый пароль', { exact: true }).fill('Novyj-parol-1');
  await p.getByLabel('Повторите новый пароль').fill('Drugoj-parol-1');
  await p.getByRole('button', { name: 'Сменить пароль' }).click();
  await p.locator('#password .alert').filter({ hasText: 'Новые пароли не совпадают.' }).waitFor();
  assert.ok(p.url().endsWith('#password'), p.url());
  assert.equal(await p.locator('#profile .alert, #contacts .alert, #sessions .alert').count(), 0);
  await shot(p, 'forms-account-error-ru');
  await checkPage(p, 'account-password-error-ru');
  assert.deepEqual(p.violations, []);
});

// signInToAccount opens the account pages as login in the page's language.
async function signInToAccount(locale, login, password) {
  const p = await page(locale);
  const ru = locale.startsWith('ru');
  await p.goto(`${issuer}/account?ui_locales=${ru ? 'ru' : 'en'}`);
  await p.getByLabel(ru ? 'Логин' : 'Login').fill(login);
  await p.getByLabel(ru ? 'Пароль' : 'Password').fill(password);
  await p.getByRole('button', { name: ru ? 'Войти' : 'Sign in' }).click();
  await p.getByRole('heading', { name: ru ? 'Личный кабинет' : 'Your account' }).waitFor();
  return p;
}

test('Russian: the company wizard asks the INN first, then the KPP from the register\'s units; "Назад" keeps the INN', async () => {
  const p = await signInToAccount('ru-RU', 'frolov', 'Frolov-pass-1');
  await p.goto(`${issuer}/account/companies/register?ui_locales=ru`);
  await p.getByText('Поля, отмеченные звёздочкой (*), обязательны.').waitFor();
  await checkPage(p, 'wizard-inn-ru');
  assert.equal(await p.getByLabel('КПП').count(), 0, 'no KPP before the INN');
  await p.getByLabel('ИНН', { exact: true }).fill('7728824599');
  await p.getByRole('button', { name: 'Далее' }).click();
  await p.getByRole('group', { name: 'Выберите подразделение (КПП)' }).waitFor();
  assert.match(await p.getByRole('group', { name: 'Выберите подразделение (КПП)' }).textContent(), /Головная организация: КПП 772801001[\s\S]*Филиал: КПП 784201001/);
  await shot(p, 'forms-wizard-kpp-ru');
  await checkPage(p, 'wizard-kpp-ru');
  // Next without a choice: said at the choice.
  await p.getByRole('button', { name: 'Далее' }).click();
  await p.locator('#kpp-error').waitFor();
  await checkPage(p, 'wizard-kpp-error-ru');
  await p.getByRole('radio', { name: /Филиал/ }).check();
  await p.getByRole('button', { name: 'Далее' }).click();
  assert.match(await p.getByLabel('Сокращённое наименование').inputValue(), /филиал/);
  await checkPage(p, 'wizard-general-branch-ru');
  await p.getByRole('button', { name: 'Назад' }).click();
  assert.equal(await p.getByLabel('ИНН', { exact: true }).inputValue(), '7728824599');
  assert.deepEqual(p.violations, []);
});

test('English: a refused wizard step is marked at its fields; Back from the bank step keeps what was typed', async () => {
  const p = await signInToAccount('en-US', 'gromova', 'Gromova-pass-1');
  await p.goto(`${issuer}/account/companies/register?ui_locales=en`);
  await p.getByLabel('INN', { exact: true }).fill('7728824599');
  await p.getByRole('button', { name: 'Next' }).click();
  await p.getByRole('radio', { name: /Branch/ }).check();
  await p.getByRole('button', { name: 'Next' }).click();
  await p.getByLabel('Director (full name)').fill('');
  await p.getByRole('button', { name: 'Next' }).click();
  await p.getByRole('alert').filter({ hasText: 'Please correct the fields marked below.' }).waitFor();
  assert.equal(await p.getByLabel('Director (full name)').getAttribute('aria-invalid'), 'true');
  await shot(p, 'forms-wizard-error-en');
  await checkPage(p, 'wizard-general-error-en');
  await p.getByLabel('Director (full name)').fill('Петров Иван Сергеевич');
  await p.getByRole('button', { name: 'Next' }).click();
  await p.getByLabel('Settlement account').fill('40702810938000012345');
  await p.getByRole('button', { name: 'Back' }).click();
  assert.equal(await p.getByLabel('Director (full name)').inputValue(), 'Петров Иван Сергеевич');
  await p.getByRole('button', { name: 'Next' }).click();
  assert.equal(await p.getByLabel('Settlement account').inputValue(), '40702810938000012345');
  assert.deepEqual(p.violations, []);
});
