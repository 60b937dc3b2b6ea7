// The task dashboard: counters, the new-task form, filters, the list with cursor pages,
// quick status changes, editing with If-Match and deleting with a confirmation.
import { get, request, ApiError } from '../api.js';
import { h, field, showErrors, clearErrors, formError, announce, confirmDialog } from '../dom.js';
import { formatTime, toLocalInput, fromLocalInput } from '../time.js';
import { prefs, SORTS } from './account.js';
import { failed } from '../app.js';

const STATUSES = [['todo', 'To do'], ['in_progress', 'In progress'], ['completed', 'Completed']];
const PRIORITIES = [['low', 'Low'], ['medium', 'Medium'], ['high', 'High']];
const label = (list, v) => (list.find(([k]) => k === v) || [v, v])[1];

function select(name, options, value, extra = {}) {
  return h('select', { name, ...extra },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
}

export async function tasksView(main) {
  const tz = prefs.timezone;
  // Filters and the walk through the pages: the cursors of the pages seen so far.
  const view = { filters: {}, cursors: [null], page: 0, next: null };

  const stats = h('section.stats', { 'aria-labelledby': 'stats-h' }, h('h2', { id: 'stats-h' }, 'Overview'));
  const statsList = h('dl.counters');
  stats.append(statsList);

  const createForm = taskForm({ submitLabel: 'Add task', tz });
  createForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(createForm);
    try {
      await request('POST', '/api/v1/tasks/', { body: formBody(createForm, tz, true) });
      createForm.reset();
      announce('Task added.');
      await refresh(true);
    } catch (e) { formFailed(createForm, e); }
  });
  const create = h('section.card', { 'aria-labelledby': 'new-h' }, h('h2', { id: 'new-h' }, 'New task'), createForm);

  const filters = h('form.filters', { role: 'search', 'aria-label': 'Filter tasks' },
    field('Status', select('status', [['', 'Any status'], ...STATUSES], '')),
    field('Priority', select('priority', [['', 'Any priority'], ...PRIORITIES], '')),
    field('Search', h('input', { name: 'q', type: 'search', maxlength: '200' })),
    field('Sort by', select('sort', SORTS, prefs.default_sort)),
    h('div.actions', h('button', { type: 'submit' }, 'Apply'), h('button.secondary', { type: 'reset' }, 'Clear')));
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); applyFilters(); });
  filters.addEventListener('reset', () => setTimeout(applyFilters));

  const list = h('ul.tasks', { 'aria-live': 'polite' });
  const pageInfo = h('p.page-info');
  const prev = h('button.secondary', { type: 'button', onclick: () => turn(-1) }, 'Previous page');
  const next = h('button.secondary', { type: 'button', onclick: () => turn(1) }, 'Next page');
  const paging = h('nav.paging', { 'aria-label': 'Pages' }, prev, pageInfo, next);
  const listSection = h('section', { 'aria-labelledby': 'list-h' }, h('h2', { id: 'list-h' }, 'Your tasks'), filters, list, paging);

  main.append(h('h1', 'Tasks'), stats, create, listSection);

  function applyFilters() {
    const v = Object.fromEntries(new FormData(filters));
    view.filters = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== ''));
    view.cursors = [null];
    view.page = 0;
    refresh(true).catch(failed);
  }

  function turn(step) {
    if (step > 0 && view.next) {
      view.page++;
      view.cursors[view.page] = view.next;
    } else if (step < 0 && view.page > 0) {
      view.page--;
    }
    loadPage().catch(failed);
  }

  async function loadStats() {
    const { data: s } = await get('/api/v1/tasks/stats');
    const items = [['Total', s.total], ['To do', s.by_status.todo], ['In progress', s.by_status.in_progress],
      ['Completed', s.by_status.completed], ['Overdue', s.overdue], ['Due in 7 days', s.due_next_7_days],
      ['Completed in 7 days', s.completed_last_7_days]];
    statsList.replaceChildren(...items.map(([k, n]) => h('div.counter', h('dt', k), h('dd', String(n)))));
  }

  async function loadPage() {
    const q = new URLSearchParams(view.filters);
    const cursor = view.cursors[view.page];
    if (cursor) q.set('cursor', cursor);
    const { data } = await get(`/api/v1/tasks/?${q}`);
    view.next = data.next_cursor;
    list.replaceChildren(...data.tasks.map(taskItem));
    if (!data.tasks.length) list.append(h('li.empty', 'No tasks match.'));
    const pages = Math.max(1, Math.ceil(data.total / data.page_size));
    pageInfo.textContent = `Page ${view.page + 1} of ${pages} · ${data.total} task${data.total === 1 ? '' : 's'}`;
    prev.disabled = view.page === 0;
    next.disabled = !view.next;
  }

  async function refresh(withStats) {
    await Promise.all([withStats ? loadStats() : null, loadPage()]);
  }

  function taskItem(t) {
    const overdue = t.due_date && t.status !== 'completed' && new Date(t.due_date) < new Date();
    const quick = select('status', STATUSES, t.status, { 'aria-label': `Status of ${t.title}` });
    quick.addEventListener('change', async () => {
      try {
        await request('PATCH', `/api/v1/tasks/${t.id}`, { body: { status: quick.value } });
        announce(`“${t.title}” is now ${label(STATUSES, quick.value).toLowerCase()}.`);
        await refresh(true);
      } catch (e) { failed(e); }
    });
    const item = h(`li.task${overdue ? '.overdue' : ''}${t.status === 'completed' ? '.done' : ''}`, { 'data-id': t.id },
      h('article', { 'aria-labelledby': `t${t.id}` },
        h('h3', { id: `t${t.id}` }, t.title),
        t.description ? h('p.desc', t.description) : null,
        h('p.meta',
          h(`span.badge.prio-${t.priority}`, `${label(PRIORITIES, t.priority)} priority`),
          t.due_date ? h('span.due', 'Due ', h('time', { datetime: t.due_date }, formatTime(t.due_date, tz))) : h('span.due', 'No due date'),
          overdue ? h('span.badge.late', 'Overdue') : null),
        h('div.row',
          h('div.quick', quick),
          h('button.secondary', { type: 'button', 'aria-label': `Edit ${t.title}`, onclick: () => edit(t, item) }, 'Edit'),
          h('button.danger', { type: 'button', 'aria-label': `Delete ${t.title}`, onclick: () => remove(t) }, 'Delete'))));
    return item;
  }

  async function remove(t) {
    if (!(await confirmDialog('Delete this task?', `“${t.title}” will be deleted for good.`))) return;
    try {
      await request('DELETE', `/api/v1/tasks/${t.id}`);
      announce(`“${t.title}” deleted.`);
      await refresh(true);
    } catch (e) { failed(e); }
  }

  // Editing starts from the task as it is now, with its ETag: the save applies only if
  // nobody changed the task meanwhile (If-Match), else the server answers 412.
  async function edit(t, item) {
    const { data: task, headers } = await get(`/api/v1/tasks/${t.id}`);
    const etag = headers.get('ETag');
    const form = taskForm({ submitLabel: 'Save', tz, task, cancel: () => refresh(false).catch(failed) });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      try {
        await request('PATCH', `/api/v1/tasks/${t.id}`, { body: formBody(form, tz, false), headers: { 'If-Match': etag } });
        announce('Task saved.');
        await refresh(true);
      } catch (e) {
        if (e instanceof ApiError && e.status === 412) {
          const reload = h('button.secondary', { type: 'button', onclick: () => edit(t, form.closest('li')).catch(failed) }, 'Load the current version');
          showErrors(form, {}, 'This task was changed elsewhere (in another tab or by another device) since you opened it, so your changes were not saved. Load the current version and edit again.');
          form.querySelector('.form-error').append(' ', reload);
        } else formFailed(form, e);
      }
    });
    item.replaceChildren(h('section.card.editing', { 'aria-labelledby': `e${t.id}` }, h('h3', { id: `e${t.id}` }, `Edit “${task.title}”`), form));
    form.elements.title.focus();
  }

  await refresh(true);
}

