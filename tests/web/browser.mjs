// Launches Debian's chromium (never a downloaded browser) through playwright-core, headless,
// with an empty profile that is removed afterwards, and collects every console error.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'taskapi-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  const errors = [];
  const watch = (page, label) => {
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`${label}: console: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`${label}: page error: ${e.message}`));
  };
  context.on('page', (p) => watch(p, 'page'));
  for (const p of context.pages()) watch(p, 'page');
  const close = async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  // Stopped by a timeout or ^C: the browser and its profile go too.
  for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => close().finally(() => process.exit(130)));
  return {
    context,
    errors,
    watch,
    close,
  };
}
