// Browser tests of the company journeys without dead ends (issue 18 item 5),
// in Russian and English. e2e/browser_companies_test.go starts Vhod (join
// requests approved by the moderator and the org admin; a "svet" catalogue of
// the b2b app whose "viewer" is a default role; ДМДК's jewellery house) and the
// relying party, and passes RP_URL and ISSUER.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { checkPage } from './checks.mjs';

const rp = process.env.RP_URL;
const issuer = process.env.ISSUER;
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

// once checks a page of a helper that many steps pass through, the first time only.
const checked = new Set();
async function once(p, name) {
  if (checked.has(name)) return;
  checked.add(name);
  await checkPage(p, name);
}

const words = {
  ru: { login: 'Логин', password: 'Пароль', signIn: 'Войти', account: 'Личный кабинет' },
  en: { login: 'Login', password: 'Password', signIn: 'Sign in', account: 'Your account' },
};

// signIn opens the account pages in a language and signs in with a password.
async function signIn(lang, login, password) {
  const p = await page(lang === 'ru' ? 'ru-RU' : 'en-US');
  const w = words[lang];
  await p.goto(`${issuer}/account`);
  await once(p, `account-signin-${lang}`);
  await p.getByLabel(w.login).fill(login);
  await p.getByLabel(w.password).fill(password);
  await p.getByRole('button', { name: w.signIn }).click();
  await p.getByRole('heading', { name: w.account }).waitFor();
  await once(p, `account-${lang}`);
  return p;
}

