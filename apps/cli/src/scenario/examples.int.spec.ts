// The shipped example scenarios stay valid (reads examples/*.yaml, hence not a unit test).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, formatIssue } from './plan.js';

const dir = join(process.cwd(), 'examples');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

it('ships at least three scenarios', () => expect(files.length).toBeGreaterThanOrEqual(3));

it.each(files)('%s is a valid scenario', (f) => {
  const r = parseScenario(readFileSync(join(dir, f), 'utf8'));
  expect(r.issues.map((i) => formatIssue(f, i))).toEqual([]);
  expect(r.plan!.steps.some((s) => s.action.type === 'expect')).toBe(true);
});