function taskForm({ submitLabel, tz, task, cancel }) {
  const t = task || {};
  return h('form.task-form', { novalidate: true },
    formError(),
    field('Title', h('input', { name: 'title', required: true, maxlength: '200', value: t.title || '' })),
    field('Description', h('textarea', { name: 'description', rows: '2', maxlength: '10000' }, t.description || '')),
    h('div.grid',
      field('Status', select('status', STATUSES, t.status || 'todo')),
      field('Priority', select('priority', PRIORITIES, t.priority || 'medium')),
      field('Due', h('input', { name: 'due_date', type: 'datetime-local', value: toLocalInput(t.due_date, tz) }), `Time zone: ${tz}`)),
    h('div.actions', h('button', { type: 'submit' }, submitLabel),
      cancel ? h('button.secondary', { type: 'button', onclick: cancel }, 'Cancel') : null));
}

function formBody(form, tz, creating) {
  const v = Object.fromEntries(new FormData(form));
  const body = { title: v.title, status: v.status, priority: v.priority };
  if (v.description || !creating) body.description = v.description || null;
  const due = fromLocalInput(v.due_date, tz);
  if (due || !creating) body.due_date = due;
  return body;
}

function formFailed(form, e) {
  if (!(e instanceof ApiError) || e.sessionEnded) throw e;
  showErrors(form, e.fieldErrors(), e.status === 422 ? null : e.message);
}
