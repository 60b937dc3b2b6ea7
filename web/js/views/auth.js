// Login and registration, with the API's validation messages beside the fields.
import { login, request, ApiError } from '../api.js';
import { h, field, showErrors, clearErrors, formError } from '../dom.js';
import { go } from '../app.js';

export function loginView(main, { notice }) {
  const form = h('form.card', { novalidate: true },
    notice ? h('p.notice', { role: 'status' }, notice) : null,
    formError(),
    field('Username', h('input', { name: 'username', autocomplete: 'username', required: true })),
    field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('div.actions', h('button', { type: 'submit' }, 'Log in')),
    h('p', 'No account yet? ', h('a', { href: '#/register' }, 'Register')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const { username, password } = form.elements;
    try {
      await login(username.value, password.value);
      go('#/tasks');
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      showErrors(form, e.fieldErrors(), e.status === 422 ? null : e.message);
    }
  });
  main.append(h('h1', 'Log in'), form);
}

export function registerView(main) {
  const form = h('form.card', { novalidate: true },
    formError(),
    field('Email', h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true })),
    field('Username', h('input', { name: 'username', autocomplete: 'username', required: true }), '3 to 50 characters.'),
    field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true }),
      '8 to 100 characters, with a digit, an uppercase and a lowercase letter.'),
    field('Full name (optional)', h('input', { name: 'full_name', autocomplete: 'name' })),
    h('div.actions', h('button', { type: 'submit' }, 'Register')),
    h('p', 'Already registered? ', h('a', { href: '#/login' }, 'Log in')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const v = Object.fromEntries(new FormData(form));
    const body = { email: v.email, username: v.username, password: v.password };
    if (v.full_name) body.full_name = v.full_name;
    try {
      await request('POST', '/api/v1/auth/register', { body, auth: false });
      go('#/login', 'Your account is ready: log in.');
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      // 400: the address or the name is taken; say so next to that field.
      const errors = e.fieldErrors();
      if (e.status === 400 && /email/i.test(e.message)) errors.email = [e.message];
      else if (e.status === 400 && /username/i.test(e.message)) errors.username = [e.message];
      showErrors(form, errors, e.status === 422 || e.status === 400 ? null : e.message);
    }
  });
  main.append(h('h1', 'Register'), form);
}
