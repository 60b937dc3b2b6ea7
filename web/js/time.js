// Times: the API speaks UTC; the dashboard shows and reads them in the time zone of the
// user's preferences (the browser's own zone plays no part).

const fmtCache = new Map();
function parts(date, tz) {
  let f = fmtCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    fmtCache.set(tz, f);
  }
  const o = {};
  for (const p of f.formatToParts(date)) if (p.type !== 'literal') o[p.type] = Number(p.value);
  return o;
}

// Milliseconds to add to UTC to get the wall time in tz at that instant.
function offset(ms, tz) {
  const p = parts(new Date(ms), tz);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

const pad = (n) => String(n).padStart(2, '0');

// ISO UTC text -> "YYYY-MM-DDTHH:MM" wall time in tz (for <input type="datetime-local">).
export function toLocalInput(iso, tz) {
  if (!iso) return '';
  const p = parts(new Date(iso), tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

// "YYYY-MM-DDTHH:MM" wall time in tz -> ISO UTC text (two passes settle DST edges).
export function fromLocalInput(value, tz) {
  if (!value) return null;
  const [d, t] = value.split('T');
  const [y, mo, da] = d.split('-').map(Number);
  const [hh, mi] = t.split(':').map(Number);
  const wall = Date.UTC(y, mo - 1, da, hh, mi);
  let utc = wall - offset(wall, tz);
  utc = wall - offset(utc, tz);
  return new Date(utc).toISOString().replace('.000Z', 'Z');
}

export function formatTime(iso, tz) {
  return new Intl.DateTimeFormat(undefined, { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function zones() {
  return typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
}
