// Text rendering of a scenario run (pure).
import { formatDuration } from '../simtime.js';
import { formatTable } from '../format.js';
import type { ScenarioSummary, StepResult } from './run.js';

export function formatStep(r: StepResult): string {
  const lines = [`${r.ok ? 'ok  ' : 'FAIL'} ${formatDuration(r.at).padStart(7)}  #${r.index} ${r.label}${r.detail ? ` -> ${r.detail}` : ''}`];
  for (const c of r.checks ?? []) {
    lines.push(`       ${c.ok ? '✓' : '✗'} ${c.check}: expected ${c.expected}, got ${c.actual}`);
  }
  return lines.join('\n');
}

function counts(title: string, m: Record<string, number>): string {
  const rows = Object.entries(m).map(([k, n]) => ({ k, n }));
  if (!rows.length) return `${title}: none`;
  return formatTable(rows, [{ header: title, key: 'k' }, { header: 'count', key: 'n', align: 'right' }]);
}

export function formatSummary(s: ScenarioSummary): string {
  const failed = s.steps.filter((x) => !x.ok).length;
  return [
    `scenario ${s.name} (seed ${s.seed}) on cluster ${s.clusterId}`,
    `simulated ${formatDuration(s.endSimTime - s.startSimTime)} (t=${s.startSimTime}s -> ${s.endSimTime}s), ${s.steps.length} step(s), ${failed} failed`,
    '',
    counts('vm state', s.vmsByState),
    '',
    counts('host', s.vmsByHost),
    '',
    counts('host state', s.hostsByState),
    '',
    `migrations:  ${s.migrations}`,
    `HA restarts: ${s.haRestarts}`,
    `state hash:  ${s.hash} (position ${s.position})`,
    s.ok ? 'result: PASS' : `result: FAIL (${failed} step(s) failed)`,
  ].join('\n');
}
