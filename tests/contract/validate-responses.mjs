// Validates recorded responses of the API test suite against the API document: each
// response's status must be documented for its route and method, its documented headers
// present (when required) and valid, and its body valid against the documented schema.
// Usage: node tests/contract/validate-responses.mjs RECORD_DIR
// Records are written by tests/api/lib.sh (RECORD_DIR): method, path, status lines, the
// headers (the status line first), an empty line, the body.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDocument, matchPath, resolve, validatorFor } from './openapi.mjs';

const dir = process.argv[2];
const doc = loadDocument();
const schemaOf = validatorFor(doc);

// Answers NGINX gives before any route is looked at: they are the document's shared
// responses, whatever the path.
const EDGE = { 400: 'BadRequest', 404: 'NotFound', 413: 'PayloadTooLarge', 414: 'URITooLong',
  429: 'TooManyRequests', 431: 'HeaderTooLarge', 503: 'ServiceUnavailable' };
// NGINX's static locations: not API routes.
const STATIC = /^\/(openapi\.json|docs|redoc|app)(\/|$|\?)/;

function parse(text) {
  const blank = text.indexOf('\n\n', text.indexOf('\n', text.indexOf('\n', text.indexOf('\n') + 1) + 1));
  const head = text.slice(0, blank).split('\n');
  const [method, path, status] = head;
  const headers = new Map();
  for (const line of head.slice(4)) {
    const i = line.indexOf(':');
    if (i > 0) {
      const name = line.slice(0, i).toLowerCase();
      headers.set(name, [...(headers.get(name) || []), line.slice(i + 1).trim()]);
    }
  }
  return { method: method.toUpperCase(), path, status: Number(status), headers, body: text.slice(blank + 2) };
}

function checkResponse(rec, response, where) {
  const problems = [];
  response = resolve(doc, response);
  for (const [name, h] of Object.entries(response.headers || {})) {
    const header = resolve(doc, h);
    const values = rec.headers.get(name.toLowerCase());
    if (!values) {
      if (header.required) problems.push(`header ${name} missing`);
      continue;
    }
    const validate = schemaOf(header.schema);
    for (const v of values) {
      if (!validate(v)) problems.push(`header ${name}: ${JSON.stringify(v)} ${validate.errors[0].message}`);
    }
  }
  const content = response.content;
  if (rec.method === 'HEAD') return problems;
  if (!content) {
    if (rec.body.length) problems.push(`a body where the document has none: ${rec.body.slice(0, 80)}`);
    return problems;
  }
  const type = (rec.headers.get('content-type') || [''])[0].split(';')[0].trim();
  const media = content[type];
  if (!media) return [...problems, `content type "${type}" not documented (${Object.keys(content)})`];
  if (type !== 'application/json') return problems;
  let body;
  try {
    body = JSON.parse(rec.body);
  } catch {
    return [...problems, `body is not JSON: ${rec.body.slice(0, 80)}`];
  }
  const validate = schemaOf(media.schema);
  if (!validate(body)) {
    const e = validate.errors[0];
    problems.push(`body ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}: ${rec.body.slice(0, 120)}`);
  }
  return problems;
}

function check(rec) {
  if (STATIC.test(rec.path)) return { key: 'static', problems: [] };
  const template = matchPath(doc, rec.path);
  if (!template) {
    const name = EDGE[rec.status];
    if (!name) return { key: `unrouted ${rec.status}`, problems: [`status ${rec.status} for a path that is no route`] };
    return { key: `unrouted ${rec.status}`, problems: checkResponse(rec, doc.components.responses[name]) };
  }
  const item = doc.paths[template];
  if (rec.method === 'OPTIONS') {
    // CORS preflights: 204, or 400 for an origin that is not allowed (docs/api.md, CORS).
    if (rec.status === 204) return { key: `OPTIONS ${template} 204`, problems: [] };
    return { key: `OPTIONS ${template} ${rec.status}`, problems: rec.status === 400 ? checkResponse(rec, doc.components.responses.BadRequest) : [`preflight status ${rec.status}`] };
  }
  const op = item[rec.method === 'HEAD' ? 'get' : rec.method.toLowerCase()];
  const key = `${rec.method} ${template} ${rec.status}`;
  if (!op) {
    if (rec.status !== 405 && !EDGE[rec.status]) return { key, problems: [`a method the path does not take answered ${rec.status}, not 405`] };
    return { key, problems: checkResponse(rec, doc.components.responses[rec.status === 405 ? 'MethodNotAllowed' : EDGE[rec.status]]) };
  }
  const response = op.responses[String(rec.status)];
  if (!response) return { key, problems: [`status ${rec.status} is not documented for ${op.operationId}`] };
  return { key, problems: checkResponse(rec, response) };
}

const files = readdirSync(dir);
const byKey = new Map();
let bad = 0;
for (const f of files) {
  const rec = parse(readFileSync(join(dir, f), 'utf8'));
  const { key, problems } = check(rec);
  const entry = byKey.get(key) || { n: 0, problems: [] };
  entry.n++;
  if (problems.length) {
    bad++;
    if (entry.problems.length < 3) entry.problems.push(`${f}: ${rec.method} ${rec.path.slice(0, 100)}: ${problems.join('; ')}`);
  }
  byKey.set(key, entry);
}
let failed = 0;
for (const [key, { n, problems }] of [...byKey].sort()) {
  if (problems.length) {
    failed++;
    console.log(`not ok - contract: responses ${key} (${n}) match the document: ${problems.join(' | ')}`);
  }
}
const good = files.length > 0 && failed === 0;
console.log(`${good ? 'ok' : 'not ok'} - contract: ${files.length} recorded responses of the API tests (${byKey.size} route/method/status kinds) validate against docs/openapi.yaml` +
  (good ? '' : ` (${bad} do not)`));
process.exit(good ? 0 : 1);
