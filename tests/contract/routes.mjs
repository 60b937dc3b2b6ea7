// Every route of the server's table (`taskapi routes`) is in the API document with the
// same methods, and every documented path and method exists in the table.
// Usage: node tests/contract/routes.mjs TASKAPI_BIN    (prints TAP-style lines)
import { execFileSync } from 'node:child_process';
import { loadDocument, METHODS } from './openapi.mjs';

const bin = process.argv[2];
const doc = loadDocument();
const table = new Map();
for (const line of execFileSync(bin, ['routes'], { encoding: 'utf8' }).trim().split('\n')) {
  const [methods, path] = line.split('\t');
  table.set(path, methods.split(', ').map((m) => m.toLowerCase()).sort().join(','));
}
const documented = new Map();
for (const [path, item] of Object.entries(doc.paths)) {
  documented.set(path, METHODS.filter((m) => item[m]).sort().join(','));
}

let failed = 0;
const result = (good, name) => {
  if (!good) failed++;
  console.log(`${good ? 'ok' : 'not ok'} - contract: ${name}`);
};
for (const [path, methods] of table) {
  const doc_methods = documented.get(path);
  result(doc_methods === methods,
    `route ${path} [${methods}] is documented with the same methods` + (doc_methods === methods ? '' : ` (document: ${doc_methods ?? 'missing'})`));
}
for (const [path, methods] of documented) {
  if (!table.has(path)) result(false, `documented path ${path} [${methods}] is not in the server's route table`);
}
result(table.size > 0 && table.size === documented.size, `${table.size} routes in the table, ${documented.size} paths in the document`);
process.exit(failed ? 1 : 0);
