// КИТ's journey of issue 18, in Russian and English: sign-up by phone with the
// consents, recovery by an SMS temporary password with a forced change, and
// several companies, each confirmed by a code mailed to it, that the app's
// `orgs` claim lists once a moderator has approved them.
// e2e/browser_kit_test.go starts Vhod (the consents linked to texts on the
// relying party's site) and the relying party, and passes RP_URL and ISSUER.
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

async function claims(p) {
  await p.waitForSelector('#claims');
  return JSON.parse(await p.textContent('#claims'));
}

// sms is the last text message to a number that matches re (waiting for it).
async function sms(to, re) {
  for (let i = 0; i < 50; i++) {
    const text = await (await fetch(`${rp}/last-sms?to=${encodeURIComponent(to)}`)).text();
    if (re.test(text)) return text;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no SMS to ${to} matching ${re}`);
}

// mailedCode is the code of the last mail to an address that names company (waiting for it).
async function mailedCode(to, company) {
  for (let i = 0; i < 50; i++) {
    const r = await fetch(`${rp}/last-mail?to=${encodeURIComponent(to)}`);
    if (r.ok) {
      const text = await r.text();
      const m = /\b(\d{6})\b/.exec(text);
      if (m && text.includes(company)) return m[1];
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no code mailed to ${to} for ${company}`);
}

// captcha waits until the page's proof of work is done, when the page has one.
async function captcha(p, w) {
  if (await p.locator('[data-altcha]').count()) await p.getByText(w.checked).waitFor({ timeout: 60000 });
}

const words = {
  ru: {
    locale: 'ru-RU', query: '', checked: 'Проверка пройдена.',
    signUp: 'Создать учётную запись', identifier: 'Телефон или электронная почта', password: 'Пароль', repeat: 'Повторите пароль',
    pd: 'Я даю согласие на обработку моих персональных данных', policy: 'Политика обработки персональных данных',
    terms: 'Я принимаю условия пользовательского соглашения (оферты)', offer: 'Пользовательское соглашение (оферта)',
    termsRequired: 'Без согласия с условиями пользовательского соглашения регистрация невозможна.',
    news: 'Я хочу получать новости и предложения', register: 'Зарегистрироваться', codeSent: 'Мы отправили код',
    code: 'Код', confirm: 'Подтвердить', wrongCode: 'Неверный или устаревший код',
    forgot: 'Забыли пароль?', recoveryId: 'Телефон, электронная почта или номер договора', continue: 'Продолжить',
    smsSent: 'Если этот номер зарегистрирован', signInLink: 'Войти', login: 'Логин', signIn: 'Войти',
    temporary: 'Ваш пароль временный', old: 'Старый пароль', newPassword: 'Новый пароль', repeatNew: 'Повторите новый пароль',
    change: 'Сменить пароль', account: 'Личный кабинет', companies: 'Организации', registerCompany: 'Зарегистрировать организацию',
    inn: 'ИНН', kpp: 'КПП', next: 'Далее', unknown: 'В реестре нет такого ИНН', legalForm: 'Организационно-правовая форма',
    fullName: 'Полное наименование', name: 'Сокращённое наименование', director: 'Руководитель (ФИО)', ogrn: 'ОГРН (ОГРНИП)',
    okved: 'Основной код ОКВЭД', bik: 'БИК', fillBik: 'Заполнить по БИК', account_: 'Расчётный счёт', postcode: 'Индекс',
    street: 'Улица', house: 'Дом, корпус, строение', same: 'Совпадает с юридическим', contact: 'Контактное лицо',
    email: 'Электронная почта организации (на неё придёт код)', submit: 'Отправить', mailCode: 'Код из письма',
    submitted: 'Организация отправлена на проверку модератору', pending: 'На проверке', active: 'Действует',
    approve: 'Одобрить', approved: 'Одобрено.', admin: 'Администратор организации', choose: 'Выберите организацию',
    form: 'Общество с ограниченной ответственностью',
  },
  en: {
    locale: 'en-US', query: '&ui_locales=en', checked: 'Check passed.',
    signUp: 'Create an account', identifier: 'Phone or email', password: 'Password', repeat: 'Repeat password',
    pd: 'I agree to the processing of my personal data', policy: 'Personal data policy',
    terms: 'I accept the terms of service (public offer)', offer: 'Terms of service (public offer)',
    termsRequired: 'An account needs your acceptance of the terms of service.',
    news: 'I want to receive news and offers', register: 'Create account', codeSent: 'We sent a code',
    code: 'Code', confirm: 'Confirm', wrongCode: 'Wrong or expired code',
    forgot: 'Forgot password?', recoveryId: 'Phone, email or contract number', continue: 'Continue',
    smsSent: 'If this number is registered', signInLink: 'Sign in', login: 'Login', signIn: 'Sign in',
    temporary: 'Your password is temporary', old: 'Old password', newPassword: 'New password', repeatNew: 'Repeat new password',
    change: 'Change password', account: 'Your account', companies: 'Companies', registerCompany: 'Register a company',
    inn: 'INN', kpp: 'KPP', next: 'Next', unknown: 'The state register does not know this INN', legalForm: 'Legal form',
    fullName: 'Full name', name: 'Short name', director: 'Director (full name)', ogrn: 'OGRN (OGRNIP)',
    okved: 'Main OKVED code', bik: 'BIK', fillBik: 'Fill in by BIK', account_: 'Settlement account', postcode: 'Postcode',
    street: 'Street', house: 'House, block, building', same: 'Same as legal', contact: 'Contact person',
    email: 'Company email (a code will be sent to it)', submit: 'Submit', mailCode: 'Code from the email',
    submitted: 'The company has been submitted', pending: 'Under review', active: 'Active',
    approve: 'Approve', approved: 'Approved.', admin: 'Company administrator', choose: 'Choose a company',
    form: 'Limited liability company',
  },
};

