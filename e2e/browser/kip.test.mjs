// Browser test of the КИП-Сервис journey (issue 18 "What must be shown"):
// registration by INN with the choice of a branch (its own KPP and address,
// the address in street, house and office), moderation, and the accountant's
// sign-in by INN + contract + PIN at the relying app, whose claims show the
// branch (INN and KPP) and the role. Russian: the whole journey from sign-up;
// English: a shorter path through another branch's choice and the contract
// sign-in. e2e/browser_kip_test.go starts Vhod with a registry stand-in that
// knows АО «КИП-Сервис» (head office in Moscow, branches in Yekaterinburg and
// Kazan) and the relying party, and passes RP_URL and ISSUER.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { checkPage } from './checks.mjs';

const rp = process.env.RP_URL;
const issuer = process.env.ISSUER;
const shots = process.env.SCREENSHOT_DIR;
const inn = '7709458121';
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

// waitCaptcha waits until the page's proof of work is done.
async function waitCaptcha(p, done) {
  await p.getByText(done).waitFor({ timeout: 60000 });
}

// lastMail is the last message to an address that matches re (waiting for it).
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

const words = {
  ru: {
    login: 'Логин', password: 'Пароль', signIn: 'Войти', account: 'Личный кабинет', register: 'Зарегистрировать организацию',
    inn: 'ИНН', next: 'Далее', choose: 'Выберите подразделение (КПП)', prefilled: 'Заполнено по данным ЕГРЮЛ/ЕГРИП',
    name: 'Сокращённое наименование', director: 'Руководитель (ФИО)', bik: 'БИК', fillBik: 'Заполнить по БИК', account_: 'Расчётный счёт',
    postcode: 'Индекс', street: 'Улица', house: 'Дом, корпус, строение', office: 'Офис, помещение, квартира', same: 'Совпадает с юридическим',
    contact: 'Контактное лицо', email: 'Электронная почта организации (на неё придёт код)', submit: 'Отправить', code: 'Код из письма',
    confirm: 'Подтвердить', submitted: 'Организация отправлена на проверку модератору', approve: 'Одобрить', approved: 'Одобрено.',
    pending: 'На проверке', active: 'Действует', manage: 'Сотрудники и роли', contract: 'Номер договора',
    newPin: 'PIN-код для бухгалтера (от 6 до 12 цифр)', setPin: 'Задать PIN-код', pinSet: 'PIN задан.',
    byContract: 'По договору (для бухгалтера)', orgINN: 'ИНН организации', pin: 'PIN-код',
  },
  en: {
    login: 'Login', password: 'Password', signIn: 'Sign in', account: 'Your account', register: 'Register a company',
    inn: 'INN', next: 'Next', choose: 'Choose the unit (KPP)', prefilled: 'Filled in from the state register',
    name: 'Short name', director: 'Director (full name)', bik: 'BIK', fillBik: 'Fill in by BIK', account_: 'Settlement account',
    postcode: 'Postcode', street: 'Street', house: 'House, block, building', office: 'Office, room, flat', same: 'Same as legal',
    contact: 'Contact person', email: 'Company email (a code will be sent to it)', submit: 'Submit', code: 'Code from the email',
    confirm: 'Confirm', submitted: 'A moderator will check it', approve: 'Approve', approved: 'Approved.',
    pending: 'Under review', active: 'Active', manage: 'Members and roles', contract: 'Contract number',
    newPin: 'PIN for the accountant (6 to 12 digits)', setPin: 'Set the PIN', pinSet: 'PIN set.',
    byContract: 'By contract (accountant)', orgINN: 'INN of the company', pin: 'PIN',
  },
};

