// The dashboard: a hash router over the views. Each view renders into <main> and takes
// the focus to its heading, so keyboard and screen-reader users land on the new content.
import { session, logout, ApiError } from './api.js';
import { announce } from './dom.js';
import { loginView, registerView } from './views/auth.js';
import { tasksView } from './views/tasks.js';
import { preferencesView, keysView, accountView, adminView, loadPreferences } from './views/account.js';

const routes = {
  '#/login': { view: loginView, public: true },
  '#/register': { view: registerView, public: true },
  '#/tasks': { view: tasksView },
  '#/preferences': { view: preferencesView },
  '#/keys': { view: keysView },
  '#/account': { view: accountView },
  '#/admin': { view: adminView },
};

const main = document.getElementById('main');
let notice = null;

export function go(hash, message) {
  notice = message || null;
  if (location.hash === hash) render();
  else location.hash = hash;
}

async function render() {
  const route = routes[location.hash] || routes[session.loggedIn ? '#/tasks' : '#/login'];
  if (!route.public && !session.loggedIn) {
    if (location.hash !== '#/login') { location.hash = '#/login'; return; }
  }
  if (route.public && session.loggedIn) { location.hash = '#/tasks'; return; }
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === location.hash) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.replaceChildren();
  try {
    if (!route.public) await loadPreferences();
    await route.view(main, { notice: takeNotice() });
  } catch (e) {
    failed(e);
  }
  const heading = main.querySelector('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

function takeNotice() {
  const n = notice;
  notice = null;
  return n;
}

// An error no view handled: the end of a session goes back to login, the rest is shown.
export function failed(e) {
  if (e instanceof ApiError && e.sessionEnded) {
    go('#/login', e.message);
    return;
  }
  console.warn(e);
  announce(e instanceof ApiError ? e.message : 'Something went wrong. Please try again.');
}

session.onChange((user) => {
  document.getElementById('nav').hidden = !user;
  document.getElementById('nav-admin').hidden = user?.role !== 'admin';
});

document.getElementById('logout').addEventListener('click', async () => {
  try { await logout(false); } catch { /* the local session is gone either way */ }
  go('#/login', 'You are logged out.');
});

window.addEventListener('hashchange', render);
window.addEventListener('unhandledrejection', (ev) => { ev.preventDefault(); failed(ev.reason); });
render();
