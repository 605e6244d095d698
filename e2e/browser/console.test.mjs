// Browser tests of the console and the frames (issue 18, items 1, 3, 4 and 8),
// in ru and en: lists sorted by a header link that keeps its order across
// pages, the client form in sections keeping every field after a refusal, a
// confirmation and the 404 page in the signed-in frame (and the 404 in the
// card for nobody), and the error pages that lead back to the app: an unknown
// client, a return address not registered, a sign-in request that expired and
// a logout address not registered. e2e/browser_console_test.go starts Vhod
// (sign-in requests live a minute; 55 more companies) and the RP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { checkPage } from './checks.mjs';

const rp = process.env.RP_URL;
const issuer = process.env.ISSUER;
let browser;
let started;
// A sign-in page per language, opened at the start: its request has expired
// (a minute) by the time the test of that language submits it.
const stale = {};

const texts = {
  ru: {
    locale: 'ru-RU', login: 'Логин', password: 'Пароль', signIn: 'Войти', yourAccount: 'Личный кабинет',
    console: 'Консоль', clients: 'Клиенты', orgs: 'Организации', audit: 'Журнал аудита', users: 'Учётные записи',
    name: 'Название', inn: 'ИНН', findOrg: 'Название или ИНН', find: 'Найти', time: 'Время', created: 'Создан', next: 'Следующая страница', signOut: 'Выйти',
    newest: 'сначала новые', oldest: 'сначала давние',
    toc: 'Разделы формы', sections: ['Основное', 'Адреса возврата', 'Вход и безопасность', 'Токены', 'Права в API'],
    clientID: 'Идентификатор клиента', redirects: 'Адреса возврата (по одному в строке)',
    postLogout: 'Адреса после выхода (по одному в строке)', backchannel: 'Адрес для выхода по обратному каналу (получает подписанный logout token)',
    frontchannel: 'Адрес для выхода через браузер (открывается во фрейме при выходе)', authMethod: 'Аутентификация клиента',
    jwks: 'Набор открытых ключей (JSON, для private_key_jwt)', subject: 'Субъект сертификата клиента (tls_client_auth, например CN=erp,O=Example)',
    pins: 'Отпечатки SHA-256 сертификатов клиента (hex, по одному в строке)', tokenFormat: 'Формат токена доступа',
    signingAlg: 'Алгоритм подписи', scopes: 'Дополнительные области (через пробел)', minACR: 'Минимальный уровень входа',
    checks: ['Публичный клиент (без секрета, PKCE)', 'Принимать только предварительно переданные запросы (PAR)',
      'Привязывать токены доступа к сертификату клиента (mTLS)', 'Включать данные профиля в ID-токен', 'Оператор'],
    create: 'Создать клиента', invalid: 'Исправьте отмеченные поля.', deleteClient: 'Удалить клиента',
    confirmTitle: 'Удалить клиента?', cancel: 'Отмена', notFound: 'Страница не найдена',
    unknownClient: 'Приложение не подключено ко «Входу»', badRedirect: 'Вход остановлен',
    expired: 'Запрос на вход устарел', badLogout: 'Выход не выполнен', back: /^Вернуться в/,
  },
  en: {
    locale: 'en-US', login: 'Login', password: 'Password', signIn: 'Sign in', yourAccount: 'Your account',
    console: 'Console', clients: 'Clients', orgs: 'Organisations', audit: 'Audit log', users: 'Accounts',
    name: 'Name', inn: 'INN', findOrg: 'Name or INN', find: 'Find', time: 'Time', created: 'Created', next: 'Next page', signOut: 'Sign out',
    newest: 'newest first', oldest: 'oldest first',
    toc: 'Form sections', sections: ['Basics', 'Return addresses', 'Sign-in and security', 'Tokens', 'Powers in the API'],
    clientID: 'Client ID', redirects: 'Redirect URIs (one per line)', postLogout: 'Addresses after sign-out (one per line)',
    backchannel: 'Back-channel logout address (receives a signed logout token)',
    frontchannel: 'Front-channel logout address (opened in a frame at sign-out)', authMethod: 'Client authentication',
    jwks: 'Public key set (JSON, for private_key_jwt)', subject: 'Client certificate subject (tls_client_auth, e.g. CN=erp,O=Example)',
    pins: 'Client certificate SHA-256 fingerprints (hex, one per line)', tokenFormat: 'Access token format',
    signingAlg: 'Signing algorithm', scopes: 'Extra scopes (space-separated)', minACR: 'Minimum sign-in level',
    checks: ['Public client (no secret, PKCE)', 'Accept only pushed authorization requests (PAR)',
      'Bind access tokens to the client certificate (mTLS)', 'Put profile claims into the ID token', 'Operator'],
    create: 'Create client', invalid: 'Some fields need correcting.', deleteClient: 'Delete client',
    confirmTitle: 'Delete the client?', cancel: 'Cancel', notFound: 'Page not found',
    unknownClient: 'The application is not connected to Vhod', badRedirect: 'Sign-in stopped',
    expired: 'The sign-in request has expired', badLogout: 'You have not been signed out', back: /^Back to/,
  },
};

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  started = Date.now();
  for (const lang of ['ru', 'en']) {
    const p = await page(texts[lang].locale);
    await p.goto(`${rp}/start?client=shop&ui_locales=${lang}`);
    await p.getByLabel(texts[lang].password, { exact: true }).waitFor();
    stale[lang] = p;
  }
});
after(async () => { await browser?.close(); });

