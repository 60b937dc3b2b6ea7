// The API client: JSON requests with the access token, and transparent renewal.
//
// Both tokens live only in this module's memory, never in localStorage, sessionStorage
// or a cookie readable by script: an injected script cannot read them from storage, and
// closing or reloading the tab ends the dashboard's session (log in again). When a
// request answers 401 while logged in, the refresh token is used once to get a new pair
// and the request is sent again; if that fails too, the session is over.

const state = { access: null, refresh: null, user: null, refreshing: null };
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, body, headers) {
    super(typeof body?.detail === 'string' ? body.detail : `Request failed (${status})`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  // Validation problems by field name: { email: ["..."], ... } (the last element of loc).
  fieldErrors() {
    const out = {};
    if (this.status === 422 && Array.isArray(this.body?.detail)) {
      for (const p of this.body.detail) {
        const field = p.loc.length > 1 ? String(p.loc[p.loc.length - 1]) : '_';
        (out[field] ||= []).push(p.msg.replace(/^Value error, /, ''));
      }
    }
    return out;
  }
}

export const session = {
  get user() { return state.user; },
  get loggedIn() { return state.access !== null; },
  onChange(fn) { listeners.add(fn); },
};

function changed() { for (const fn of listeners) fn(state.user); }

async function send(method, path, { body, headers = {}, auth = true } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (auth && state.access) h.Authorization = `Bearer ${state.access}`;
  const res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { detail: text.slice(0, 200) }; }
  }
  return { status: res.status, data, headers: res.headers };
}

// One refresh at a time: concurrent 401s wait for the same renewal.
function renew() {
  if (!state.refreshing) {
    const token = state.refresh;
    state.refreshing = (async () => {
      if (!token) return false;
      const r = await send('POST', '/api/v1/auth/refresh', { body: { refresh_token: token }, auth: false });
      if (r.status !== 200) return false;
      state.access = r.data.access_token;
      state.refresh = r.data.refresh_token;
      return true;
    })().finally(() => { state.refreshing = null; });
  }
  return state.refreshing;
}

export async function request(method, path, opts = {}) {
  let r = await send(method, path, opts);
  if (r.status === 401 && opts.auth !== false && state.access) {
    if (await renew()) {
      r = await send(method, path, opts);
    }
    if (r.status === 401) {
      forget();
      const e = new ApiError(401, { detail: 'Your session has ended. Please log in again.' }, r.headers);
      e.sessionEnded = true;
      throw e;
    }
  }
  if (r.status >= 400) throw new ApiError(r.status, r.data, r.headers);
  return { data: r.data, headers: r.headers, status: r.status };
}

export const get = (path, opts) => request('GET', path, opts);

function forget() {
  state.access = state.refresh = state.user = null;
  changed();
}

export async function login(username, password) {
  const { data } = await request('POST', '/api/v1/auth/login', { body: { username, password }, auth: false });
  state.access = data.access_token;
  state.refresh = data.refresh_token;
  try {
    state.user = (await get('/api/v1/users/me')).data;
  } catch (e) {
    forget();
    throw e;
  }
  changed();
  return state.user;
}

export async function logout(everywhere = false) {
  try {
    await request('POST', everywhere ? '/api/v1/auth/logout-all' : '/api/v1/auth/logout');
  } finally {
    forget();
  }
}
