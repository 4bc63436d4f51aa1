// Compiles apps, libs and bench to dist/ with swc (type checking is `npm run typecheck`).
// Several `npm start` in one checkout, or a start beside a running process, must not pull dist/ from
// under each other: a build whose sources are unchanged since the last one is skipped (a stamp of every
// source's path, size and mtime), builds are serialized by a lock folder, and a new build is written to
// a folder of its own and renamed into place, so dist/ is never half written.
import { transformFile } from '@swc/core';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { root, swcConfig } from './swc-config.mjs';
import { buildConsole } from './build-ui.mjs';

const dirs = ['apps', 'libs', 'bench', 'launcher'];
const out = join(root, 'dist');
const lock = join(root, '.dist-build.lock');
const STAMP = '.build-stamp';

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

async function sources() {
  const files = [];
  for (const d of dirs) for await (const f of walk(join(root, d))) files.push(f);
  return files.sort();
}

/** what the output depends on: every source, the build tooling and the path aliases */
async function stampOf(files) {
  const hash = createHash('sha256');
  for (const f of [...files, join(root, 'tools/build.mjs'), join(root, 'tools/build-ui.mjs'), join(root, 'tools/swc-config.mjs'), join(root, 'tsconfig.base.json')]) {
    const s = await stat(f);
    hash.update(`${relative(root, f)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

const current = (stamp) => readFile(join(out, STAMP), 'utf8').then((s) => s === stamp, () => false);

/** a lock folder holding its owner's pid; a lock whose owner died is taken over */
async function acquireLock() {
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
      if (owner && !alive(owner)) await rm(lock, { recursive: true, force: true });
      else await sleep(100);
    }
  }
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (err) { return err.code === 'EPERM'; }
}

async function compile(files, target) {
  const config = swcConfig();
  await Promise.all(files.map(async (file) => {
    const { code } = await transformFile(file, { ...config, filename: file, swcrc: false });
    const dest = join(target, relative(root, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, code);
    if (code.startsWith('#!')) await chmod(dest, 0o755);
  }));
}

const files = await sources();
const stamp = await stampOf(files);
if (!(await current(stamp))) {
  await acquireLock();
  try {
    // another build may have finished while this one waited for the lock
    if (!(await current(stamp))) {
      const fresh = `${out}.building-${process.pid}`;
      const stale = `${out}.old-${process.pid}`;
      await rm(fresh, { recursive: true, force: true });
      await compile(files, fresh);
      await buildConsole(join(fresh, 'console'));
      await writeFile(join(fresh, STAMP), stamp);
      // a running process keeps the files it has loaded; the window without dist/ is two renames long
      await rename(out, stale).catch((err) => { if (err.code !== 'ENOENT') throw err; });
      await rename(fresh, out);
      await rm(stale, { recursive: true, force: true });
    }
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
