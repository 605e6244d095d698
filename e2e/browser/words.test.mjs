// Issue 18's items 2, 3 and 4 in the browser, in Russian and English:
//   2. words, not keys: roles by their catalogue names, statuses, methods and
//      assurance levels in words; the 404 and 405 pages in the person's language;
//   3. Russian typography: non-breaking spaces in legal forms and initials,
//      dates and times in the configured zone (Asia/Vladivostok here), SNILS as
//      123-456-789 01, plural forms, sessions' browsers and systems in words;
//   4. no dangerous one-click action: leaving a company, removing a member,
//      ending sessions, unlinking a certificate, deleting a client, suspending a
//      company and deleting an account ask first, on a page of their own, and
//      "Cancel" keeps everything.
// e2e/browser_words_test.go starts Vhod and the relying party, and passes
// RP_URL, ISSUER, VHOD_BIN and FIXTURES.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { checkPage } from './checks.mjs';

const rp = process.env.RP_URL;
const issuer = process.env.ISSUER;
const shots = process.env.SCREENSHOT_DIR;
const zone = 'Asia/Vladivostok'; // ui.time_zone of browser_words_test.go
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => { await browser?.close(); });

// User agents of the sessions whose browser and system the pages name.
const firefoxWindows = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const yandexAndroid = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 YaBrowser/24.10.1.100 Mobile Safari/537.36';

// page opens a fresh context (own cookies) and records CSP violations.
async function page(locale, userAgent) {
  const ctx = await browser.newContext({ locale, ...(userAgent ? { userAgent } : {}) });
  const p = await ctx.newPage();
  p.violations = [];
  p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) p.violations.push(m.text()); });
  return p;
}