// signIn opens the account pages in a language and signs in with a password.
async function signIn(lang, login, password) {
  const p = await page(lang === 'ru' ? 'ru-RU' : 'en-US');
  const w = words[lang];
  await p.goto(`${issuer}/account`);
  await checkPage(p, `kip-account-signin-${lang}-${login}`);
  await p.getByLabel(w.login).fill(login);
  await p.getByLabel(w.password).fill(password);
  await p.getByRole('button', { name: w.signIn }).click();
  await p.getByRole('heading', { name: w.account }).waitFor();
  await checkPage(p, `kip-account-${lang}-${login}`);
  return p;
}

// registerBranch walks the wizard from the INN to the email code: the register
// offers the head office and both branches, the branch is chosen, its requisites
// and address come prefilled, its address in parts.
async function registerBranch(p, lang, branch) {
  const w = words[lang];
  await p.goto(`${issuer}/account/companies`);
  await checkPage(p, `kip-companies-${lang}`);
  await p.getByRole('link', { name: w.register }).click();
  await checkPage(p, `kip-company-inn-${lang}`);
  await p.getByLabel(w.inn, { exact: true }).fill(inn);
  await p.getByRole('button', { name: w.next }).click();
  // The register's units, the head office first; each with its KPP and address.
  const units = p.getByRole('group', { name: w.choose });
  await units.waitFor();
  const radios = units.getByRole('radio');
  assert.equal(await radios.count(), 3);
  assert.equal(await radios.first().getAttribute('value'), '770901001');
  await units.getByText('620014, г Екатеринбург, ул Малышева, д 51, офис 1204').waitFor();
  await units.getByText('420111, г Казань, ул Баумана, д 19').waitFor();
  await shot(p, `kip-branches-${lang}`);
  await checkPage(p, `kip-branches-${lang}`);
  // Next without a choice: the error is at the choice.
  await p.getByRole('button', { name: w.next }).click();
  await p.locator('#kpp-error').waitFor();
  await checkPage(p, `kip-branches-error-${lang}`);
  await p.getByRole('group', { name: w.choose }).getByLabel(new RegExp(`${branch.kpp}`)).check();
  await p.getByRole('button', { name: w.next }).click();
  await p.getByText(w.prefilled).waitFor();
  assert.equal(await p.getByLabel(w.name).inputValue(), branch.name);
  assert.equal(await p.getByLabel(w.director).inputValue(), branch.director);
  await checkPage(p, `kip-general-${lang}`);
  await p.getByRole('button', { name: w.next }).click();
  await checkPage(p, `kip-bank-${lang}`);
  await p.getByLabel(w.bik).fill('044525225');
  await p.getByRole('button', { name: w.fillBik }).click();
  await p.getByLabel(w.account_).fill('40702810938000012345');
  await p.getByRole('button', { name: w.next }).click();
  // The branch's address, split from the register's line into its parts.
  assert.equal(await p.getByLabel(w.postcode).first().inputValue(), branch.postcode);
  assert.equal(await p.getByLabel(w.street).first().inputValue(), branch.street);
  assert.equal(await p.getByLabel(w.house).first().inputValue(), branch.house);
  assert.equal(await p.getByLabel(w.office).first().inputValue(), branch.office);
  await shot(p, `kip-address-${lang}`);
  await checkPage(p, `kip-address-${lang}`);
  return w;
}

// finishRegistration fills the contacts, submits and confirms the company email.
async function finishRegistration(p, lang, email) {
  const w = words[lang];
  await p.getByLabel(w.same).first().check();
  await p.getByLabel(w.same).last().check();
  await p.getByRole('button', { name: w.next }).click();
  await checkPage(p, `kip-contacts-${lang}`);
  await p.getByLabel(w.contact, { exact: true }).fill('Бухова Анна');
  await p.getByLabel(w.email).fill(email);
  await p.getByRole('button', { name: w.next }).click();
  await checkPage(p, `kip-review-${lang}`);
  await p.getByRole('button', { name: w.submit }).click();
  await checkPage(p, `kip-code-${lang}`);
  await p.getByLabel(w.code).fill(await lastCode(email));
  await p.getByRole('button', { name: w.confirm }).click();
  await p.getByText(w.submitted).waitFor();
  await checkPage(p, `kip-submitted-${lang}`);
}

