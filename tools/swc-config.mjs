// One swc configuration for the build and for jest; baseUrl must be absolute for swc's paths.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function swcConfig() {
  const base = JSON.parse(readFileSync(resolve(root, 'tsconfig.base.json'), 'utf8'));
  return {
    sourceMaps: 'inline',
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: root,
      paths: base.compilerOptions.paths,
    },
    module: { type: 'es6', resolveFully: true },
  };
}