async function shot(p, name) {
  if (shots) await p.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

const words = {
  ru: {
    locale: 'ru-RU', query: '', login: 'Логин', password: 'Пароль', signIn: 'Войти', account: 'Личный кабинет',
    inn: 'ИНН', kpp: 'КПП', active: 'Действует', suspended: 'Приостановлена', orgAdmin: 'Администратор организации',
    buyer: 'Закупщик', accountant: 'Бухгалтер', manage: 'Сотрудники и роли', save: 'Сохранить роли',
    notFound: 'Страница не найдена', notFoundText: 'Такой страницы нет', methodTitle: 'Так эту страницу не открыть',
    toAccount: 'Личный кабинет', sessions: ['1 открытый сеанс', '2 открытых сеанса', '5 открытых сеансов'],
    thisSession: 'этот сеанс', firefox: 'Firefox 133 на Windows', yandex: 'Яндекс Браузер 24 на Android',
    signedIn: 'Вход', pwd: 'пароль', qualified: 'квалифицированная электронная подпись', snils: 'СНИЛС',
    console: 'Консоль', find: 'Найти', findUser: 'Логин, email, телефон, СНИЛС или имя',
    cancel: 'Отмена', leave: 'Покинуть организацию', leaveQ: 'Покинуть организацию?', left: 'Вы покинули организацию.',
    leaveText: 'Вы покинете организацию ООО\u00a0«Ромашка»',
    removeQ: 'Исключить сотрудника?', remove: 'Исключить сотрудника', removed: 'Сотрудник исключён.', removedStatus: 'Удалён',
    othersLink: 'Выйти на всех других устройствах', othersQ: 'Выйти на всех других устройствах?', others: 'Завершить другие сеансы',
    revoke: 'Завершить сеанс', revokeButton: 'Завершить сеанс', revokeQ: 'Завершить сеанс?', revoked: 'Сеанс завершён, его токены отозваны.',
    certLink: 'Войти по сертификату (электронной подписи)', expert: 'Для специалистов: вставить подпись вручную',
    challenge: 'Строка для подписи', signature: 'Подпись', create: 'Создать учётную запись',
    newPassword: 'Новый пароль', repeatNew: 'Повторите новый пароль', setPassword: 'Задать пароль', passwordSet: 'Пароль задан.',
    unlink: 'Отвязать', unlinkQ: 'Отвязать сертификат?', unlinkButton: 'Отвязать сертификат',
    unlinked: 'Сертификат больше не привязан к учётной записи.', certUntil: 'действует до',
    clientDelete: 'Удалить клиента', clientDeleteQ: 'Удалить клиента?', client: { id: 'old-crm', name: 'Старая CRM' },
    suspend: 'Приостановить', suspendQ: 'Приостановить организацию?', suspendButton: 'Приостановить организацию',
    reactivate: 'Возобновить', reason: 'Причина', company: 'ООО\u00a0«Берёзка»',
    userDelete: 'Удалить вместе с сеансами и токенами', userDeleteQ: 'Удалить учётную запись?', userDeleteButton: 'Удалить учётную запись',
    doomed: { login: 'doomed-ru', name: 'Удалов Иван' }, deleted: 'Удалено.',
  },
  en: {
    locale: 'en-US', query: '&ui_locales=en', login: 'Login', password: 'Password', signIn: 'Sign in', account: 'Your account',
    inn: 'INN', kpp: 'KPP', active: 'Active', suspended: 'Suspended', orgAdmin: 'Company administrator',
    buyer: 'Buyer', accountant: 'Accountant', manage: 'Members and roles', save: 'Save roles of',
    notFound: 'Page not found', notFoundText: 'There is no such page', methodTitle: 'This page does not open this way',
    toAccount: 'Your account', sessions: ['1 open session', '2 open sessions', '5 open sessions'],
    thisSession: 'this session', firefox: 'Firefox 133 on Windows', yandex: 'Yandex Browser 24 on Android',
    signedIn: 'Signed in', pwd: 'password', qualified: 'qualified electronic signature', snils: 'SNILS',
    console: 'Console', find: 'Find', findUser: 'Login, email, phone, SNILS or name',
    cancel: 'Cancel', leave: 'Leave the company', leaveQ: 'Leave the company?', left: 'You have left the company.',
    leaveText: 'You will leave ООО\u00a0«Ромашка»',
    removeQ: 'Remove the member?', remove: 'Remove the member', removed: 'The member is removed.', removedStatus: 'Removed',
    othersLink: 'Sign out everywhere else', othersQ: 'Sign out everywhere else?', others: 'End the other sessions',
    revoke: 'End session', revokeButton: 'End the session', revokeQ: 'End the session?', revoked: null,
    certLink: 'Sign in with a certificate (e-signature)', expert: 'For experts: paste the signature',
    challenge: 'Challenge', signature: 'Signature', create: 'Create an account',
    newPassword: 'New password', repeatNew: 'Repeat new password', setPassword: 'Set the password', passwordSet: 'The password is set.',
    unlink: 'Unlink', unlinkQ: 'Unlink the certificate?', unlinkButton: 'Unlink the certificate',
    unlinked: 'The certificate is no longer linked to your account.', certUntil: 'valid until',
    clientDelete: 'Delete client', clientDeleteQ: 'Delete the client?', client: { id: 'legacy', name: 'Legacy portal' },
    suspend: 'Suspend', suspendQ: 'Suspend the company?', suspendButton: 'Suspend the company',
    reactivate: 'Reactivate', reason: 'Reason', company: 'ООО\u00a0«Ёлочка»',
    userDelete: 'Delete with sessions and tokens', userDeleteQ: 'Delete the account?', userDeleteButton: 'Delete the account',
    doomed: { login: 'doomed-en', name: 'Removov Ivan' }, deleted: null,
  },
};

// The people of each language: the head of the entrepreneur's company, its
// employee (also a buyer at ООО «Ромашка»), and the certificate of the person
// who signs in with one.
const people = {
  ru: { admin: ['lebedeva', 'Lebedeva-pass-1'], employee: ['kotov', 'Kotov-pass-1'], employeeName: 'Котов Пётр', cert: 'director', snils: '56559136127' },
  en: { admin: ['swan', 'Swan-pass-1'], employee: ['fox', 'Fox-pass-1'], employeeName: 'Лисин Илья', cert: 'employee', snils: '48039378717' },
};

// The company named with initials, as every page must show it: one line.
const ipName = 'ИП\u00a0Сидорова\u00a0А.\u00a0В.';

// signIn opens the account pages in a language and signs in with a password.
async function signIn(lang, [login, password], userAgent) {
  const w = words[lang];
  const p = await page(w.locale, userAgent);
  await p.goto(`${issuer}/account`);
  await p.getByLabel(w.login).fill(login);
  await p.getByLabel(w.password).fill(password);
  await p.getByRole('button', { name: w.signIn }).click();
  await p.getByRole('heading', { name: w.account }).waitFor();
  return p;
}

// main is the text of the page's main content, its runs of ordinary white
// space made one (non-breaking spaces stay: they are what is checked).
async function main(p) {
  return (await p.locator('main').textContent()).replace(/[ \t\r\n]+/g, ' ');
}

// noKeys fails on what a page must never show: message keys, role and status
// keys, assurance URNs; on a Russian page also ASCII double quotes and the
// English words of the same things.
function noKeys(lang, text, where) {
  const keys = text.match(/\b(?:status|role|method|acr|agent|account|console|members|companies|confirm|error|layout)\.[a-z_.]+|\b(?:org_admin|request_rejected)\b|urn:vhod:acr:[a-z-]+/g);
  assert.equal(keys, null, `${where}: keys shown: ${keys}`);
  if (lang === 'ru') {
    // In English these are words too; on a Russian page they are keys.
    const raw = text.match(/\b(?:buyer|accountant|active|pending|rejected|removed|suspended|pwd|sms|otp)\b/g);
    assert.equal(raw, null, `${where}: keys shown: ${raw}`);
    assert.doesNotMatch(text, /"/, `${where}: ASCII quotes on a Russian page`);
    const english = text.match(/\b(?:Active|Under review|Rejected|Removed|Suspended|Buyer|Accountant|password|Sign out|Cancel|Company administrator)\b/g);
    assert.equal(english, null, `${where}: English words on a Russian page: ${english}`);
  }
}

// shown is how the pages write a moment: 06.12.2026 20:15 in Russian,
// Dec 6, 2026, 8:15 PM in English, in the configured zone.
function shown(lang, at) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: zone, year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', hour12: lang === 'en',
  }).formatToParts(at).map((x) => [x.type, x.value]));
  if (lang === 'en') return `${parts.month} ${parts.day}, ${parts.year}, ${parts.hour}:${parts.minute}\u202f${parts.dayPeriod}`;
  const num = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
  }).formatToParts(at).map((x) => [x.type, x.value]));
  return `${num.day}.${num.month}.${num.year} ${num.hour}:${num.minute}`;
}