// The two people of the journey, one per language, each with two companies
// the state register does not know (valid INN, KPP and OGRN, typed in).
const people = {
  ru: {
    phone: '+79095550101', typed: '+7 909 555-01-01', spelt: '8 (909) 555-01-01', first: 'Kit-start-1', last: 'Kit-after-2',
    companies: [
      { inn: '7703123457', kpp: '770301001', ogrn: '1027700000118', name: 'ООО «КИТ Логистика»', full: 'Общество с ограниченной ответственностью «КИТ Логистика»',
        director: 'Китов Иван Андреевич', email: 'office@kit-log.example' },
      { inn: '7703987658', kpp: '770301001', ogrn: '1027700000228', name: 'ООО «КИТ Склад»', full: 'Общество с ограниченной ответственностью «КИТ Склад»',
        director: 'Китов Иван Андреевич', email: 'office@kit-sklad.example' },
    ],
  },
  en: {
    phone: '+79095550202', typed: '+7 (909) 555 02 02', spelt: '89095550202', first: 'Kit-start-3', last: 'Kit-after-4',
    companies: [
      { inn: '7810123451', kpp: '781001001', ogrn: '1027800000337', name: 'ООО «КИТ Север»', full: 'Общество с ограниченной ответственностью «КИТ Север»',
        director: 'Северова Анна Петровна', email: 'office@kit-north.example' },
      { inn: '7810987652', kpp: '781001001', ogrn: '1027800000447', name: 'ООО «КИТ Юг»', full: 'Общество с ограниченной ответственностью «КИТ Юг»',
        director: 'Северова Анна Петровна', email: 'office@kit-south.example' },
    ],
  },
};

// nb matches a company's name as the pages show it: with a non-breaking
// space after the legal form.
function nb(name) {
  return name.replace(/^(ООО|АО|ИП) /, '$1\u00a0');
}

// signUp: "Create an account" from the app's sign-in form, with the phone,
// a password and the consents; the SMS code confirms it and the app is reached.
async function signUp(lang, w, who) {
  const p = await page(w.locale);
  await p.goto(`${rp}/start?client=b2b${w.query}`);
  await checkPage(p, `kit-signin-${lang}`);
  await p.getByRole('link', { name: w.signUp }).click();
  await p.getByLabel(w.identifier).fill(who.typed);
  await p.getByLabel(w.password, { exact: true }).fill(who.first);
  await p.getByLabel(w.repeat).fill(who.first);
  // The personal-data consent links the policy text, opened beside the form.
  const policy = p.getByRole('link', { name: w.policy });
  assert.equal(await policy.getAttribute('href'), `${rp}/privacy`);
  assert.equal(await policy.getAttribute('target'), '_blank');
  const offer = p.getByRole('link', { name: w.offer });
  assert.equal(await offer.getAttribute('href'), `${rp}/offer`);
  assert.equal(await offer.getAttribute('target'), '_blank');
  await p.getByLabel(w.pd).check();
  await p.getByLabel(w.news).check();
  // The offer is required too: without it the form says so at its tick and keeps the others.
  await captcha(p, w);
  await p.getByRole('button', { name: w.register }).click();
  await p.locator('#consent_terms-error').filter({ hasText: w.termsRequired }).waitFor();
  assert.ok(await p.getByLabel(w.pd).isChecked(), 'the personal-data tick kept');
  assert.ok(await p.getByLabel(w.news).isChecked(), 'the news tick kept');
  await checkPage(p, `kit-signup-terms-missing-${lang}`);
  await p.getByLabel(w.terms).check();
  await captcha(p, w);
  await shot(p, `kit-signup-${lang}`);
  await checkPage(p, `kit-signup-${lang}`);
  await p.getByRole('button', { name: w.register }).click();
  await p.getByRole('status').filter({ hasText: w.codeSent }).waitFor();
  await checkPage(p, `kit-signup-code-${lang}`);
  // A wrong code is refused and the right one still works.
  await p.getByLabel(w.code, { exact: true }).fill('000000');
  await p.getByRole('button', { name: w.confirm }).click();
  await p.getByRole('alert').filter({ hasText: w.wrongCode }).waitFor();
  await checkPage(p, `kit-signup-wrong-code-${lang}`);
  const text = await sms(who.phone, /\d{6}/);
  await p.getByLabel(w.code, { exact: true }).fill(text.match(/\d{6}/)[0]);
  await p.getByRole('button', { name: w.confirm }).click();
  const c = await claims(p);
  assert.ok(c.sub);
  assert.deepEqual(c.orgs, [], 'a new account is in no company');
  assert.deepEqual(p.violations, []);
  await p.context().close();
  return c.sub;
}

