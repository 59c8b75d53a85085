import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { en } from '../../src/web/i18n/en';
import { it as italian } from '../../src/web/i18n/it';

/** Every .ts and .tsx file under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'i18n' ? [] : sources(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

test('every audit action the code records has words in the activity log, in Italian and English', () => {
  const actions = new Set<string>();
  for (const file of sources('src')) {
    for (const match of readFileSync(file, 'utf8').matchAll(/'((?:office|portal|backoffice)\.[a-zA-Z0-9_-]+(?:\.[a-zA-Z0-9_-]+)+)'/g)) actions.add(match[1]!);
  }
  assert.ok(actions.size > 50, `the actions were found (${actions.size})`);
  const missing = [...actions].filter((action) => !(action in italian.officeActivity.actions) || !(action in en.officeActivity.actions));
  assert.deepEqual(missing, [], 'actions the activity log would show as a bare code');
});
