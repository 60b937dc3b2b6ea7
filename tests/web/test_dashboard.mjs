// Browser tests of the web dashboard (/app/) and the interactive docs (/docs, /redoc),
// in Debian's chromium against the real stack at BASE_URL. Prints "ok - ..." /
// "not ok - ..." lines; screenshots go to SCREENSHOT_DIR (build/screenshots).
//
// Every screen is checked with axe-core (no serious or critical violation). Console
// errors fail the run, except the browser's own "Failed to load resource" line for an
// API answer of 4xx that the flow provokes on purpose (validation, 412, revoked key...).
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { launch } from './browser.mjs';

const B = process.env.BASE_URL.replace(/\/$/, '');
const SHOTS = process.env.SCREENSHOT_DIR || 'build/screenshots';
const SECRET = process.env.JWT_SECRET;
mkdirSync(SHOTS, { recursive: true });
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let failed = 0;
const ok = (good, name, detail = '') => {
  if (!good) failed++;
  console.log(`${good ? 'ok' : 'not ok'} - web: ${name}${good || !detail ? '' : `: ${detail}`}`);
  return good;
};
// A step: runs fn, reports its name, keeps going after a failure.
async function step(name, fn) {
  try {
    const r = await fn();
    ok(r !== false, name);
  } catch (e) {
    ok(false, name, String(e.message || e).split('\n')[0].slice(0, 300));
  }
}

const run = Date.now().toString(36);
const USER = `ui_${run}`, PASS = 'Secret123x', ADMIN = `uiadm_${run}`;

async function api(method, path, body, token, headers = {}) {
  const res = await fetch(B + path, {
    method, body: body ? JSON.stringify(body) : undefined,
    headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
  });
  const text = await res.text();
  return { status: res.status, data: text ? JSON.parse(text) : null };
}

// A validly signed access token that expired a minute ago: what a tab holds after sleeping.
function expiredToken(userId, username) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ sub: username, user_id: userId, role: 'user', iat: now - 3600, exp: now - 60, jti: `expired-${run}` });
  const sig = createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