// recover: in another browser, "Forgot password?" by phone sends a temporary
// password by SMS; signing in with it asks for a new one, then the app is reached.
async function recover(lang, w, who) {
  const p = await page(w.locale);
  await p.goto(`${rp}/start?client=b2b${w.query}`);
  await p.getByRole('link', { name: w.forgot }).click();
  await checkPage(p, `kit-recovery-${lang}`);
  await p.getByLabel(w.recoveryId).fill(who.spelt);
  await captcha(p, w);
  await p.getByRole('button', { name: w.continue }).click();
  await p.getByRole('status').filter({ hasText: w.smsSent }).waitFor();
  await shot(p, `kit-recovery-sent-${lang}`);
  await checkPage(p, `kit-recovery-sent-${lang}`);
  const text = await sms(who.phone, /(?:Временный пароль|Temporary password): \S+\./);
  const temp = text.match(/(?:Временный пароль|Temporary password): (\S+)\./)[1];
  await p.getByRole('link', { name: w.signInLink }).click();
  await checkPage(p, `kit-signin-again-${lang}`);
  await p.getByLabel(w.login).fill(who.spelt);
  await p.getByLabel(w.password).fill(temp);
  await captcha(p, w);
  await p.getByRole('button', { name: w.signIn }).click();
  // The temporary password is good for one thing: choosing a new one.
  await p.getByText(w.temporary).waitFor();
  await shot(p, `kit-forced-change-${lang}`);
  await checkPage(p, `kit-forced-change-${lang}`);
  await p.getByLabel(w.old).fill(temp);
  await p.getByLabel(w.newPassword, { exact: true }).fill(who.last);
  await p.getByLabel(w.repeatNew).fill(who.last);
  await p.getByRole('button', { name: w.change }).click();
  const c = await claims(p);
  assert.equal(c.acr, 'urn:vhod:acr:password');
  assert.deepEqual(p.violations, []);
  return { p, sub: c.sub };
}

// registerCompany goes through the wizard from the companies page; the
// company's email is confirmed by the code mailed to it (a wrong code first).
async function registerCompany(lang, w, p, o, n) {
  await p.goto(`${issuer}/account/companies`);
  await checkPage(p, `kit-companies-${n}-${lang}`);
  await p.getByRole('link', { name: w.registerCompany }).click();
  await checkPage(p, `kit-company-inn-${n}-${lang}`);
  await p.getByLabel(w.inn, { exact: true }).fill(o.inn);
  await p.getByRole('button', { name: w.next }).click();
  await checkPage(p, `kit-company-kpp-${n}-${lang}`);
  await p.getByLabel(w.kpp, { exact: true }).fill(o.kpp);
  await p.getByRole('button', { name: w.next }).click();
  await p.getByText(w.unknown).waitFor();
  await checkPage(p, `kit-company-general-${n}-${lang}`);
  await p.getByLabel(w.legalForm, { exact: true }).fill(w.form);
  await p.getByLabel(w.fullName, { exact: true }).fill(o.full);
  await p.getByLabel(w.name, { exact: true }).fill(o.name);
  await p.getByLabel(w.director, { exact: true }).fill(o.director);
  await p.getByLabel(w.ogrn, { exact: true }).fill(o.ogrn);
  await p.getByLabel(w.okved, { exact: true }).fill('49.41');
  await p.getByRole('button', { name: w.next }).click();
  await checkPage(p, `kit-company-bank-${n}-${lang}`);
  await p.getByLabel(w.bik, { exact: true }).fill('044525225');
  await p.getByRole('button', { name: w.fillBik }).click();
  await p.getByLabel(w.account_, { exact: true }).fill('40702810938000012345');
  await p.getByRole('button', { name: w.next }).click();
  await checkPage(p, `kit-company-addresses-${n}-${lang}`);
  await p.getByLabel(w.postcode).first().fill('125009');
  await p.getByLabel(w.street).first().fill('ул. Тверская');
  await p.getByLabel(w.house).first().fill('д. 7');
  await p.getByLabel(w.same).first().check();
  await p.getByLabel(w.same).last().check();
  await p.getByRole('button', { name: w.next }).click();
  await checkPage(p, `kit-company-contacts-${n}-${lang}`);
  await p.getByLabel(w.contact, { exact: true }).fill(o.director);
  await p.getByLabel(w.email).fill(o.email);
  await p.getByRole('button', { name: w.next }).click();
  await checkPage(p, `kit-company-review-${n}-${lang}`);
  await p.getByRole('button', { name: w.submit }).click();
  await p.getByLabel(w.mailCode).waitFor();
  await shot(p, `kit-company-code-${n}-${lang}`);
  await checkPage(p, `kit-company-code-${n}-${lang}`);
  await p.getByLabel(w.mailCode).fill('000000');
  await p.getByRole('button', { name: w.confirm }).click();
  await p.getByRole('alert').filter({ hasText: w.wrongCode }).waitFor();
  await checkPage(p, `kit-company-wrong-code-${n}-${lang}`);
  await p.getByLabel(w.mailCode).fill(await mailedCode(o.email, o.name));
  await p.getByRole('button', { name: w.confirm }).click();
  await p.getByText(w.submitted).waitFor();
  await checkPage(p, `kit-company-submitted-${n}-${lang}`);
  await p.locator('li', { hasText: nb(o.name) }).getByText(w.pending).waitFor();
}

