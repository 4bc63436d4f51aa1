import { planRetention } from './snapshot-retention.js';

const rule = { every: 100, max: 4 };

/** saves snapshots at these positions in turn, as saveSnapshot does: the checkpoints kept after each */
function keptAfter(positions: number[]): number[] {
  let stored: number[] = [];
  for (const p of positions) {
    const plan = planRetention(stored, p, rule);
    stored = stored.filter((s) => !plan.drop.includes(s));
    if (plan.checkpoint) stored.push(p);
  }
  return stored;
}

test('the first snapshot to cross each multiple of `every` becomes a checkpoint, later ones in its interval do not', () => {
  expect(planRetention([], 30, rule)).toEqual({ checkpoint: true, drop: [] });
  expect(planRetention([30], 60, rule)).toEqual({ checkpoint: false, drop: [] });
  expect(planRetention([30], 100, rule)).toEqual({ checkpoint: true, drop: [] });
  expect(keptAfter([30, 60, 90, 120, 150, 180, 210, 240])).toEqual([30, 120, 210]);
});

test('a snapshot that skips intervals is still the one that crosses into its own', () => {
  expect(keptAfter([30, 350])).toEqual([30, 350]);
});

test('past `max` checkpoints, only every 2nd interval keeps one, then every 4th: never more than max', () => {
  const every30 = Array.from({ length: 40 }, (_, i) => 30 * (i + 1)); // up to position 1200
  const kept = keptAfter(every30);
  expect(kept.length).toBeLessThanOrEqual(rule.max);
  // intervals 0..11 seen: stride 4 keeps intervals 0, 4, 8 (their first snapshots), and the newest odd one waits its turn
  expect(kept.slice(0, 3)).toEqual([30, 420, 810]);
  for (let n = 1; n <= every30.length; n++) expect(keptAfter(every30.slice(0, n)).length).toBeLessThanOrEqual(rule.max);
});

test('thinning keeps the checkpoints spread: no gap wider than stride intervals plus the snapshot spacing', () => {
  const positions = Array.from({ length: 300 }, (_, i) => 30 * (i + 1)); // to 9000: 90 intervals, max 4
  const kept = keptAfter(positions);
  const gaps = kept.slice(1).map((p, i) => p - kept[i]).concat(9000 - kept[kept.length - 1]);
  // 90 intervals in at most 4 checkpoints: stride 32 (intervals 0, 32, 64), gaps under 32·100 + 30
  expect(kept.length).toBeLessThanOrEqual(rule.max);
  expect(Math.max(...gaps)).toBeLessThanOrEqual(32 * 100 + 30);
});

test('two savers that both kept a checkpoint in interval 0 do not loop forever', () => {
  expect(planRetention([10, 20, 30, 40, 50], 60, rule)).toEqual({ checkpoint: false, drop: [] });
});
