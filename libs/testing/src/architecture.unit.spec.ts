// The layout is the architecture, and `npm run lint` keeps it (eslint.config.js, rule virtsim/module-boundaries
// over the Nx tags): apps depend on libs only, never on each other; the domain imports nothing with I/O and of
// ours only the contracts; the contracts import nothing of ours. Each forbidden import below must fail the lint.
import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const eslint = new ESLint({ cwd: root });

/** the module-boundaries messages for `code` linted as if it were the file at `path` */
async function boundaryErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = 1;\n`, { filePath: resolve(root, path) });
  return result!.messages.filter((m) => m.ruleId === 'virtsim/module-boundaries').map((m) => m.message);
}

const forbidden: [string, string, string, RegExp][] = [
  ['an app imports another app by alias', 'apps/scheduler/src/x.ts', "import '@virtsim/vrm';", /may not import @virtsim\/vrm/],
  ['an app imports another app by path', 'apps/scheduler/src/x.ts', "import '../../vrm/src/service.js';", /reaches into @virtsim\/vrm by path/],
  ['an app imports a lib by path', 'apps/vrm/src/x.ts', "import '../../../libs/domain/src/index.js';", /import it as '@virtsim\/domain'/],
  ['production code imports the test support', 'apps/vrm/src/x.ts', "import '@virtsim/testing';", /may not import @virtsim\/testing/],
  ['the domain imports NestJS', 'libs/domain/src/ha/x.ts', "import { Injectable } from '@nestjs/common';", /may not import '@nestjs\/common'/],
  ['the domain imports pg', 'libs/domain/src/x.ts', "import pg from 'pg';", /may not import 'pg'/],
  ['the domain imports TypeORM', 'libs/domain/src/x.ts', "import { DataSource } from 'typeorm';", /may not import 'typeorm'/],
  ['the domain imports NATS', 'libs/domain/src/x.ts', "import { connect } from '@nats-io/transport-node';", /may not import '@nats-io\/transport-node'/],
  ['the domain reads files', 'libs/domain/src/x.ts', "import { readFileSync } from 'node:fs';", /may not import 'node:fs'/],
  ['the domain reads files (dynamic import)', 'libs/domain/src/x.ts', "export const load = () => import('node:fs/promises');", /may not import 'node:fs\/promises'/],
  ['the domain imports the event store', 'libs/domain/src/x.ts', "import '@virtsim/event-store';", /may not import @virtsim\/event-store/],
  ['the domain imports an app', 'libs/domain/src/x.ts', "import '../../../apps/vrm/src/service.js';", /reaches into @virtsim\/vrm by path/],
  ['the contracts import the domain', 'libs/contracts/src/x.ts', "export * from '@virtsim/domain';", /may not import @virtsim\/domain/],
  ['the messaging lib imports the event store', 'libs/messaging/src/x.ts', "import type { EventStore } from '@virtsim/event-store';", /may not import @virtsim\/event-store/],
  ['the service kit imports the domain', 'libs/service-kit/src/x.ts', "import { memory } from '@virtsim/domain';", /may not import @virtsim\/domain/],
  ['a lib imports an app', 'libs/service-kit/src/x.ts', "import '@virtsim/cli';", /may not import @virtsim\/cli/],
  ['production code imports test support', 'apps/io-backend/src/x.ts', "import '../test/scale-fixture.js';", /production code may not import a test\/ folder/],
  ['an unknown project alias', 'apps/vrm/src/x.ts', "import '@virtsim/nothing';", /no project of this workspace/],
];

test.each(forbidden)('lint fails when %s', async (_what, path, code, message) => {
  const errors = await boundaryErrors(path, code);
  expect(errors).toEqual([expect.stringMatching(message)]);
});

const allowed: [string, string, string][] = [
  ['an app imports libs', 'apps/vrm/src/x.ts', "import '@virtsim/domain'; import '@virtsim/service-kit'; import '@virtsim/event-store'; import './own.js';"],
  ['an app test uses the test support', 'apps/vrm/src/x.int.spec.ts', "import '@virtsim/testing';"],
  ['the domain hashes and uses the contracts', 'libs/domain/src/x.ts', "import { createHash } from 'node:crypto'; import '@virtsim/contracts'; import '../shared/prng.js';"],
  ['a domain unit test uses the decider specification', 'libs/domain/src/inventory/x.unit.spec.ts', "import { spec } from '@virtsim/testing/decider';"],
  ['a test uses the test support of its app', 'apps/io-backend/src/x.unit.spec.ts', "import '../test/scale-fixture.js';"],
  ['the launcher composes apps', 'launcher/x.ts', "import '../apps/vrm/src/service.js';"],
];

test.each(allowed)('lint passes when %s', async (_what, path, code) => {
  expect(await boundaryErrors(path, code)).toEqual([]);
});

test('a domain unit test may not load the infrastructure helpers of @virtsim/testing', async () => {
  const [result] = await eslint.lintText("import { createTestDatabase } from '@virtsim/testing';\nexport const used = createTestDatabase;\n",
    { filePath: resolve(root, 'libs/domain/src/x.unit.spec.ts') });
  expect(result!.messages.map((m) => m.ruleId)).toEqual(['no-restricted-imports']);
});