// page opens a fresh context (own cookies) and records CSP violations.
async function page(locale) {
  const ctx = await browser.newContext({ locale });
  const p = await ctx.newPage();
  p.setDefaultTimeout(20000);
  p.violations = [];
  p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) p.violations.push(m.text()); });
  return p;
}

async function signInToConsole(lang) {
  const t = texts[lang];
  const p = await page(t.locale);
  await p.goto(`${issuer}/account`);
  await p.getByLabel(t.login, { exact: true }).fill('root');
  await p.getByLabel(t.password, { exact: true }).fill('Root-pass-123');
  await p.getByRole('button', { name: t.signIn, exact: true }).click();
  await p.locator('header.top').waitFor();
  await p.getByRole('link', { name: t.console, exact: true }).first().click();
  await p.getByRole('heading', { level: 1, name: t.console }).waitFor();
  return p;
}

// header is a column's header cell, found by the text of its link.
const header = (p, name) => p.locator('thead th').filter({ has: p.getByRole('link', { name, exact: true }) });

// column reads the texts of a table's column n (from 1), spaces made plain.
async function column(p, n) {
  return (await p.locator(`tbody tr td:nth-child(${n})`).allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim());
}

// when reads a time as the audit table shows it (ru 06.12.2026 10:20; en Dec 6, 2026, 10:20 AM).
function when(s) {
  const ru = s.match(/^(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d)$/);
  if (ru) return Date.UTC(+ru[3], +ru[2] - 1, +ru[1], +ru[4], +ru[5]);
  const t = Date.parse(s.replace(/\u202f/g, ' '));
  assert.ok(!Number.isNaN(t), `a time the table shows: ${s}`);
  return t;
}

// isOrdered tells whether list is in order (desc: the other way), by code units as the database sorts.
function isOrdered(list, desc) {
  for (let i = 1; i < list.length; i++) {
    const [a, b] = desc ? [list[i], list[i - 1]] : [list[i - 1], list[i]];
    if (a > b) return false;
  }
  return true;
}

// frame checks the signed-in frame: the header with the person's menu and
// "Sign out", and the sections' navigation (the console's, or for a page no
// audience serves, the account's).
async function frame(p, t, nav = { label: t.console, link: t.clients }) {
  await p.locator('header.top').waitFor();
  assert.match(await p.locator('header.top details.menu summary').textContent(), /root/);
  await p.locator('header.top details.menu summary').click();
  await p.getByRole('button', { name: t.signOut, exact: true }).waitFor();
  await p.locator('header.top details.menu summary').click();
  await p.getByRole('navigation', { name: nav.label, exact: true }).getByRole('link', { name: nav.link, exact: true }).waitFor();
  assert.equal(await p.locator('main.card').count(), 0);
}

