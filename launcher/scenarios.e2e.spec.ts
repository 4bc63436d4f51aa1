// Golden-log scenario tests (see scenarios/README.md): each scenarios/<name>/scenario.yaml runs on a fresh
// installation; its normalized event log must equal expected.log and its final state hash expected.hash,
// and GET /verify (every service rebuilt from the log) must be ok. UPDATE_GOLDEN=1 rewrites the expected files.
// Determinism (B3): the richest scenario runs twice on two empty installations: same log, same hash.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstDiff, runGolden, scenarioNames, SCENARIOS_DIR, type GoldenRun } from './test/golden.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const names = scenarioNames();
const DETERMINISM = 'drs-balance';

function stepReport(run: GoldenRun): string {
  return [...run.steps, run.error ? `run stopped: ${run.error}` : ''].join('\n');
}

it('has scenarios', () => expect(names.length).toBeGreaterThanOrEqual(7));

describe.each(names)('%s', (name) => {
  const dir = join(SCENARIOS_DIR, name);
  test('golden log, state hash and verify', async () => {
    const run = await runGolden(join(dir, 'scenario.yaml'), name);
    // every step and expectation of the timeline held
    const failed = run.steps.filter((s) => s.startsWith('FAIL'));
    if (run.error || failed.length) throw new Error(`scenario ${name} did not pass:\n${stepReport(run)}`);
    expect(run.verifyOk).toBe(true);
    expect(run.violated).toEqual([]); // B6: every invariant holds at the end of every golden scenario
    const logFile = join(dir, 'expected.log');
    const hashFile = join(dir, 'expected.hash');
    if (UPDATE || !existsSync(logFile)) {
      writeFileSync(logFile, run.log);
      writeFileSync(hashFile, `${run.hash}\n`);
      if (!UPDATE) throw new Error(`${name}: no expected.log yet; wrote it (review it, then commit it)`);
      return;
    }
    const diff = firstDiff(readFileSync(logFile, 'utf8'), run.log);
    if (diff) throw new Error(`${name}: event log differs from expected.log (UPDATE_GOLDEN=1 to accept)\n${diff}`);
    expect(run.hash).toBe(readFileSync(hashFile, 'utf8').trim());
  });
});

describe('determinism (B3)', () => {
  test(`${DETERMINISM} twice on two empty installations: identical logs and state hash`, async () => {
    const file = join(SCENARIOS_DIR, DETERMINISM, 'scenario.yaml');
    const a = await runGolden(file, 'det_a');
    const b = await runGolden(file, 'det_b');
    expect(a.error).toBeUndefined();
    const diff = firstDiff(a.log, b.log);
    if (diff) throw new Error(`two runs of ${DETERMINISM} differ:\n${diff}`);
    expect(b.hash).toBe(a.hash);
    expect(b.position).toBe(a.position);
  });
});
