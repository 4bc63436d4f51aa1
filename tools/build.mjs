// Compiles apps, libs and bench to dist/ with swc (type checking is `npm run typecheck`).
import { transformFile } from '@swc/core';
import { chmod, mkdir, readdir, writeFile, rm } from 'node:fs/promises';
import { join, relative, dirname } from 'node:path';
import { root, swcConfig } from './swc-config.mjs';

const dirs = ['apps', 'libs', 'bench', 'launcher'];
const out = join(root, 'dist');

async function* walk(dir) {
  let entries;
  try { entries = await readdir(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') && !e.name.endsWith('.d.ts')) yield p;
  }
}

await rm(out, { recursive: true, force: true });
const config = swcConfig();
const jobs = [];
for (const d of dirs) {
  for await (const file of walk(join(root, d))) {
    jobs.push((async () => {
      const { code } = await transformFile(file, { ...config, filename: file, swcrc: false });
      const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, code);
      if (code.startsWith('#!')) await chmod(target, 0o755);
    })());
  }
}
await Promise.all(jobs);
