// ДМДК's journey whole in the browser (issue 18, "What must be shown"): the
// head registers the company with a qualified certificate, an employee picks
// the company from their certificate, the head grants roles, removing every
// role shows "Удалён". e2e/browser_dmdk_test.go runs it once per language
// (DMDK_LANG), each on a server of its own where ООО «Ромашка» is not yet
// registered and the registry stand-in names the director.* fixture its head.
// Certificates sign in by a signature file (`vhod sign`), as people without
// the CryptoPro plug-in do: the test browser has none.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPage } from './checks.mjs';

const rp = process.env.RP_URL;
const issuer = process.env.ISSUER;
const fixtures = process.env.FIXTURES;
const shots = process.env.SCREENSHOT_DIR;
const lang = process.env.DMDK_LANG || 'ru';
const work = mkdtempSync(join(tmpdir(), 'vhod-dmdk-'));
let browser;

// The page texts the journey goes by, in the run's language.
const words = {
  ru: {
    locale: 'ru-RU', certLink: 'Войти по сертификату (электронной подписи)', noPlugin: 'Плагин КриптоПро не найден',
    login: 'Логин', password: 'Пароль', noneWaits: 'Организаций на проверке нет.', latest: 'Последние решения',
    challenge: 'Строка для подписи', sigFile: 'Файл подписи', signIn: 'Войти', create: 'Создать учётную запись',
    account: 'Личный кабинет', companies: 'Организации',
    offerHead: 'В вашем сертификате указана организация ООО\u00a0«Ромашка» (ИНН 7728824599).',
    registerThis: 'Зарегистрировать эту организацию', inn: 'ИНН', next: 'Далее', headOffice: /Головная организация/,
    director: 'Руководитель (ФИО)', directorTitle: 'Должность руководителя', bik: 'БИК', settlement: 'Расчётный счёт',
    postcode: 'Индекс', street: 'Улица', house: 'Дом, корпус, строение', sameAsLegal: 'Совпадает с юридическим',
    contact: 'Контактное лицо', email: 'Электронная почта организации (на неё придёт код)', submit: 'Отправить', code: 'Код из письма', confirm: 'Подтвердить',
    registered: 'Организация зарегистрирована, вы её администратор.', active: 'Действует', admin: 'Администратор организации',
    offerEmployee: 'В вашем сертификате указана организация ООО\u00a0«Ромашка»; здесь она зарегистрирована с ИНН 7728824599.',
    joinThis: 'Вступить в эту организацию', joinINN: 'ИНН организации', ask: 'Подать заявку', requested: 'Заявка отправлена',
    manage: 'Сотрудники и роли', approveRoles: 'Роли сотрудника Кузнецов', buyer: 'Закупщик', accountant: 'Бухгалтер',
    approve: 'Одобрить', approved: 'Одобрено.', save: 'Сохранить роли', question: 'Исключить сотрудника?',
    says: 'Он останется на странице сотрудников со статусом «Удалён»', remove: 'Исключить сотрудника',
    removed: 'Сотрудник исключён.', removedSection: 'Удалённые сотрудники', status: 'Удалён',
  },
  en: {
    locale: 'en-US', certLink: 'Sign in with a certificate (e-signature)', noPlugin: 'The CryptoPro plug-in was not found',
    login: 'Login', password: 'Password', noneWaits: 'No company waits.', latest: 'Latest decisions',
    challenge: 'Challenge', sigFile: 'Signature file', signIn: 'Sign in', create: 'Create an account',
    account: 'Your account', companies: 'Companies',
    offerHead: 'Your certificate names ООО\u00a0«Ромашка» (INN 7728824599).',
    registerThis: 'Register this company', inn: 'INN', next: 'Next', headOffice: /Head office/,
    director: 'Director (full name)', directorTitle: "Director's title", bik: 'BIK', settlement: 'Settlement account',
    postcode: 'Postcode', street: 'Street', house: 'House, block, building', sameAsLegal: 'Same as legal',
    contact: 'Contact person', email: 'Company email (a code will be sent to it)', submit: 'Submit', code: 'Code from the email', confirm: 'Confirm',
    registered: 'The company is registered and you are its administrator.', active: 'Active', admin: 'Company administrator',
    offerEmployee: 'Your certificate names ООО\u00a0«Ромашка»; it is registered here with INN 7728824599.',
    joinThis: 'Join this company', joinINN: 'INN of the company', ask: 'Ask to join', requested: 'Your request has been sent',
    manage: 'Members and roles', approveRoles: 'Roles of Кузнецов', buyer: 'Buyer', accountant: 'Accountant',
    approve: 'Approve', approved: 'Approved.', save: 'Save roles of', question: 'Remove the member?',
    says: 'They stay on the members page as removed', remove: 'Remove the member',
    removed: 'The member is removed.', removedSection: 'Removed members', status: 'Removed',
  },
}[lang];

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => { await browser?.close(); });

// tell prints where each page stood when a step failed, for the test log.
async function tell(err) {
  for (const p of opened) {
    const text = await p.locator('main').first().textContent({ timeout: 1000 }).catch(() => '');
    console.log(`page ${p.url()}:\n${text.replace(/\s+/g, ' ').slice(0, 1500)}`);
  }
  throw err;
}