// approve: the moderator sees the branch with its address in parts and approves it.
async function approve(lang, branch) {
  const w = words[lang];
  const m = await signIn(lang, 'modr', 'Moderator-pass-1');
  await m.goto(`${issuer}/moderation`);
  const block = m.locator('section.moderation-org', { hasText: branch.kpp });
  for (const text of [branch.kpp, `${w.street}: ${branch.street}`, `${w.house}: ${branch.house}`, `${w.office}: ${branch.office}`]) {
    await block.getByText(text, { exact: false }).first().waitFor();
  }
  await shot(m, `kip-moderation-${lang}`);
  await checkPage(m, `kip-moderation-${lang}`);
  await block.getByRole('button', { name: new RegExp(`^${w.approve} `) }).click();
  await m.getByText(w.approved).waitFor();
  await checkPage(m, `kip-moderation-approved-${lang}`);
  assert.deepEqual(m.violations, []);
}

// setContract: the new org admin sets the accountant's contract and PIN on the branch's members page.
async function setContract(p, lang, branch, contract, pin) {
  const w = words[lang];
  await p.goto(`${issuer}/account/companies`);
  const mine = p.locator('li', { hasText: branch.kpp });
  await mine.getByText(w.active).waitFor();
  await checkPage(p, `kip-companies-active-${lang}`);
  await mine.getByRole('link', { name: w.manage }).click();
  await checkPage(p, `kip-members-${lang}`);
  await p.getByLabel(w.contract).fill(contract);
  await p.getByLabel(w.newPin).fill(pin);
  await p.getByRole('button', { name: w.setPin }).click();
  await p.getByText(w.pinSet).waitFor();
  await p.getByText(contract, { exact: true }).waitFor();
  await shot(p, `kip-members-pin-${lang}`);
  await checkPage(p, `kip-members-pin-${lang}`);
}

// accountantSignsIn: at the relying app, by INN + contract + PIN; returns the claims.
async function accountantSignsIn(lang, contract, pin) {
  const w = words[lang];
  const a = await page(lang === 'ru' ? 'ru-RU' : 'en-US');
  await a.goto(`${rp}/start?client=b2b${lang === 'en' ? '&ui_locales=en' : ''}`);
  await checkPage(a, `kip-b2b-signin-${lang}`);
  await a.getByRole('link', { name: w.byContract }).click();
  await checkPage(a, `kip-contract-empty-${lang}`);
  // A wrong PIN is refused in words, with what was typed kept.
  await a.getByLabel(w.orgINN).fill(inn);
  await a.getByLabel(w.contract).fill(contract);
  await a.getByLabel(w.pin, { exact: true }).fill('000000');
  await a.getByRole('button', { name: w.signIn }).click();
  await a.getByRole('alert').waitFor();
  assert.equal(await a.getByLabel(w.orgINN).inputValue(), inn);
  await checkPage(a, `kip-contract-refused-${lang}`);
  await a.getByLabel(w.pin, { exact: true }).fill(pin);
  await shot(a, `kip-contract-${lang}`);
  await checkPage(a, `kip-contract-${lang}`);
  await a.getByRole('button', { name: w.signIn }).click();
  const c = await claims(a);
  assert.deepEqual(a.violations, []);
  return c;
}

const ural = {
  kpp: '667102001', name: 'Уральский филиал АО «КИП-Сервис»', director: 'Уральцева Наталья Ивановна',
  postcode: '620014', street: 'ул Малышева', house: 'д 51', office: 'офис 1204',
};
const kazan = {
  kpp: '165502001', name: 'Казанский филиал АО «КИП-Сервис»', director: 'Казанцев Ринат Маратович',
  postcode: '420111', street: 'ул Баумана', house: 'д 19', office: '',
};

