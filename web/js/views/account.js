// The account's pages: preferences, API keys, sessions, and the admin's list of users.
import { get, request, logout, session, ApiError } from '../api.js';
import { h, field, showErrors, clearErrors, formError, announce, confirmDialog } from '../dom.js';
import { zones, formatTime, fromLocalInput } from '../time.js';
import { go, failed } from '../app.js';

export const SORTS = [
  ['id', 'Oldest first'], ['-id', 'Newest first'],
  ['due_date', 'Due date, soonest first'], ['-due_date', 'Due date, latest first'],
  ['-priority', 'Priority, high first'], ['priority', 'Priority, low first'],
  ['status', 'Status, to do first'], ['-status', 'Status, completed first'],
  ['title', 'Title, A to Z'], ['-title', 'Title, Z to A'],
  ['-created_at', 'Recently created'], ['created_at', 'Created, oldest first'],
  ['-updated_at', 'Recently updated'], ['updated_at', 'Updated, oldest first'],
];

// The caller's preferences, read once per login (the time zone shapes every time shown).
export const prefs = { default_page_size: 10, default_sort: 'id', timezone: 'UTC', notifications: {} };
let prefsOf = null;

export async function loadPreferences(force) {
  if (!force && prefsOf === session.user?.id) return prefs;
  Object.assign(prefs, (await get('/api/v1/users/me/preferences')).data);
  prefsOf = session.user?.id;
  return prefs;
}

const opt = (v, text, cur) => h('option', { value: v, selected: v === cur }, text);

export async function preferencesView(main) {
  const p = await loadPreferences(true);
  const tzs = zones();
  if (!tzs.includes(p.timezone)) tzs.unshift(p.timezone);
  const form = h('form.card', { novalidate: true },
    formError(),
    field('Tasks per page', h('input', { name: 'default_page_size', type: 'number', min: '1', max: '100', value: p.default_page_size })),
    field('Default order', h('select', { name: 'default_sort' }, SORTS.map(([v, t]) => opt(v, t, p.default_sort)))),
    field('Time zone', h('select', { name: 'timezone' }, tzs.map((z) => opt(z, z.replace(/_/g, ' '), p.timezone))),
      'Due dates are shown and entered in this time zone.'),
    h('fieldset', h('legend', 'Notifications'),
      ...[['task_created', 'When a task is created'], ['task_completed', 'When a task is completed'], ['due_soon', 'When a task is due soon']]
        .map(([k, t]) => h('div.check', h('input', { type: 'checkbox', id: `n-${k}`, name: k, checked: p.notifications[k] }), h('label', { for: `n-${k}` }, t)))),
    h('div.actions', h('button', { type: 'submit' }, 'Save preferences')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const el = form.elements;
    const body = {
      default_page_size: Number(el.default_page_size.value),
      default_sort: el.default_sort.value,
      timezone: el.timezone.value,
      notifications: Object.fromEntries(['task_created', 'task_completed', 'due_soon'].map((k) => [k, el[k].checked])),
    };
    try {
      Object.assign(prefs, (await request('PUT', '/api/v1/users/me/preferences', { body })).data);
      announce('Preferences saved.');
    } catch (e) {
      if (!(e instanceof ApiError) || e.sessionEnded) throw e;
      showErrors(form, e.fieldErrors(), e.status === 422 ? null : e.message);
    }
  });
  main.append(h('h1', 'Preferences'), form);
}