// page opens a fresh context (own cookies) and records CSP violations;
// opened keeps them for tell.
const opened = [];
async function page() {
  const ctx = await browser.newContext({ locale: words.locale });
  const p = await ctx.newPage();
  opened.push(p);
  p.violations = [];
  p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) p.violations.push(m.text()); });
  return p;
}

async function shot(p, name) {
  if (shots) await p.screenshot({ path: `${shots}/dmdk-${name}-${lang}.png`, fullPage: true });
}

async function check(p, name) {
  await checkPage(p, `dmdk-${name}-${lang}`);
}

// signFile signs the challenge with `vhod sign` and a GOST fixture key and
// writes the detached signature as DER (.p7s), as КриптоАРМ or cryptcp -der would.
function signFile(challenge, who) {
  const b64 = execFileSync(process.env.VHOD_BIN, ['sign', '--key', `${fixtures}/gost/${who}.key.pem`,
    '--cert', `${fixtures}/gost/${who}.crt.pem`, '--chain', `${fixtures}/gost/int-ca.crt.pem`, '--detached'], { input: challenge }).toString().trim();
  const path = join(work, `${who}-${Date.now()}.p7s`);
  writeFileSync(path, Buffer.from(b64, 'base64'));
  return path;
}

// certificateSignIn signs in on the page's sign-in form with a fixture's
// certificate (signature file); a first sign-in creates the account.
async function certificateSignIn(p, who, name, first) {
  await p.getByRole('link', { name: words.certLink }).click();
  await p.getByRole('heading', { name: words.noPlugin }).waitFor();
  await check(p, `certificate-${who}${first ? '' : '-again'}`);
  const challenge = await p.getByLabel(words.challenge).inputValue();
  await p.getByLabel(words.sigFile).setInputFiles(signFile(challenge, who));
  await p.getByRole('button', { name: words.signIn, exact: true }).click();
  if (!first) return;
  await p.getByRole('button', { name: words.create }).waitFor();
  assert.match(await p.textContent('body'), name);
  await check(p, `certificate-confirm-${who}`);
  await p.getByRole('button', { name: words.create }).click();
}