async function axe(page, screen) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  ok(bad.length === 0, `axe: no serious or critical violation on ${screen}`,
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(', ')}`).join('; '));
}

const shot = (page, name, fullPage = true) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage, timeout: 60000 });

const browser = await launch();
const consoleErrors = [];
const watch = (page, label) => {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = m.location()?.url || '';
    const expected = /^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && url.startsWith(`${B}/api/`);
    if (!expected) consoleErrors.push(`${label}: ${m.text()} ${url}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${label}: uncaught: ${e.message}`));
};
const A = browser.context.pages()[0] || (await browser.context.newPage());
watch(A, 'tab 1');
A.setDefaultTimeout(20000);
const main = A.locator('main');
const task = (page, title) => page.locator('li.task', { has: page.getByRole('heading', { name: title, exact: true }) });

async function login(page, user, pass) {
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(pass);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tasks' }).waitFor();
}

try {
  await step('/app/ opens on the login screen', async () => {
    await A.goto(`${B}/app/`);
    await A.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  });
  await axe(A, 'login');

  await step('register: the API\'s validation messages appear beside the fields', async () => {
    await A.getByRole('link', { name: 'Register' }).click();
    await A.getByRole('heading', { level: 1, name: 'Register' }).waitFor();
    await A.getByLabel('Email').fill('not-an-address');
    await A.getByLabel('Username').fill('ab');
    await A.getByLabel('Password', { exact: true }).fill('short');
    await A.getByRole('button', { name: 'Register' }).click();
    const err = (name) => A.locator(`[data-field="${name}"] .field-error`);
    await err('password').waitFor();
    const texts = await Promise.all(['email', 'username', 'password'].map((n) => err(n).textContent()));
    await shot(A, '01-register-errors');
    return /@-sign/.test(texts[0]) && /at least 3/.test(texts[1]) && /at least 8 characters/.test(texts[2]) &&
      (await A.getByLabel('Email').getAttribute('aria-invalid')) === 'true';
  });
  await axe(A, 'register with errors');

  await step('register, then log in', async () => {
    await A.getByLabel('Email').fill(`${USER}@example.com`);
    await A.getByLabel('Username').fill(USER);
    await A.getByLabel('Password', { exact: true }).fill(PASS);
    await A.getByRole('button', { name: 'Register' }).click();
    await A.getByText('Your account is ready').waitFor();
    await login(A, USER, PASS);
  });

  await step('preferences: page size 2 and the Asia/Tokyo time zone are saved', async () => {
    await A.getByRole('link', { name: 'Preferences' }).click();
    await A.getByRole('heading', { level: 1, name: 'Preferences' }).waitFor();
    await A.getByLabel('Tasks per page').fill('2');
    await A.getByLabel('Time zone').selectOption('Asia/Tokyo');
    await A.getByRole('button', { name: 'Save preferences' }).click();
    await A.getByText('Preferences saved.').waitFor();
    await shot(A, '05-preferences');
  });
  await axe(A, 'preferences');

  await step('create three tasks (one due in the past, entered in Tokyo time)', async () => {
    await A.getByRole('link', { name: 'Tasks' }).first().click();
    await A.getByRole('heading', { level: 1, name: 'Tasks' }).waitFor();
    const form = A.locator('form.task-form').first();
    for (const [title, prio, due] of [['Write the report', 'high', '2020-01-02T09:30'], ['Buy milk', 'low', ''], ['Plan the trip', 'medium', '2099-12-31T17:00']]) {
      await form.getByLabel('Title').fill(title);
      await form.getByLabel('Priority').selectOption(prio);
      if (due) await form.getByLabel('Due').fill(due);
      await form.getByRole('button', { name: 'Add task' }).click();
      await A.getByText('Task added.').waitFor();
      await form.getByLabel('Title').and(A.locator('[value=""]')).waitFor().catch(() => {});
    }
    await A.locator('.page-info', { hasText: '3 tasks' }).waitFor();
    const total = await A.locator('.counter', { hasText: 'Total' }).locator('dd').textContent();
    return total === '3';
  });

  await step('due dates: entered and shown in the preferred time zone, stored in UTC; overdue marked', async () => {
    const token = (await api('POST', '/api/v1/auth/login', { username: USER, password: PASS })).data.access_token;
    const all = (await api('GET', '/api/v1/tasks/?limit=100&q=report', null, token)).data.tasks;
    const late = task(A, 'Write the report');
    // Page 1 sorts by id: the overdue task is the first one.
    return all[0].due_date === '2020-01-02T00:30:00Z' && (await late.locator('.badge.late').textContent()) === 'Overdue' &&
      /Jan 2, 2020.*9:30/.test(await late.locator('time').textContent());
  });
  await shot(A, '02-tasks');
  await axe(A, 'tasks');

  await step('cursor paging: page 2 holds the third task, and back', async () => {
    await A.getByRole('button', { name: 'Next page' }).click();
    await A.locator('.page-info', { hasText: 'Page 2 of 2' }).waitFor();
    const titles = await A.locator('li.task h3').allTextContents();
    const nextDisabled = await A.getByRole('button', { name: 'Next page' }).isDisabled();
    await A.getByRole('button', { name: 'Previous page' }).click();
    await A.locator('.page-info', { hasText: 'Page 1 of 2' }).waitFor();
    return titles.join() === 'Plan the trip' && nextDisabled;
  });

  await step('edit a task (If-Match): the new title shows', async () => {
    await task(A, 'Buy milk').getByRole('button', { name: 'Edit Buy milk' }).click();
    const form = A.locator('li form.task-form');
    await form.getByLabel('Title').fill('Buy oat milk');
    await form.getByRole('button', { name: 'Save' }).click();
    await task(A, 'Buy oat milk').waitFor();
  });

  const B2 = await browser.context.newPage();
  watch(B2, 'tab 2');
  B2.setDefaultTimeout(20000);
  await step('a change from a second tab makes the first tab\'s save a 412, shown to the user', async () => {
    await A.getByRole('button', { name: 'Next page' }).click();
    await A.locator('.page-info', { hasText: 'Page 2 of 2' }).waitFor();
    await task(A, 'Plan the trip').getByRole('button', { name: 'Edit Plan the trip' }).click();
    const formA = A.locator('li form.task-form');
    await formA.waitFor();
    await B2.goto(`${B}/app/`);
    await login(B2, USER, PASS);
    await B2.getByRole('button', { name: 'Next page' }).click();
    await task(B2, 'Plan the trip').getByRole('button', { name: 'Edit Plan the trip' }).click();
    await B2.locator('li form.task-form').getByLabel('Description').fill('Changed in the second tab');
    await B2.locator('li form.task-form').getByRole('button', { name: 'Save' }).click();
    await B2.getByText('Task saved.').waitFor();
    await formA.getByLabel('Title').fill('Plan the trip to Lisbon');
    await formA.getByRole('button', { name: 'Save' }).click();
    const msg = formA.locator('.form-error');
    await msg.waitFor();
    await shot(A, '03-conflict-412');
    const text = await msg.textContent();
    await formA.getByRole('button', { name: 'Load the current version' }).click();
    // The form is rebuilt from the task as it is now (the second tab's description).
    const reloaded = await A.waitForFunction(() => document.querySelector('li form.task-form textarea[name="description"]')?.value === 'Changed in the second tab')
      .then(() => true, () => false);
    await A.locator('li form.task-form').getByRole('button', { name: 'Cancel' }).click();
    if (!/changed elsewhere/.test(text)) throw new Error(`message: ${text}`);
    if (!reloaded) throw new Error('the current version was not loaded into the form');
  });
  await axe(A, 'tasks with the 412 message');

  await step('quick status change: complete a task, the counters follow', async () => {
    await A.getByRole('button', { name: 'Previous page' }).click();
    await A.locator('.page-info', { hasText: 'Page 1 of 2' }).waitFor();
    await A.getByLabel('Status of Write the report').selectOption('completed');
    await A.locator('.counter', { hasText: /^Completed\d/ }).locator('dd', { hasText: '1' }).waitFor();
    return (await task(A, 'Write the report').locator('.badge.late').count()) === 0;
  });

  await step('filter by status', async () => {
    const f = A.locator('form.filters');
    await f.getByLabel('Status').selectOption('completed');
    await f.getByRole('button', { name: 'Apply' }).click();
    await A.locator('.page-info', { hasText: '1 task' }).waitFor();
    return (await A.locator('li.task h3').allTextContents()).join() === 'Write the report';
  });

  await step('search', async () => {
    const f = A.locator('form.filters');
    await f.getByRole('button', { name: 'Clear' }).click();
    await A.locator('.page-info', { hasText: '3 tasks' }).waitFor();
    await f.getByLabel('Search').fill('lisbon trip');
    await f.getByLabel('Search').press('Enter');
    await A.locator('.page-info', { hasText: '0 tasks' }).waitFor();
    await f.getByLabel('Search').fill('trip');
    await f.getByLabel('Search').press('Enter');
    await A.locator('.page-info', { hasText: '1 task' }).waitFor();
    const titles = (await A.locator('li.task h3').allTextContents()).join();
    await f.getByRole('button', { name: 'Clear' }).click();
    await A.locator('.page-info', { hasText: '3 tasks' }).waitFor();
    return titles === 'Plan the trip';
  });

  await step('delete asks first: cancel keeps the task, confirm deletes it', async () => {
    await task(A, 'Buy oat milk').getByRole('button', { name: 'Delete Buy oat milk' }).click();
    const dlg = A.getByRole('dialog');
    await dlg.waitFor();
    await shot(A, '04-delete-confirm');
    await dlg.getByRole('button', { name: 'Cancel' }).click();
    await dlg.waitFor({ state: 'hidden' });
    const kept = await task(A, 'Buy oat milk').count();
    await task(A, 'Buy oat milk').getByRole('button', { name: 'Delete Buy oat milk' }).click();
    await dlg.getByRole('button', { name: 'Delete' }).click();
    await A.locator('.page-info', { hasText: '2 tasks' }).waitFor();
    return kept === 1;
  });

  await step('an expired access token is renewed with the refresh token, transparently', async () => {
    const me = (await api('POST', '/api/v1/auth/login', { username: USER, password: PASS })).data;
    const uid = (await api('GET', '/api/v1/users/me', null, me.access_token)).data.id;
    let swapped = false, refreshed = false;
    A.on('request', (r) => { if (r.url().endsWith('/api/v1/auth/refresh')) refreshed = true; });
    // The next list request leaves with a token past its expiry, as after a long pause.
    await A.route('**/api/v1/tasks/?*', (route, req) => {
      if (swapped) return route.continue();
      swapped = true;
      return route.continue({ headers: { ...req.headers(), authorization: `Bearer ${expiredToken(uid, USER)}` } });
    });
    // The page already shows "2 tasks": wait for the renewal and the list asked again.
    const renewed = A.waitForResponse((r) => r.url().endsWith('/api/v1/auth/refresh'), { timeout: 20000 });
    const listed = A.waitForResponse((r) => /\/api\/v1\/tasks\/\?/.test(r.url()) && r.status() === 200, { timeout: 20000 });
    await A.locator('form.filters').getByRole('button', { name: 'Apply' }).click();
    const refresh = await renewed;
    await listed;
    await A.getByText('Overview').waitFor();
    await A.locator('.page-info', { hasText: '2 tasks' }).waitFor();
    await A.unroute('**/api/v1/tasks/?*');
    if (refresh.status() !== 200) return false;
    return swapped && refreshed && (await A.getByRole('heading', { level: 1, name: 'Tasks' }).count()) === 1;
  });

  await step('API keys: created and shown once, works, listed, revoked', async () => {
    await A.getByRole('link', { name: 'API keys' }).click();
    await A.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await A.getByLabel('Name').fill('ci script');
    await A.getByRole('button', { name: 'Create key' }).click();
    const key = await A.locator('code.key').textContent();
    await A.getByRole('cell', { name: 'ci script', exact: true }).waitFor();
    await shot(A, '06-api-keys');
    const works = (await api('GET', '/api/v1/users/me', null, null, { 'X-API-Key': key })).status;
    await A.getByRole('button', { name: 'Revoke ci script' }).click();
    await A.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await A.getByText('No keys yet.').waitFor();
    const after = (await api('GET', '/api/v1/users/me', null, null, { 'X-API-Key': key })).status;
    return /^tak_[0-9a-f]{16}_/.test(key) && works === 200 && after === 401;
  });
  await axe(A, 'API keys');

  await step('log out, log in again with the keyboard only, the remaining tasks are there', async () => {
    await A.locator('#logout').click();
    await A.getByText('You are logged out.').waitFor();
    await A.getByLabel('Username').focus();
    await A.keyboard.type(USER);
    await A.keyboard.press('Tab');
    await A.keyboard.type(PASS);
    await A.keyboard.press('Enter');
    await A.getByRole('heading', { level: 1, name: 'Tasks' }).waitFor();
    await A.locator('.page-info', { hasText: '2 tasks' }).waitFor();
    const titles = (await A.locator('li.task h3').allTextContents()).sort().join();
    return titles === 'Plan the trip,Write the report';
  });

  await step('a phone-sized screen: no sideways scrolling', async () => {
    await A.setViewportSize({ width: 375, height: 740 });
    await A.getByRole('link', { name: 'Tasks' }).first().click();
    await A.getByRole('heading', { level: 1, name: 'Tasks' }).waitFor();
    await shot(A, '07-tasks-phone');
    const wide = await A.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await A.setViewportSize({ width: 1280, height: 900 });
    return wide <= 0;
  });

  await step('log out everywhere: the other tab\'s session ends too and it goes back to login', async () => {
    await A.getByRole('link', { name: 'Sessions' }).click();
    await A.getByRole('heading', { level: 1, name: 'Sessions' }).waitFor();
    await axe(A, 'sessions');
    await A.getByRole('button', { name: 'Log out everywhere' }).click();
    await A.getByText('You are logged out on every device.').waitFor();
    await B2.locator('form.filters').getByRole('button', { name: 'Apply' }).click();
    await B2.getByText('Your session has ended').waitFor();
    return (await B2.getByRole('heading', { level: 1, name: 'Log in' }).count()) === 1;
  });
  await B2.close();

  await step('the admin sees every user', async () => {
    const r = await api('POST', '/api/v1/auth/register-admin', { email: `${ADMIN}@example.com`, username: ADMIN, password: PASS });
    if (r.status !== 201) throw new Error(`register-admin: ${r.status}`);
    await login(A, ADMIN, PASS);
    await A.getByRole('link', { name: 'Users' }).click();
    await A.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await A.getByRole('cell', { name: USER, exact: true }).waitFor();
    await shot(A, '08-admin-users');
  });
  await axe(A, 'admin users');

  await step('/docs renders Swagger UI with the API\'s title', async () => {
    await A.goto(`${B}/docs`, { timeout: 90000, waitUntil: 'domcontentloaded' });
    const title = await A.locator('.swagger-ui .info .title').textContent({ timeout: 60000 });
    await A.locator('.opblock').first().waitFor({ timeout: 60000 });
    await shot(A, '09-swagger', false);
    return title.startsWith('Task Management API');
  });
  await step('/redoc renders ReDoc', async () => {
    await A.goto(`${B}/redoc`, { timeout: 90000, waitUntil: 'domcontentloaded' });
    await A.locator('.api-content h1', { hasText: 'Task Management API' }).waitFor({ timeout: 60000 });
    await A.getByRole('menuitem', { name: /Tasks/ }).first().waitFor({ timeout: 60000 });
    await shot(A, '10-redoc', false);
  });
} catch (e) {
  ok(false, 'the browser run', String(e.message || e).split('\n')[0]);
} finally {
  ok(consoleErrors.length === 0, 'no console errors and no policy violations in any page', consoleErrors.slice(0, 5).join(' | '));
  await browser.close();
}
process.exit(failed ? 1 : 0);