for (const lang of ['ru', 'en']) {
  const t = texts[lang];

  test(`${lang}: console lists sort by a header and page on in that order`, async () => {
    const p = await signInToConsole(lang);
    await p.getByRole('link', { name: t.orgs, exact: true }).first().click();
    await checkPage(p, `console-orgs-${lang}`);
    assert.equal(await header(p, t.name).getAttribute('aria-sort'), null);
    await header(p, t.name).getByRole('link').click();
    await p.waitForURL(/sort=name/);
    assert.equal(await header(p, t.name).getAttribute('aria-sort'), 'ascending');
    assert.equal(await header(p, t.inn).getAttribute('aria-sort'), null);
    await header(p, t.name).getByRole('link').click();
    await p.waitForURL(/sort=-name/);
    assert.equal(await header(p, t.name).getAttribute('aria-sort'), 'descending');
    await checkPage(p, `console-orgs-by-name-desc-${lang}`);
    // On a phone the sortable headers stay, as links above the list.
    await p.setViewportSize({ width: 390, height: 844 });
    assert.ok(await header(p, t.name).getByRole('link').isVisible(), 'the sort link on a phone');
    await p.setViewportSize({ width: 1280, height: 800 });
    const first = await column(p, 1);
    assert.equal(first.length, 50, 'a full first page');
    await p.getByRole('link', { name: t.next, exact: true }).click();
    await p.waitForURL(/cursor=/);
    assert.equal(await header(p, t.name).getAttribute('aria-sort'), 'descending', 'the next page keeps the order');
    await checkPage(p, `console-orgs-by-name-desc-page2-${lang}`);
    const second = await column(p, 1);
    const all = [...first, ...second];
    assert.equal(all.length, 57, `every company once over two pages: ${all.join(' | ')}`);
    assert.equal(new Set(all).size, all.length, 'no company twice');
    assert.ok(isOrdered(all, true), `names descending across the pages: ${all.join(' | ')}`);
    assert.ok(all.includes('ООО «Ромашка»') && all.indexOf('ООО «Тест 55»') === 0);

    // A search keeps the order: only the matches, still descending.
    await p.getByLabel(t.findOrg, { exact: true }).fill('Тест 1');
    await p.getByRole('button', { name: t.find, exact: true }).click();
    await p.waitForURL(/q=/);
    assert.match(p.url(), /sort=-name/);
    assert.equal(await header(p, t.name).getAttribute('aria-sort'), 'descending');
    const found = await column(p, 1);
    assert.deepEqual(found, ['ООО «Тест 19»', 'ООО «Тест 18»', 'ООО «Тест 17»', 'ООО «Тест 16»', 'ООО «Тест 15»',
      'ООО «Тест 14»', 'ООО «Тест 13»', 'ООО «Тест 12»', 'ООО «Тест 11»', 'ООО «Тест 10»']);
    // An unknown key is the default order, not a failure.
    const r = await p.goto(`${issuer}/console/organisations?sort=password`);
    assert.equal(r.status(), 200);
    assert.equal(await p.locator('th[aria-sort]').count(), 0);

    // The audit log by time, newest first by default, oldest first by its header.
    await p.getByRole('link', { name: t.audit, exact: true }).first().click();
    assert.equal(await header(p, t.time).getAttribute('aria-sort'), 'descending');
    const newest = (await column(p, 1)).map(when);
    assert.ok(isOrdered(newest, true), 'newest first');
    await header(p, t.time).getByRole('link').click();
    await p.waitForURL(/sort=time/);
    assert.equal(await header(p, t.time).getAttribute('aria-sort'), 'ascending');
    await checkPage(p, `console-audit-oldest-${lang}`);
    const oldest = (await column(p, 1)).map(when);
    assert.ok(oldest.length > 0 && isOrdered(oldest, false), 'oldest first');
    assert.ok(oldest[0] <= newest[newest.length - 1]);
    if (await p.getByRole('link', { name: t.next, exact: true }).count()) {
      await p.getByRole('link', { name: t.next, exact: true }).click();
      await p.waitForURL(/after=/);
      const more = (await column(p, 1)).map(when);
      assert.ok(isOrdered([...oldest, ...more], false), 'the next page of the oldest first goes on later');
    }

    // Accounts by the date they were made, and the moderation queue's order.
    await p.getByRole('link', { name: t.users, exact: true }).first().click();
    await header(p, t.created).getByRole('link').click();
    await p.waitForURL(/sort=created/);
    assert.equal(await header(p, t.created).getAttribute('aria-sort'), 'ascending');
    await checkPage(p, `console-users-by-date-${lang}`);
    await p.goto(`${issuer}/moderation`);
    assert.equal(await p.getByRole('link', { name: t.oldest, exact: true }).getAttribute('aria-current'), 'true');
    await p.getByRole('link', { name: t.newest, exact: true }).click();
    await p.waitForURL(/sort=-created/);
    assert.equal(await p.getByRole('link', { name: t.newest, exact: true }).getAttribute('aria-current'), 'true');
    await checkPage(p, `moderation-newest-${lang}`);
    assert.deepEqual(p.violations, []);
  });

  test(`${lang}: the client form in sections keeps every field after a refusal; a confirmation and the 404 in the frame`, async () => {
    const p = await signInToConsole(lang);
    await p.getByRole('link', { name: t.clients, exact: true }).first().click();
    await checkPage(p, `console-clients-form-${lang}`);
    const toc = p.getByRole('navigation', { name: t.toc });
    assert.deepEqual((await toc.getByRole('link').allTextContents()).map((s) => s.trim()), t.sections);
    for (const s of t.sections) await p.getByRole('group', { name: s, exact: true }).waitFor();
    // The table of contents leads to its section.
    await toc.getByRole('link', { name: t.sections[3] }).click();
    await p.waitForURL(/#cf-tokens$/);

    const id = `sections-${lang}`;
    const values = {
      [t.clientID]: id,
      [t.redirects]: `${rp}/callback/${id}\n/relative/callback`, // refused: not absolute
      [t.postLogout]: `${rp}/bye`,
      [t.backchannel]: `${rp}/backchannel`,
      [t.frontchannel]: `${rp}/frontchannel`,
      [t.jwks]: '{"keys":[]}',
      [t.subject]: 'CN=erp,O=Example',
      [t.pins]: 'ab'.repeat(32),
      [t.scopes]: 'org orgs',
    };
    const form = p.locator('form.sectioned');
    await form.getByLabel(t.name, { exact: true }).fill(`Sections ${lang}`);
    for (const [label, v] of Object.entries(values)) await form.getByLabel(label, { exact: true }).fill(v);
    const selects = { [t.authMethod]: 'private_key_jwt', [t.tokenFormat]: 'jwt', [t.minACR]: 'urn:vhod:acr:phone' };
    for (const [label, v] of Object.entries(selects)) await form.getByLabel(label, { exact: true }).selectOption(v);
    const alg = await form.getByLabel(t.signingAlg, { exact: true }).locator('option').nth(1).textContent();
    await form.getByLabel(t.signingAlg, { exact: true }).selectOption(alg);
    for (const c of t.checks) await form.getByLabel(c, { exact: true }).check();
    await form.locator('input[name=grant_type][value=client_credentials]').check();
    await form.locator('input[name=grant_type][value=refresh_token]').uncheck();
    await form.getByRole('button', { name: t.create, exact: true }).click();

    await p.getByText(t.invalid, { exact: true }).waitFor();
    await checkPage(p, `console-client-refused-${lang}`);
    const kept = p.locator('form.sectioned');
    assert.equal(await kept.getByLabel(t.name, { exact: true }).inputValue(), `Sections ${lang}`);
    for (const [label, v] of Object.entries(values)) assert.equal(await kept.getByLabel(label, { exact: true }).inputValue(), v, label);
    for (const [label, v] of Object.entries(selects)) assert.equal(await kept.getByLabel(label, { exact: true }).inputValue(), v, label);
    assert.equal(await kept.getByLabel(t.signingAlg, { exact: true }).inputValue(), alg);
    for (const c of t.checks) assert.ok(await kept.getByLabel(c, { exact: true }).isChecked(), c);
    assert.ok(await kept.locator('input[name=grant_type][value=client_credentials]').isChecked());
    assert.ok(await kept.locator('input[name=grant_type][value=authorization_code]').isChecked());
    assert.ok(!(await kept.locator('input[name=grant_type][value=refresh_token]').isChecked()));

    // Deleting a client asks on a page of its own, inside the frame.
    await p.goto(`${issuer}/console/clients/partner`);
    await p.getByRole('button', { name: t.deleteClient, exact: true }).click();
    await p.getByRole('heading', { level: 1, name: t.confirmTitle }).waitFor();
    await frame(p, t);
    await checkPage(p, `confirm-client-delete-${lang}`);
    await p.getByRole('link', { name: t.cancel, exact: true }).click();
    await p.waitForURL(/\/console\/clients\/partner$/);

    // The 404 page: in the frame for the person signed in, a card for nobody.
    const r = await p.goto(`${issuer}/console/no-such-page`);
    assert.equal(r.status(), 404);
    await p.getByRole('heading', { level: 1, name: t.notFound }).waitFor();
    await frame(p, t, { label: t.yourAccount, link: t.console });
    await checkPage(p, `not-found-framed-${lang}`);
    const a = await page(t.locale);
    assert.equal((await a.goto(`${issuer}/no-such-page`)).status(), 404);
    await a.getByRole('heading', { level: 1, name: t.notFound }).waitFor();
    assert.equal(await a.locator('main.card').count(), 1);
    assert.equal(await a.locator('header.top').count(), 0);
    await checkPage(a, `not-found-card-${lang}`);
    for (const x of [p, a]) assert.deepEqual(x.violations, []);
  });

  test(`${lang}: error pages say what happened and lead back to the app`, async () => {
    const p = await page(t.locale);
    const expectPage = async (title, href, name) => {
      await p.getByRole('heading', { level: 1, name: title }).waitFor();
      const link = p.locator('p.links a');
      assert.equal(await link.getAttribute('href'), href, `${name}: the way on`);
      if (href === '/account') assert.equal((await link.textContent()).trim(), t.yourAccount);
      else assert.match((await link.textContent()).trim(), t.back);
      assert.match(await p.locator('main').textContent(), /[A-Z0-9]{10}/, 'the error ID');
      await checkPage(p, `${name}-${lang}`);
    };
    const authorize = (params) => `${issuer}/authorize?${new URLSearchParams({ response_type: 'code', scope: 'openid', state: 's', ui_locales: lang, ...params })}`;

    // An unknown client: nothing to go back to but the account.
    await p.goto(authorize({ client_id: 'no-such-app', redirect_uri: `${rp}/callback/shop` }));
    await expectPage(t.unknownClient, '/account', 'error-unknown-client');
    // A return address the app did not register: back to its registered one, never the one asked.
    await p.goto(authorize({ client_id: 'shop', redirect_uri: 'https://evil.example/cb' }));
    await expectPage(t.badRedirect, `${rp}/`, 'error-bad-redirect-uri');
    // A logout address not registered: not signed out, back to the app.
    await p.goto(`${issuer}/end_session?${new URLSearchParams({ client_id: 'shop', post_logout_redirect_uri: 'https://evil.example/', ui_locales: lang })}`);
    await expectPage(t.badLogout, `${rp}/`, 'error-bad-logout-uri');
    assert.equal(await p.locator('a[href^="https://evil.example"]').count(), 0);

    // The sign-in page opened at the start: its request expired meanwhile.
    const s = stale[lang];
    const wait = started + 65000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await s.getByLabel(t.login, { exact: true }).fill('sergeev');
    await s.getByLabel(t.password, { exact: true }).fill('Sergeev-pass-1');
    await s.getByRole('button', { name: t.signIn, exact: true }).click();
    await s.getByRole('heading', { level: 1, name: t.expired }).waitFor();
    assert.equal(await s.locator('p.links a').getAttribute('href'), `${rp}/`);
    assert.match((await s.locator('p.links a').textContent()).trim(), t.back);
    await checkPage(s, `error-expired-request-${lang}`);
    for (const x of [p, s]) assert.deepEqual(x.violations, []);
  });
}
