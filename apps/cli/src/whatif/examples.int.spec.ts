// The shipped what-if files stay valid (reads examples/whatif/*.yaml, hence not a unit test).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIssue } from '../scenario/plan.js';
import { parseWhatIf } from './file.js';

const dir = join(process.cwd(), 'examples', 'whatif');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

it('ships a what-if example', () => expect(files.length).toBeGreaterThanOrEqual(1));

it.each(files)('%s is a valid what-if file', (f) => {
  const r = parseWhatIf(readFileSync(join(dir, f), 'utf8'));
  expect(r.issues.map((i) => formatIssue(f, i))).toEqual([]);
  expect(r.file!.variants.length).toBeGreaterThan(0);
});
