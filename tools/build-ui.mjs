// The web console (apps/console): one minified ES module and one style sheet bundled by esbuild, plus
// index.html, written to <target> (dist/console, which the vrm serves at /ui). Called by tools/build.mjs;
// `node tools/build-ui.mjs [target]` builds it alone and prints the compressed size of a first load.
import { build } from 'esbuild';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { root } from './swc-config.mjs';

const INDEX = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>virtsim console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="app.css">
<script type="module" src="app.js"></script>
</head>
<body><div id="app"></div></body>
</html>
`;
/** what a first load fetches */
export const FIRST_LOAD = ['index.html', 'app.js', 'app.css'];

export async function buildConsole(target) {
  await mkdir(target, { recursive: true });
  await build({
    entryPoints: { app: join(root, 'apps/console/src/main.ts') },
    outdir: target, bundle: true, minify: true, format: 'esm', target: 'es2022', platform: 'browser',
    legalComments: 'none', logLevel: 'warning',
  });
  await writeFile(join(target, 'index.html'), INDEX);
}

/** gzip bytes of the first load */
export async function firstLoadBytes(target) {
  let total = 0;
  for (const f of FIRST_LOAD) total += gzipSync(await readFile(join(target, f)), { level: 9 }).length;
  return total;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const target = process.argv[2] ?? join(root, 'dist/console');
  await buildConsole(target);
  process.stdout.write(`console built in ${target}: first load ${(await firstLoadBytes(target) / 1024).toFixed(1)} KiB gzip\n`);
}