test('Russian: КИП-Сервис — sign-up, registration by INN with the branch chosen, moderation, the accountant by INN + contract', async () => {
  // A person signs up (by phone, with an SMS code) at the company's app.
  const p = await page('ru-RU');
  await p.goto(`${rp}/start?client=shop`);
  await p.getByRole('link', { name: 'Создать учётную запись' }).click();
  await checkPage(p, 'kip-signup-ru');
  await p.getByLabel('Телефон или электронная почта').fill('+7 909 458-12-10');
  await p.getByLabel('Пароль', { exact: true }).fill('Kip-servis-2026');
  await p.getByLabel('Повторите пароль').fill('Kip-servis-2026');
  await p.getByLabel('Я даю согласие на обработку моих персональных данных').check();
  await waitCaptcha(p, 'Проверка пройдена.');
  await p.getByRole('button', { name: 'Зарегистрироваться' }).click();
  await p.getByRole('status').filter({ hasText: 'Мы отправили код' }).waitFor();
  await checkPage(p, 'kip-signup-code-ru');
  const sms = await (await fetch(`${rp}/last-sms?to=%2B79094581210`)).text();
  await p.getByLabel('Код').fill(sms.match(/\d{6}/)[0]);
  await p.getByRole('button', { name: 'Подтвердить' }).click();
  assert.ok((await claims(p)).sub);

  // The Yekaterinburg branch, chosen from the register's units.
  await p.goto(`${issuer}/account`);
  await checkPage(p, 'kip-account-ru');
  const w = await registerBranch(p, 'ru', ural);
  // The house is required, and a part too long is refused at its field.
  await p.getByLabel(w.house).first().fill('');
  await p.getByLabel(w.office).first().fill('о'.repeat(61));
  await p.getByLabel(w.same).first().check();
  await p.getByLabel(w.same).last().check();
  await p.getByRole('button', { name: w.next }).click();
  assert.equal(await p.locator('#legal_house-error').textContent(), 'Обязательное поле.');
  assert.equal(await p.locator('#legal_office-error').textContent(), 'Офис, помещение, квартира — не длиннее 60 знаков.');
  assert.equal(await p.getByLabel(w.street).first().inputValue(), ural.street, 'what was typed is kept');
  await checkPage(p, 'kip-address-errors-ru');
  await p.getByLabel(w.house).first().fill('д 51, корп 2');
  await p.getByLabel(w.office).first().fill(ural.office);
  await finishRegistration(p, 'ru', 'ural@kip.example');
  await p.locator('li', { hasText: ural.kpp }).getByText(w.pending).waitFor();

  await approve('ru', { ...ural, house: 'д 51, корп 2' });
  await setContract(p, 'ru', ural, 'Д-2026/15', '246810');

  const c = await accountantSignsIn('ru', 'Д-2026/15', '246810');
  assert.equal(c.org.inn, inn);
  assert.equal(c.org.kpp, ural.kpp);
  assert.equal(c.org.name, ural.name);
  assert.deepEqual(c.roles, ['accountant']);
  assert.deepEqual(p.violations, []);
});

test('English: another branch of КИП-Сервис chosen by its KPP, its accountant signs in by INN + contract', async () => {
  const p = await signIn('en', 'kuznetsov', 'Kuznetsov-pass-1');
  const w = await registerBranch(p, 'en', kazan);
  // No office in the register's line: the field is left to fill.
  await p.getByLabel(w.office).first().fill('офис 3');
  await finishRegistration(p, 'en', 'kazan@kip.example');
  await approve('en', { ...kazan, office: 'офис 3' });
  await setContract(p, 'en', kazan, 'К-7', '135799');
  const c = await accountantSignsIn('en', 'К-7', '135799');
  assert.equal(c.org.inn, inn);
  assert.equal(c.org.kpp, kazan.kpp);
  assert.deepEqual(c.roles, ['accountant']);
  assert.deepEqual(p.violations, []);
});