for (const lang of ['ru', 'en']) {
  const w = words[lang];
  const who = people[lang];
  test(`${lang}: КИТ — sign-up by phone with consents, recovery by an SMS temporary password with a forced change, two companies each confirmed by a code, both in the orgs claim`, async () => {
    const sub = await signUp(lang, w, who);
    const { p, sub: again } = await recover(lang, w, who);
    assert.equal(again, sub, 'the same account');

    // The account pages, through the session the sign-in made.
    await p.goto(`${issuer}/account`);
    await p.getByRole('heading', { name: w.account }).waitFor();
    await checkPage(p, `kit-account-${lang}`);
    for (const [n, o] of who.companies.entries()) await registerCompany(lang, w, p, o, n + 1);
    for (const o of who.companies) await p.locator('li', { hasText: nb(o.name) }).getByText(w.pending).waitFor();
    await shot(p, `kit-companies-pending-${lang}`);

    // The moderator approves both.
    const m = await page(w.locale);
    await m.goto(`${issuer}/account`);
    await m.getByLabel(w.login).fill('modr');
    await m.getByLabel(w.password).fill('Moderator-pass-1');
    await m.getByRole('button', { name: w.signIn }).click();
    await m.getByRole('heading', { name: w.account }).waitFor();
    await m.goto(`${issuer}/moderation`);
    await checkPage(m, `kit-moderation-${lang}`);
    for (const o of who.companies) {
      await m.getByRole('button', { name: `${w.approve} ${nb(o.name)}` }).click();
      await m.getByText(w.approved).waitFor();
      await checkPage(m, `kit-moderation-approved-${o.inn}-${lang}`);
    }

    // Both are the person's, active; the app lists both in `orgs` after the choice of one.
    await p.goto(`${issuer}/account/companies`);
    for (const o of who.companies) {
      const li = p.locator('li', { hasText: nb(o.name) });
      await li.getByText(w.active).waitFor();
      assert.match(await li.textContent(), new RegExp(`${o.inn}[^]*· ${w.active} · ${w.admin}`));
    }
    await shot(p, `kit-companies-active-${lang}`);
    await checkPage(p, `kit-companies-active-${lang}`);
    await p.goto(`${rp}/start?client=b2b${w.query}`);
    await p.getByRole('heading', { name: w.choose }).waitFor();
    await checkPage(p, `kit-org-choice-${lang}`);
    await p.getByLabel(nb(who.companies[1].name)).check();
    await p.getByRole('button', { name: w.continue }).click();
    const c = await claims(p);
    assert.equal(c.sub, sub);
    assert.equal(c.org.inn, who.companies[1].inn);
    assert.deepEqual(c.roles, ['org_admin']);
    assert.deepEqual(c.orgs.map((o) => o.inn).sort(), who.companies.map((o) => o.inn).sort());
    for (const o of c.orgs) {
      const want = who.companies.find((x) => x.inn === o.inn);
      assert.equal(o.name, want.name);
      assert.equal(o.kpp, want.kpp);
      assert.deepEqual(o.roles, ['org_admin']);
    }
    for (const x of [p, m]) assert.deepEqual(x.violations, []);
  });
}