// lastCode waits for the six-digit code mailed to an address.
async function lastCode(to) {
  for (let i = 0; i < 50; i++) {
    const r = await fetch(`${rp}/last-mail?to=${encodeURIComponent(to)}`);
    const m = r.ok ? /\b(\d{6})\b/.exec(await r.text()) : null;
    if (m) return m[1];
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no code mailed to ${to}`);
}

// b2bClaims signs the employee in at the b2b app with the certificate (in a
// fresh browser, so the claims are the token's of now) and returns them.
async function b2bClaims(name) {
  const p = await page();
  await p.goto(`${rp}/start?client=b2b&ui_locales=${lang}`);
  await check(p, `b2b-signin-${name}`);
  await certificateSignIn(p, 'employee', null, false);
  await p.waitForSelector('#claims');
  const c = JSON.parse(await p.textContent('#claims'));
  assert.deepEqual(p.violations, []);
  return c;
}

test(`${lang}: ДМДК — the head registers the company with a qualified certificate, the employee joins from theirs, gets roles, and is shown removed when they are all taken`, () => journey().catch(tell));

async function journey() {
  // 1. The head signs in with the qualified certificate and creates the account.
  const h = await page();
  await h.goto(`${issuer}/account?ui_locales=${lang}`);
  await check(h, 'account-signin');
  await certificateSignIn(h, 'director', /Петров Иван Сергеевич/, true);
  await h.getByRole('heading', { name: words.account }).waitFor();
  await check(h, 'head-account');

  // The companies page offers the company the certificate names; the wizard
  // opens with its INN, the register's head office, and the director's name
  // and title from the certificate.
  await h.goto(`${issuer}/account/companies`);
  await h.getByText(words.offerHead).waitFor();
  await shot(h, 'head-offer');
  await check(h, 'head-offer');
  await h.getByRole('link', { name: words.registerThis }).click();
  assert.equal(await h.getByLabel(words.inn, { exact: true }).inputValue(), '7728824599');
  await check(h, 'wizard-inn');
  await h.getByRole('button', { name: words.next }).click();
  await h.getByRole('radio', { name: words.headOffice }).check();
  await check(h, 'wizard-kpp');
  await h.getByRole('button', { name: words.next }).click();
  assert.equal(await h.getByLabel(words.director).inputValue(), 'Петров Иван Сергеевич');
  assert.equal(await h.getByLabel(words.directorTitle).inputValue(), 'Генеральный директор');
  await shot(h, 'wizard-director');
  await check(h, 'wizard-general');
  await h.getByRole('button', { name: words.next }).click();
  await check(h, 'wizard-bank');
  await h.getByLabel(words.bik).fill('044525225');
  await h.getByLabel(words.settlement).fill('40702810938000012345');
  await h.getByRole('button', { name: words.next }).click();
  await check(h, 'wizard-addresses');
  const postcode = h.getByLabel(words.postcode).first();
  if (!(await postcode.inputValue())) await postcode.fill('125009');
  await h.getByLabel(words.street).first().fill('ул. Тверская');
  await h.getByLabel(words.house).first().fill('д. 7, пом. 1');
  for (const box of await h.getByLabel(words.sameAsLegal).all()) await box.check();
  await h.getByRole('button', { name: words.next }).click();
  await check(h, 'wizard-contacts');
  const contact = h.getByLabel(words.contact, { exact: true });
  if (!(await contact.inputValue())) await contact.fill('Петров Иван');
  await h.getByLabel(words.email).fill('office@romashka.example');
  await h.getByRole('button', { name: words.next }).click();
  await check(h, 'wizard-review');
  await h.getByRole('button', { name: words.submit }).click();
  await check(h, 'wizard-code');
  await h.getByLabel(words.code).fill(await lastCode('office@romashka.example'));
  await h.getByRole('button', { name: words.confirm }).click();
  // What the product does: the registry names the certificate's holder as the
  // head, so the company is active at once, no moderator needed.
  await h.getByText(words.registered).waitFor();
  assert.match(await h.textContent('main'), new RegExp(`ООО\u00a0«Ромашка»[^]*${words.active}[^]*${words.admin}`));
  await shot(h, 'head-registered');
  await check(h, 'head-registered');
  // Nothing waits for a moderator.
  const m = await page();
  await m.goto(`${issuer}/account?ui_locales=${lang}`);
  await m.getByLabel(words.login).fill('modr');
  await m.getByLabel(words.password).fill('Moderator-pass-1');
  await m.getByRole('button', { name: words.signIn, exact: true }).click();
  await m.getByRole('heading', { name: words.account }).waitFor();
  await m.goto(`${issuer}/moderation`);
  await m.getByText(words.noneWaits).waitFor();
  // The registry's word was the decision: it is among the latest, as active.
  assert.match(await m.textContent('main'), new RegExp(`${words.latest}[^]*ООО\\s«Ромашка» \\(7728824599\\)[^]*${words.active}`));
  await check(m, 'moderation');

  // 2. The employee signs in with their certificate: it names the company
  // (without its INN), which is offered to join with the INN filled in.
  const e = await page();
  await e.goto(`${issuer}/account?ui_locales=${lang}`);
  await certificateSignIn(e, 'employee', /Кузнецов Дмитрий Алексеевич/, true);
  await e.getByRole('heading', { name: words.account }).waitFor();
  await e.goto(`${issuer}/account/companies`);
  await e.getByText(words.offerEmployee).waitFor();
  await shot(e, 'employee-offer');
  await check(e, 'employee-offer');
  await e.getByRole('link', { name: words.joinThis }).click();
  assert.equal(await e.getByLabel(words.joinINN).inputValue(), '7728824599');
  await check(e, 'employee-join');
  await e.getByRole('button', { name: words.ask }).click();
  await e.getByText(words.requested).waitFor();
  await check(e, 'employee-requested');

  // 3. The head approves on the members page with roles ticked: the
  // catalogue's default role in advance, one more by hand.
  await h.goto(`${issuer}/account/companies`);
  await h.getByRole('link', { name: words.manage }).click();
  const request = h.locator('form', { hasText: words.approveRoles });
  assert.ok(await request.getByLabel(words.buyer).isChecked(), 'the default role is ticked in advance');
  assert.ok(!(await request.getByLabel(words.accountant).isChecked()));
  await request.getByLabel(words.accountant).check();
  await shot(h, 'members-request');
  await check(h, 'members-request');
  await request.getByRole('button', { name: new RegExp(`^${words.approve}`) }).click();
  await h.getByText(words.approved).waitFor();
  await check(h, 'members-approved');
  let c = await b2bClaims('member');
  assert.equal(c.org?.inn, '7728824599', JSON.stringify(c));
  assert.deepEqual([...c.roles].sort(), ['accountant', 'buyer']);

  // 4. The head takes every role away: the member stays on the page as
  // removed, and the app gets no company.
  const row = h.locator('form', { hasText: 'Кузнецов' }).filter({ has: h.getByLabel(words.buyer) });
  await row.getByLabel(words.buyer).uncheck();
  await row.getByLabel(words.accountant).uncheck();
  await row.getByRole('button', { name: new RegExp(`^${words.save}`) }).click();
  await h.getByRole('heading', { name: words.question }).waitFor();
  await h.getByText(words.says).waitFor();
  await check(h, 'confirm-remove');
  await h.getByRole('button', { name: words.remove }).click();
  await h.getByText(words.removed).waitFor();
  await h.getByRole('heading', { name: words.removedSection }).waitFor();
  await h.locator('form.removed', { hasText: 'Кузнецов' }).locator('.status', { hasText: words.status }).waitFor();
  await shot(h, 'members-removed');
  await check(h, 'members-removed');
  c = await b2bClaims('removed');
  assert.equal(c.org, undefined, 'a removed member acts for no company');
  assert.equal(c.roles, undefined);
  for (const p of [h, e, m]) assert.deepEqual(p.violations, []);
}
