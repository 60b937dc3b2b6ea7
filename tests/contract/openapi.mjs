// The API document (docs/openapi.yaml) and what the contract tests need of it: path
// matching as the server's router does it, $ref resolution, and ajv validators.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function loadDocument(file = join(REPO, 'docs', 'openapi.yaml')) {
  return yaml.load(readFileSync(file, 'utf8'));
}

// A path without its query, split as the router does: empty segments are skipped, a
// trailing slash is allowed, "//" elsewhere matches nothing.
function segments(path) {
  const p = path.split('?')[0];
  if (!p.startsWith('/') || p.replace(/\/$/, '').includes('//')) return null;
  return p.split('/').filter((s) => s !== '');
}

// The document's path item for a request path (the first match wins, in document order,
// which lists /api/v1/tasks/stats before /api/v1/tasks/{id} like the route table).
export function matchPath(doc, path) {
  const got = segments(path);
  if (!got) return null;
  for (const template of Object.keys(doc.paths)) {
    const want = template.split('/').filter((s) => s !== '');
    if (want.length !== got.length) continue;
    if (want.every((w, i) => (w.startsWith('{') ? got[i] !== '' : w === got[i]))) return template;
  }
  return null;
}

export function resolve(doc, obj) {
  while (obj && obj.$ref) {
    obj = obj.$ref.slice(2).split('/').reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return obj;
}

// One ajv instance holding the whole document, so that schemas refer to components.
export function validatorFor(doc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
  const cache = new Map();
  return (schema) => {
    const key = JSON.stringify(schema);
    if (!cache.has(key)) {
      // Schemas are compiled inside the document's base so that "#/components/..." resolves.
      const rebased = JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, '"$ref":"openapi.json#/'));
      cache.set(key, ajv.compile(rebased));
    }
    return cache.get(key);
  };
}