export async function keysView(main) {
  const tz = prefs.timezone;
  const shown = h('div.secret', { hidden: true, role: 'status' });
  const form = h('form.card', { novalidate: true },
    formError(),
    field('Name', h('input', { name: 'name', required: true, maxlength: '100' }), 'What the key is for, e.g. "backup script".'),
    field('Expires (optional)', h('input', { name: 'expires_at', type: 'datetime-local' }), `Time zone: ${tz}`),
    h('div.actions', h('button', { type: 'submit' }, 'Create key')));
  const table = h('tbody');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = { name: form.elements.name.value };
    const exp = fromLocalInput(form.elements.expires_at.value, tz);
    if (exp) body.expires_at = exp;
    try {
      const { data } = await request('POST', '/api/v1/api-keys', { body });
      form.reset();
      const code = h('code.key', data.key);
      shown.replaceChildren(
        h('p', h('strong', `Your new key “${data.name}”. `), 'Copy it now: it is shown only once.'),
        code,
        h('button.secondary', { type: 'button', onclick: () => navigator.clipboard?.writeText(data.key).then(() => announce('Key copied.'), () => announce('Select the key and copy it.')) }, 'Copy'));
      shown.hidden = false;
      await load();
    } catch (e) {
      if (!(e instanceof ApiError) || e.sessionEnded) throw e;
      showErrors(form, e.fieldErrors(), e.status === 422 ? null : e.message);
    }
  });
  async function load() {
    const { data } = await get('/api/v1/api-keys');
    table.replaceChildren(...data.map((k) => h('tr',
      h('td', k.name), h('td', h('code', k.prefix)),
      h('td', formatTime(k.created_at, tz)),
      h('td', k.last_used_at ? formatTime(k.last_used_at, tz) : 'Never'),
      h('td', k.expires_at ? formatTime(k.expires_at, tz) : 'Never'),
      h('td', h('button.danger', { type: 'button', 'aria-label': `Revoke ${k.name}`, onclick: () => revoke(k) }, 'Revoke')))));
    if (!data.length) table.append(h('tr', h('td', { colspan: '6' }, 'No keys yet.')));
  }
  async function revoke(k) {
    if (!(await confirmDialog('Revoke this key?', `Scripts using “${k.name}” will stop working at once.`, 'Revoke'))) return;
    try {
      await request('DELETE', `/api/v1/api-keys/${k.id}`);
      shown.hidden = true;
      announce(`Key “${k.name}” revoked.`);
      await load();
    } catch (e) { failed(e); }
  }
  main.append(h('h1', 'API keys'),
    h('p', 'Keys let scripts use the API as you: send one as ', h('code', 'X-API-Key: tak_…'), '.'),
    h('section', { 'aria-labelledby': 'nk' }, h('h2', { id: 'nk' }, 'New key'), form, shown),
    h('section', { 'aria-labelledby': 'yk' }, h('h2', { id: 'yk' }, 'Your keys'),
      h('div.scroll', { tabindex: '0', role: 'region', 'aria-label': 'Your keys' }, h('table', h('thead', h('tr', ...['Name', 'Prefix', 'Created', 'Last used', 'Expires', h('span.sr', 'Actions')].map((c) => h('th', { scope: 'col' }, c)))), table))));
  await load();
}

export function accountView(main) {
  const u = session.user;
  const out = (everywhere) => async () => {
    try { await logout(everywhere); } catch { /* the local session is gone either way */ }
    go('#/login', everywhere ? 'You are logged out on every device.' : 'You are logged out.');
  };
  main.append(h('h1', 'Sessions'),
    h('section.card', { 'aria-labelledby': 'who' }, h('h2', { id: 'who' }, 'Signed in'),
      h('p', 'Signed in as ', h('strong', u.username), ` (${u.email})`, u.role === 'admin' ? ', an administrator.' : '.')),
    h('section.card', { 'aria-labelledby': 'end' }, h('h2', { id: 'end' }, 'End sessions'),
      h('p', 'Log out here, or on every device and browser where you are logged in (their tokens stop working at once).'),
      h('div.actions',
        h('button.secondary', { type: 'button', onclick: out(false) }, 'Log out'),
        h('button.danger', { type: 'button', onclick: out(true) }, 'Log out everywhere'))));
}

export async function adminView(main) {
  main.append(h('h1', 'Users'));
  if (session.user.role !== 'admin') {
    main.append(h('p', 'Only administrators see this page.'));
    return;
  }
  const tz = prefs.timezone;
  const { data } = await get('/api/v1/users/?limit=1000');
  main.append(h('div.scroll', { tabindex: '0', role: 'region', 'aria-label': 'All users' }, h('table.users',
    h('caption', `${data.length} user${data.length === 1 ? '' : 's'}`),
    h('thead', h('tr', ...['Id', 'Username', 'Email', 'Name', 'Role', 'Active', 'Created'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', ...data.map((u) => h('tr',
      h('td', String(u.id)), h('td', u.username), h('td', u.email), h('td', u.full_name || '—'),
      h('td', u.role), h('td', u.is_active ? 'Yes' : 'No'), h('td', formatTime(u.created_at, tz))))))));
}
