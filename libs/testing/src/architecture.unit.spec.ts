// The layout is the architecture: apps depend on libs only, never on each other; libs never on apps;
// the domain does no I/O and knows no framework.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(p).isDirectory() ? sources(p) : name.endsWith('.ts') ? [p] : [];
  });
}

const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^\s*import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
const appOf = (p: string) => /^apps\/([^/]+)\//.exec(relative(root, p))?.[1];

test('no app imports another app', () => {
  const offenders: string[] = [];
  for (const file of sources(join(root, 'apps'))) {
    const own = appOf(file);
    for (const spec of importsOf(file).filter((s) => s.startsWith('.'))) {
      const target = appOf(resolve(file, '..', spec));
      if (target && target !== own) offenders.push(`${relative(root, file)} -> ${spec}`);
    }
  }
  expect(offenders).toEqual([]);
});

test('libs never import apps or the launcher', () => {
  const offenders = sources(join(root, 'libs')).flatMap((file) => importsOf(file)
    .filter((s) => s.startsWith('.') && /^(apps|launcher)\//.test(relative(root, resolve(file, '..', s))))
    .map((s) => `${relative(root, file)} -> ${s}`));
  expect(offenders).toEqual([]);
});

test('libs/domain is pure: no framework, database, broker or file system imports', () => {
  const banned = /^(@nestjs|typeorm|pg|@nats-io|@electric-sql|node:fs|node:net|node:http|fs|net|http)/;
  const offenders = sources(join(root, 'libs/domain/src')).filter((f) => !f.endsWith('.spec.ts'))
    .flatMap((file) => importsOf(file).filter((s) => banned.test(s)).map((s) => `${relative(root, file)} -> ${s}`));
  expect(offenders).toEqual([]);
});
