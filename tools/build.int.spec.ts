// `npm start` several times in one checkout: builds must not pull dist/ from under each other (issue 14).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const build = () => promisify(execFile)('node', ['tools/build.mjs'], { cwd: root });

test('four builds at once with stale output all succeed and leave one whole dist/; an up-to-date build is skipped', async () => {
  await rm(join(root, 'dist/.build-stamp'), { force: true });
  const results = await Promise.allSettled([build(), build(), build(), build()]);
  expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
  expect(existsSync(join(root, 'dist/launcher/main.js'))).toBe(true);
  expect(readdirSync(root).filter((f) => f.startsWith('dist.') || f === '.dist-build.lock')).toEqual([]);

  const before = statSync(join(root, 'dist')).ino;
  await build();
  expect(statSync(join(root, 'dist')).ino).toBe(before);
});