// around matches a moment shown between from and to (the minutes between).
function around(lang, from, to) {
  const seen = new Set();
  for (let t = from - 60000; t <= to + 60000; t += 30000) seen.add(shown(lang, new Date(t)));
  return new RegExp([...seen].map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
}

// vhodSign signs content with `vhod sign` and a fixture GOST key, as a person
// without the plug-in would.
function vhodSign(content, who) {
  const f = process.env.FIXTURES;
  return execFileSync(process.env.VHOD_BIN, ['sign', '--key', `${f}/gost/${who}.key.pem`, '--cert', `${f}/gost/${who}.crt.pem`,
    '--chain', `${f}/gost/int-ca.crt.pem`, '--detached'], { input: content }).toString().trim();
}

// operator signs the operator in, in a language.
function operator(lang) { return signIn(lang, ['root', 'Root-pass-123']); }

// userPage opens an account's page in the console, found by what the search takes.
async function userPage(o, w, query, name) {
  await o.goto(`${issuer}/console/users`);
  await o.getByLabel(w.findUser).fill(query);
  await o.getByRole('button', { name: w.find }).click();
  await o.getByRole('link', { name }).click();
  await o.getByRole('heading', { name }).waitFor();
}

for (const lang of ['ru', 'en']) {
  const w = words[lang];
  const who = people[lang];

  test(`${lang}: item 2 — roles by their catalogue names, statuses in words, no keys; the 404 and 405 pages in the person's language`, async () => {
    // The head: her company, named with initials, on one line, with its status and her role in words.
    const a = await signIn(lang, who.admin);
    await checkPage(a, `words-account-${lang}`);
    await a.goto(`${issuer}/account/companies`);
    const ip = a.locator('li', { hasText: ipName });
    assert.match((await ip.textContent()).replace(/[ \t\r\n]+/g, ' '), new RegExp(`${ipName} · ${w.inn} 500371521396 · ${w.active} · ${w.orgAdmin}`));
    noKeys(lang, await main(a), 'companies');
    await shot(a, `words-companies-${lang}`);
    await checkPage(a, `words-companies-${lang}`);
    // The members page: the employee's roles ticked under their catalogue names.
    await ip.getByRole('link', { name: w.manage }).click();
    const member = a.locator('form', { hasText: who.employee[0] });
    assert.ok(await member.getByLabel(w.buyer, { exact: true }).isChecked());
    assert.ok(await member.getByLabel(w.accountant, { exact: true }).isChecked());
    assert.ok(!(await member.getByLabel(w.orgAdmin, { exact: true }).isChecked()));
    assert.match(await main(a), new RegExp(ipName));
    noKeys(lang, await main(a), 'members');
    await checkPage(a, `words-members-${lang}`);

    // The employee: both companies, each role by its name in the page's language.
    const e = await signIn(lang, who.employee);
    await e.goto(`${issuer}/account/companies`);
    assert.match((await e.locator('li', { hasText: 'ООО\u00a0«Ромашка»' }).textContent()).replace(/[ \t\r\n]+/g, ' '),
      new RegExp(`ООО\u00a0«Ромашка» · ${w.inn} 7728824599, ${w.kpp} 772801001 · ${w.active} · ${w.buyer}`));
    assert.match((await e.locator('li', { hasText: ipName }).textContent()).replace(/[ \t\r\n]+/g, ' '),
      new RegExp(`${ipName} · ${w.inn} 500371521396 · ${w.active} · ${w.buyer}, ${w.accountant}`));
    noKeys(lang, await main(e), 'companies of a member');
    await checkPage(e, `words-companies-member-${lang}`);

    // The 404 and 405 pages: in the person's language, leading back to the account.
    for (const [path, status, title] of [['/no-such-page', 404, w.notFound], ['/account/profile', 405, w.methodTitle]]) {
      const r = await e.goto(`${issuer}${path}`);
      assert.equal(r.status(), status, path);
      assert.equal(await e.getAttribute('html', 'lang'), lang);
      await e.getByRole('heading', { name: title }).waitFor();
      await e.getByRole('link', { name: w.toAccount }).first().waitFor();
      noKeys(lang, await main(e), `${status} page`);
      await shot(e, `words-${status}-${lang}`);
      await checkPage(e, `words-${status}-${lang}`);
    }
    await e.goto(`${issuer}/no-such-page`);
    assert.match(await main(e), new RegExp(w.notFoundText));
    for (const p of [a, e]) assert.deepEqual(p.violations, []);
  });

  test(`${lang}: item 3 — sessions in the configured zone, their browsers and systems in words, counted in plural forms; assurance in words in the console; ending one asks first`, async () => {
    const from = Date.now();
    const k = await signIn(lang, who.employee, firefoxWindows);
    // Earlier tests left sessions: end them, so the count starts at one (this asks first too).
    await k.getByRole('button', { name: w.othersLink }).click();
    await k.getByRole('button', { name: w.others }).click();
    await k.locator('#sessions').getByText(w.sessions[0]).waitFor();
    const to = Date.now();
    const line = (await k.locator('ul.sessions li').first().textContent()).replace(/[ \t\r\n]+/g, ' ');
    assert.match(line, around(lang, from, to), `${line}: the time in ${zone}`);
    assert.match(line, new RegExp(`${w.firefox} — ${w.thisSession}`));
    assert.doesNotMatch(line, /Mozilla|Gecko/);
    await checkPage(k, `words-sessions-one-${lang}`);

    // A second browser: two sessions, the other one named in words.
    const y = await signIn(lang, who.employee, yandexAndroid);
    await k.goto(`${issuer}/account`);
    await k.locator('#sessions').getByText(w.sessions[1]).waitFor();
    await k.locator('ul.sessions li', { hasText: w.yandex }).waitFor();
    // Five: the plural form for five (in Russian another than for two).
    const more = [];
    for (let i = 0; i < 3; i++) more.push(await signIn(lang, who.employee));
    await k.goto(`${issuer}/account`);
    await k.locator('#sessions').getByText(w.sessions[2]).waitFor();
    noKeys(lang, await main(k), 'account with sessions');
    await shot(k, `words-sessions-${lang}`);
    await checkPage(k, `words-sessions-five-${lang}`);

    // The operator sees each session's time, assurance and browser in words.
    const o = await operator(lang);
    await userPage(o, w, who.employee[0], who.employeeName);
    const firefox = o.locator('ul.sessions li', { hasText: w.firefox });
    assert.match((await firefox.textContent()).replace(/[ \t\r\n]+/g, ' '), new RegExp(`${w.signedIn} (${around(lang, from, to).source}): ${w.pwd} · `));
    noKeys(lang, await main(o), 'console account');
    await shot(o, `words-console-user-${lang}`);
    await checkPage(o, `words-console-user-${lang}`);
    // Ending it asks first; "Cancel" keeps it, the page's button ends it.
    await firefox.getByRole('button', { name: w.revoke }).click();
    await o.getByRole('heading', { name: w.revokeQ }).waitFor();
    assert.match(await main(o), new RegExp(who.employee[0]));
    await checkPage(o, `words-confirm-session-revoke-${lang}`);
    await o.getByRole('link', { name: w.cancel }).click();
    await o.locator('ul.sessions li', { hasText: w.firefox }).waitFor();
    await o.locator('ul.sessions li', { hasText: w.firefox }).getByRole('button', { name: w.revoke }).click();
    await o.getByRole('button', { name: w.revokeButton }).click();
    await o.getByRole('heading', { name: who.employeeName }).waitFor();
    assert.equal(await o.locator('ul.sessions li', { hasText: w.firefox }).count(), 0);
    await checkPage(o, `words-console-session-revoked-${lang}`);
    // That browser is signed out.
    await k.goto(`${issuer}/account`);
    await k.getByLabel(w.login).waitFor();
    for (const p of [k, y, o, ...more]) assert.deepEqual(p.violations, []);
  });

  test(`${lang}: items 3 and 4 — a certificate's SNILS written 123-456-789 01; unlinking it asks first and "${w.cancel}" keeps it`, async () => {
    const p = await page(w.locale);
    await p.goto(`${rp}/start?client=esign${w.query}`);
    await p.getByRole('link', { name: w.certLink }).click();
    await p.getByText(w.expert).click();
    await p.getByLabel(w.signature, { exact: true }).fill(vhodSign(await p.getByLabel(w.challenge).inputValue(), who.cert));
    await p.getByRole('button', { name: w.signIn }).click();
    await p.getByRole('button', { name: w.create }).waitFor();
    const snils = `${who.snils.slice(0, 3)}-${who.snils.slice(3, 6)}-${who.snils.slice(6, 9)}\u00a0${who.snils.slice(9)}`;
    assert.match(await main(p), new RegExp(snils));
    await checkPage(p, `words-certificate-confirm-${lang}`);
    await p.getByRole('button', { name: w.create }).click();
    await p.waitForSelector('#claims');

    // A first password, so that the certificate is not the only way in.
    await p.goto(`${issuer}/account`);
    await p.getByLabel(w.newPassword, { exact: true }).fill('Cert-person-pass-1');
    await p.getByLabel(w.repeatNew).fill('Cert-person-pass-1');
    await p.getByRole('button', { name: w.setPassword }).click();
    await p.locator('#password .notice').filter({ hasText: w.passwordSet }).waitFor();
    const cert = p.locator('ul.certificates li');
    assert.match(await cert.textContent(), new RegExp(`${w.certUntil} ${lang === 'ru' ? '\\d\\d\\.\\d\\d\\.\\d{4}' : '[A-Z][a-z]{2} \\d{1,2}, \\d{4}'}`));
    assert.match(await cert.textContent(), new RegExp(w.qualified));
    noKeys(lang, await main(p), 'account with a certificate');
    await checkPage(p, `words-account-certificate-${lang}`);

    // The operator finds the person by the SNILS as people write it, and sees it so.
    const o = await operator(lang);
    await o.goto(`${issuer}/console/users`);
    await o.getByLabel(w.findUser).fill(snils.replace('\u00a0', ' '));
    await o.getByRole('button', { name: w.find }).click();
    await o.locator('table tbody a').first().click();
    assert.match(await main(o), new RegExp(`${w.snils} ${snils}`));
    assert.match(await main(o), new RegExp(`: ${w.qualified} · `));
    await checkPage(o, `words-console-snils-${lang}`);

    // Unlinking asks first; "Cancel" keeps the certificate.
    await cert.getByRole('button', { name: w.unlink }).click();
    if (w.unlinkQ) await p.getByRole('heading', { name: w.unlinkQ }).waitFor();
    await p.getByRole('button', { name: w.unlinkButton }).waitFor();
    await shot(p, `words-confirm-unlink-${lang}`);
    await checkPage(p, `words-confirm-unlink-${lang}`);
    await p.getByRole('link', { name: w.cancel }).click();
    await p.locator('ul.certificates li').waitFor();
    await p.locator('ul.certificates li').getByRole('button', { name: w.unlink }).click();
    await p.getByRole('button', { name: w.unlinkButton }).click();
    await p.getByText(w.unlinked).waitFor();
    assert.equal(await p.locator('ul.certificates li').count(), 0);
    await checkPage(p, `words-unlinked-${lang}`);
    for (const x of [p, o]) assert.deepEqual(x.violations, []);
  });

  test(`${lang}: item 4 — leaving a company, removing a member, ending the other sessions, deleting a client, suspending a company and deleting an account ask first; "${w.cancel}" keeps everything`, async () => {
    // Ending the other sessions.
    const e = await signIn(lang, who.employee);
    const other = await signIn(lang, who.employee);
    await e.goto(`${issuer}/account`);
    await e.getByRole('button', { name: w.othersLink }).click();
    if (w.othersQ) await e.getByRole('heading', { name: w.othersQ }).waitFor();
    await checkPage(e, `words-confirm-sign-out-others-${lang}`);
    await e.getByRole('link', { name: w.cancel }).click();
    await e.getByRole('heading', { name: w.account }).waitFor();
    await other.goto(`${issuer}/account`);
    await other.getByRole('heading', { name: w.account }).waitFor(); // still signed in
    await e.getByRole('button', { name: w.othersLink }).click();
    await e.getByRole('button', { name: w.others }).click();
    await e.locator('#sessions').getByText(w.sessions[0]).waitFor();
    await other.goto(`${issuer}/account`);
    await other.getByLabel(w.login).waitFor(); // signed out

    // Leaving a company: the button says so, never "Выйти".
    await e.goto(`${issuer}/account/companies`);
    assert.equal(await e.getByRole('button', { name: 'Выйти', exact: true }).count(), 0);
    const romashka = () => e.locator('li', { hasText: 'ООО\u00a0«Ромашка»' });
    await romashka().getByRole('button', { name: w.leave }).click();
    await e.getByRole('heading', { name: w.leaveQ }).waitFor();
    await e.getByText(w.leaveText).first().waitFor();
    await checkPage(e, `words-confirm-leave-${lang}`);
    await e.getByRole('link', { name: w.cancel }).click();
    assert.match(await romashka().textContent(), new RegExp(w.active));
    await romashka().getByRole('button', { name: w.leave }).click();
    await e.getByRole('button', { name: w.leave }).click();
    await e.getByText(w.left).waitFor();
    assert.equal(await romashka().count(), 0);
    await checkPage(e, `words-left-${lang}`);

    // Removing a member: unticking every role asks first; "Cancel" keeps the roles.
    const a = await signIn(lang, who.admin);
    await a.goto(`${issuer}/account/companies/ipsid/members`);
    const member = () => a.locator('form', { hasText: who.employee[0] });
    await member().getByLabel(w.buyer, { exact: true }).uncheck();
    await member().getByLabel(w.accountant, { exact: true }).uncheck();
    await a.getByRole('button', { name: `${w.save} ${who.employee[0]}` }).click();
    await a.getByRole('heading', { name: w.removeQ }).waitFor();
    await checkPage(a, `words-confirm-member-remove-${lang}`);
    await a.getByRole('link', { name: w.cancel }).click();
    assert.ok(await member().getByLabel(w.buyer, { exact: true }).isChecked());
    assert.ok(await member().getByLabel(w.accountant, { exact: true }).isChecked());
    await member().getByLabel(w.buyer, { exact: true }).uncheck();
    await member().getByLabel(w.accountant, { exact: true }).uncheck();
    await a.getByRole('button', { name: `${w.save} ${who.employee[0]}` }).click();
    await a.getByRole('button', { name: w.remove }).click();
    await a.getByText(w.removed).waitFor();
    await a.locator('form.removed', { hasText: who.employee[0] }).locator('.status', { hasText: w.removedStatus }).waitFor();
    await checkPage(a, `words-member-removed-${lang}`);

    // The operator: deleting a client.
    const o = await operator(lang);
    await o.goto(`${issuer}/console/clients/${w.client.id}`);
    await o.getByRole('button', { name: w.clientDelete }).click();
    await o.getByRole('heading', { name: w.clientDeleteQ }).waitFor();
    await o.getByText(w.client.name).first().waitFor();
    await checkPage(o, `words-confirm-client-delete-${lang}`);
    await o.getByRole('link', { name: w.cancel }).click();
    await o.getByRole('button', { name: w.clientDelete }).click();
    await o.getByRole('button', { name: lang === 'ru' ? 'Удалить клиента' : 'Delete the client' }).click();
    await o.goto(`${issuer}/console/clients`);
    assert.equal(await o.getByRole('link', { name: w.client.id, exact: true }).count(), 0);
    await checkPage(o, `words-client-deleted-${lang}`);

    // Suspending a company: "Cancel" keeps it active; then suspended, in words, and reactivated.
    await o.goto(`${issuer}/console/organisations`);
    const row = () => o.locator('tr', { hasText: w.company });
    await row().getByLabel(w.reason).fill(lang === 'ru' ? 'Проверка документов' : 'Checking the papers');
    await row().getByRole('button', { name: w.suspend }).click();
    await o.getByRole('heading', { name: w.suspendQ }).waitFor();
    await o.getByText(w.company).first().waitFor();
    await checkPage(o, `words-confirm-suspend-${lang}`);
    await o.getByRole('link', { name: w.cancel }).click();
    assert.match(await row().textContent(), new RegExp(w.active));
    await row().getByRole('button', { name: w.suspend }).click();
    await o.getByRole('button', { name: w.suspendButton }).click();
    await o.goto(`${issuer}/console/organisations`);
    assert.match(await row().textContent(), new RegExp(w.suspended));
    noKeys(lang, await main(o), 'organisations');
    await checkPage(o, `words-suspended-${lang}`);
    await row().getByRole('button', { name: w.reactivate }).click();
    await o.goto(`${issuer}/console/organisations`);
    assert.match(await row().textContent(), new RegExp(w.active));

    // Deleting an account.
    await userPage(o, w, w.doomed.login, w.doomed.name);
    await o.getByRole('button', { name: w.userDelete }).click();
    await o.getByRole('heading', { name: w.userDeleteQ }).waitFor();
    await o.getByText(w.doomed.login).first().waitFor();
    await checkPage(o, `words-confirm-user-delete-${lang}`);
    await o.getByRole('link', { name: w.cancel }).click();
    await o.getByRole('heading', { name: w.doomed.name }).waitFor();
    await o.getByRole('button', { name: w.userDelete }).click();
    await o.getByRole('button', { name: w.userDeleteButton }).click();
    await o.goto(`${issuer}/console/users`);
    await o.getByLabel(w.findUser).fill(w.doomed.login);
    await o.getByRole('button', { name: w.find }).click();
    assert.equal(await o.getByRole('link', { name: w.doomed.name }).count(), 0);
    for (const p of [e, other, a, o]) assert.deepEqual(p.violations, []);
  });
}