// lastMail is the last message to an address that matches re (waiting for it).
async function lastMail(to, re) {
  for (let i = 0; i < 50; i++) {
    const r = await fetch(`${rp}/last-mail?to=${encodeURIComponent(to)}`);
    if (r.ok) {
      const text = await r.text();
      if (re.test(text)) return text;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no mail to ${to} matching ${re}`);
}

async function lastCode(to) {
  return /\b(\d{6})\b/.exec(await lastMail(to, /\b\d{6}\b/))[1];
}

// claims signs a person in at the b2b app (in a fresh browser) and returns the ID token's claims.
async function b2bClaims(lang, login, password) {
  const p = await page(lang === 'ru' ? 'ru-RU' : 'en-US');
  const w = words[lang];
  await p.goto(`${rp}/start?client=b2b`);
  await once(p, `b2b-signin-${lang}`);
  await p.getByLabel(w.login).fill(login);
  await p.getByLabel(w.password).fill(password);
  await p.getByRole('button', { name: w.signIn }).click();
  await p.waitForSelector('#claims');
  const c = JSON.parse(await p.textContent('#claims'));
  assert.deepEqual(p.violations, []);
  return c;
}

// section is the moderator's block of one company waiting.
function section(m, name) {
  return m.locator('section.moderation-org', { hasText: name });
}

test('Russian: Светсервис — registration, rejection with a reason, correction and resubmission, approval mail; an employee joins by INN with roles ticked', async () => {
  // The head registers the company; the register does not know it, so she types everything.
  const s = await signIn('ru', 'svetlova', 'Svetlova-pass-1');
  await s.goto(`${issuer}/account/companies`);
  await checkPage(s, 'companies-ru');
  await s.getByRole('link', { name: 'Зарегистрировать организацию' }).click();
  await checkPage(s, 'company-inn-ru');
  await s.getByLabel('ИНН', { exact: true }).fill('5024012340');
  await s.getByRole('button', { name: 'Далее' }).click();
  // The INN comes first; the register does not know it, so the KPP is typed.
  await checkPage(s, 'company-kpp-ru');
  await s.getByLabel('КПП', { exact: true }).fill('502401001');
  await s.getByRole('button', { name: 'Далее' }).click();
  await s.getByText('В реестре нет такого ИНН').waitFor();
  await checkPage(s, 'company-general-unknown-ru');
  await s.getByLabel('Организационно-правовая форма').fill('Общество с ограниченной ответственностью');
  await s.getByLabel('Полное наименование').fill('Общество «Светсервис»'); // not as in the charter
  await s.getByLabel('Сокращённое наименование').fill('ООО «Светсервис»');
  await s.getByLabel('Руководитель (ФИО)').fill('Светлова Ольга Петровна');
  await s.getByLabel('ОГРН (ОГРНИП)').fill('1025000000013');
  await s.getByLabel('Основной код ОКВЭД').fill('46.47');
  await s.getByRole('button', { name: 'Далее' }).click();
  await checkPage(s, 'company-bank-ru');
  await s.getByLabel('БИК').fill('044525225');
  await s.getByRole('button', { name: 'Заполнить по БИК' }).click();
  await checkPage(s, 'company-bank-filled-ru');
  await s.getByLabel('Расчётный счёт').fill('40702810938000012345');
  await s.getByRole('button', { name: 'Далее' }).click();
  await checkPage(s, 'company-addresses-ru');
  await s.getByLabel('Индекс').first().fill('142100');
  await s.getByLabel('Улица').first().fill('ул. Заводская');
  await s.getByLabel('Дом, корпус, строение').first().fill('д. 3');
  await s.getByLabel('Совпадает с юридическим').first().check();
  await s.getByLabel('Совпадает с юридическим').last().check();
  await s.getByRole('button', { name: 'Далее' }).click();
  await checkPage(s, 'company-contacts-ru');
  await s.getByLabel('Контактное лицо', { exact: true }).fill('Светлова Ольга');
  await s.getByLabel('Электронная почта организации (на неё придёт код)').fill('office@svet.example');
  await s.getByRole('button', { name: 'Далее' }).click();
  await checkPage(s, 'company-review-ru');
  await s.getByRole('button', { name: 'Отправить' }).click();
  await checkPage(s, 'company-code-ru');
  await s.getByLabel('Код из письма').fill(await lastCode('office@svet.example'));
  await s.getByRole('button', { name: 'Подтвердить' }).click();
  await s.getByText('Организация отправлена на проверку модератору').waitFor();
  await checkPage(s, 'company-submitted-ru');

  // The moderator sees every requisite, not a summary, and rejects it with a reason.
  const m = await signIn('ru', 'modr', 'Moderator-pass-1');
  await m.goto(`${issuer}/moderation`);
  const block = section(m, 'Светсервис');
  for (const text of ['Общество «Светсервис»', 'Светлова Ольга Петровна', '1025000000013', '46.47', 'Банковские реквизиты',
    '044525225', '30101810400000000225', '40702810938000012345', 'Адреса', 'Улица: ул. Заводская', 'Дом, корпус, строение: д. 3', 'Совпадает с юридическим',
    'Контакты', 'office@svet.example (подтверждена)', 'Светлова Ольга', 'Госреестр не знает этот ИНН']) {
    await block.getByText(text, { exact: false }).first().waitFor();
  }
  await shot(m, 'moderation-requisites-ru');
  await checkPage(m, 'moderation-requisites-ru');
  await block.getByLabel('Причина (придёт заявителю)').fill('Полное наименование не как в уставе');
  await block.getByRole('button', { name: /Отклонить ООО.«Светсервис»/ }).click();
  await m.getByText('Отклонено.').waitFor();
  await checkPage(m, 'moderation-rejected-ru');

  // Not a dead end: the company stays on her list with the reason and a way to correct it.
  await s.goto(`${issuer}/account/companies`);
  const mine = s.locator('li', { hasText: 'Светсервис' });
  await mine.getByText('Отклонена').waitFor();
  await mine.getByText('Причина: Полное наименование не как в уставе').waitFor();
  await shot(s, 'company-rejected-ru');
  await checkPage(s, 'company-rejected-ru');
  await mine.getByRole('button', { name: 'Исправить и отправить снова' }).click();
  await checkPage(s, 'company-correct-ru');
  // The wizard opens with everything filled in.
  assert.equal(await s.getByLabel('Полное наименование').inputValue(), 'Общество «Светсервис»');
  assert.equal(await s.getByLabel('ОГРН (ОГРНИП)').inputValue(), '1025000000013');
  await s.getByLabel('Полное наименование').fill('Общество с ограниченной ответственностью «Светсервис»');
  await s.getByRole('button', { name: 'Далее' }).click();
  assert.equal(await s.getByLabel('Расчётный счёт').inputValue(), '40702810938000012345');
  await s.getByRole('button', { name: 'Далее' }).click();
  assert.equal(await s.getByLabel('Улица').first().inputValue(), 'ул. Заводская');
  assert.equal(await s.getByLabel('Дом, корпус, строение').first().inputValue(), 'д. 3');
  await s.getByRole('button', { name: 'Далее' }).click();
  assert.equal(await s.getByLabel('Электронная почта организации (на неё придёт код)').inputValue(), 'office@svet.example');
  await s.getByRole('button', { name: 'Далее' }).click();
  await s.getByRole('button', { name: 'Отправить' }).click();
  await s.getByLabel('Код из письма').fill(await lastCode('office@svet.example'));
  await s.getByRole('button', { name: 'Подтвердить' }).click();
  await s.getByText('Исправленная организация снова отправлена модератору').waitFor();
  await checkPage(s, 'company-resubmitted-ru');
  await s.locator('li', { hasText: 'Светсервис' }).getByText('На проверке').waitFor();

  // The moderator sees it as resubmitted, with the earlier reason, and approves it: the head is mailed.
  await m.goto(`${issuer}/moderation`);
  await section(m, 'Светсервис').getByText('Отправлена повторно').waitFor();
  await section(m, 'Светсервис').getByText('Прежняя причина: Полное наименование не как в уставе').waitFor();
  await section(m, 'Светсервис').getByText('Общество с ограниченной ответственностью «Светсервис»').first().waitFor();
  await shot(m, 'moderation-resubmitted-ru');
  await checkPage(m, 'moderation-resubmitted-ru');
  await section(m, 'Светсервис').getByRole('button', { name: /Одобрить ООО.«Светсервис»/ }).click();
  await m.getByText('Одобрено.').waitFor();
  await checkPage(m, 'moderation-approved-ru');
  assert.match(await lastMail('svetlova@svet.example', /одобрена/), /Светсервис[^]*одобрена/);

  // An employee asks to join by INN; the moderator approves, then the head with roles ticked.
  const e = await signIn('ru', 'lampin', 'Lampin-pass-1');
  await e.goto(`${issuer}/account/companies/join`);
  await checkPage(e, 'join-ru');
  await e.getByLabel('ИНН организации').fill('5024012340');
  await e.getByRole('button', { name: 'Подать заявку' }).click();
  await e.getByText('Заявка отправлена').waitFor();
  await checkPage(e, 'join-sent-ru');
  await m.goto(`${issuer}/moderation`);
  await m.getByRole('button', { name: 'Одобрить lampin' }).click();
  await m.getByText('Одобрено.').waitFor();
  await s.goto(`${issuer}/account/companies`);
  await s.getByRole('link', { name: 'Сотрудники и роли' }).click();
  const request = s.locator('form', { hasText: 'Роли сотрудника lampin после одобрения' });
  assert.ok(await request.getByLabel('Просмотр').isChecked(), 'the default role is ticked in advance');
  assert.ok(!(await request.getByLabel('Поставщик').isChecked()));
  await request.getByLabel('Поставщик').check();
  await shot(s, 'members-approve-with-roles-ru');
  await checkPage(s, 'members-approve-with-roles-ru');
  await s.getByRole('button', { name: 'Одобрить lampin' }).click();
  await s.getByText('Одобрено.').waitFor();
  await checkPage(s, 'members-approved-ru');
  const c = await b2bClaims('ru', 'lampin', 'Lampin-pass-1');
  assert.equal(c.org.inn, '5024012340');
  assert.deepEqual([...c.roles].sort(), ['supplier', 'viewer']);
  for (const p of [s, m, e]) assert.deepEqual(p.violations, []);
});

// ДМДК's rule in both languages: removing every role shows the member as
// removed on the members page, the token loses the company, and roles are
// given again there.
for (const [lang, member, t] of [
  ['en', 'serebrov', { save: 'Save roles of', viewer: 'Viewer', supplier: 'Supplier', manage: 'Members and roles', question: 'Remove the member?',
    says: 'They stay on the members page as removed', remove: 'Remove the member', removed: 'The member is removed.', section: 'Removed members',
    status: 'Removed', giveBack: 'Give the ticked roles back to', restored: 'The member has roles again.' }],
  ['ru', 'platinov', { save: 'Сохранить роли', viewer: 'Просмотр', supplier: 'Поставщик', manage: 'Сотрудники и роли', question: 'Исключить сотрудника?',
    says: 'Он останется на странице сотрудников со статусом «Удалён»', remove: 'Исключить сотрудника', removed: 'Сотрудник исключён.',
    section: 'Удалённые сотрудники', status: 'Удалён', giveBack: 'Вернуть с отмеченными ролями:', restored: 'Сотруднику снова выданы роли.' }],
]) {
  test(`${lang}: ДМДК — removing every role shows "${t.status}", and roles are given again`, async () => {
    const password = member === 'serebrov' ? 'Serebrov-pass-1' : 'Platinov-pass-1';
    let c = await b2bClaims(lang, member, password);
    assert.equal(c.org.id, 'dmdk');
    const z = await signIn(lang, 'zolotova', 'Zolotova-pass-1');
    await z.goto(`${issuer}/account/companies`);
    await checkPage(z, `companies-dmdk-${lang}`);
    await z.getByRole('link', { name: t.manage }).click();
    await checkPage(z, `members-dmdk-${lang}`);
    const row = z.locator('form', { hasText: member });
    await row.getByLabel(t.viewer).uncheck();
    await z.getByRole('button', { name: `${t.save} ${member}` }).click();
    await z.getByRole('heading', { name: t.question }).waitFor();
    await z.getByText(t.says).waitFor();
    await checkPage(z, `confirm-remove-member-${lang}`);
    await z.getByRole('button', { name: t.remove }).click();
    await z.getByText(t.removed).waitFor();
    await z.getByRole('heading', { name: t.section }).waitFor();
    const removed = z.locator('form.removed', { hasText: member });
    await removed.locator('.status', { hasText: t.status }).waitFor();
    await shot(z, `members-removed-${lang}`);
    await checkPage(z, `members-removed-${lang}`);
    c = await b2bClaims(lang, member, password);
    assert.equal(c.org, undefined, 'a removed member acts for no company');

    // Given roles again on the same page.
    await removed.getByLabel(t.supplier).check();
    await z.getByRole('button', { name: `${t.giveBack} ${member}` }).click();
    await z.getByText(t.restored).waitFor();
    await checkPage(z, `members-restored-${lang}`);
    assert.equal(await z.locator('form.removed', { hasText: member }).count(), 0);
    assert.ok(await z.locator('form', { hasText: member }).getByLabel(t.supplier).isChecked());
    c = await b2bClaims(lang, member, password);
    assert.equal(c.org.id, 'dmdk');
    assert.deepEqual(c.roles, ['supplier']);
    assert.deepEqual(z.violations, []);
  });
}

test('English: invitations are listed with their state and withdrawn after a confirmation page', async () => {
  const z = await signIn('en', 'zolotova', 'Zolotova-pass-1');
  await z.goto(`${issuer}/account/companies/dmdk/members`);
  await checkPage(z, 'members-invite-en');
  await z.getByLabel('Email or phone').fill('new.jeweller@dmdk.example');
  await z.locator('form', { hasText: 'Send the invitation' }).getByLabel('Supplier').check();
  await z.getByRole('button', { name: 'Send the invitation' }).click();
  await z.getByText('The invitation has been sent.').waitFor();
  const row = z.locator('table.invitations tr', { hasText: 'new.jeweller@dmdk.example' });
  await row.getByText('Sent, no answer yet').waitFor();
  await row.getByText('Supplier').waitFor();
  await shot(z, 'members-invitations-en');
  await checkPage(z, 'members-invitations-en');
  await row.getByRole('button', { name: 'Withdraw the invitation to new.jeweller@dmdk.example' }).click();
  await z.getByRole('heading', { name: 'Withdraw the invitation?' }).waitFor();
  await z.getByText('it can no longer be accepted').waitFor();
  await checkPage(z, 'confirm-withdraw-invitation-en');
  await z.getByRole('link', { name: 'Cancel' }).click();
  await z.locator('table.invitations tr', { hasText: 'new.jeweller@dmdk.example' }).getByText('Sent, no answer yet').waitFor();
  await z.getByRole('button', { name: 'Withdraw the invitation to new.jeweller@dmdk.example' }).click();
  await z.getByRole('button', { name: 'Withdraw the invitation' }).click();
  await z.getByText('The invitation is withdrawn.').waitFor();
  await checkPage(z, 'members-withdrawn-en');
  await z.locator('table.invitations tr', { hasText: 'new.jeweller@dmdk.example' }).getByText('Withdrawn').waitFor();
  assert.equal(await z.getByRole('button', { name: /Withdraw the invitation to/ }).count(), 0);
  assert.deepEqual(z.violations, []);
});
