// Count expressions and expectation checks of a scenario (pure).

export type CountOp = '==' | '!=' | '>=' | '<=' | '>' | '<';
export interface CountExpr {
  op: CountOp;
  value: number;
}

export const COUNT_RE = /^\s*(==|!=|>=|<=|>|<|=)?\s*(\d+)\s*$/;

/** A count is a number (exact) or a string like ">= 3", "<5", "!= 0". */
export function parseCount(v: number | string): CountExpr {
  if (typeof v === 'number') return { op: '==', value: v };
  const m = COUNT_RE.exec(v);
  if (!m) throw new Error(`invalid count "${v}": use a number or an expression like ">= 3"`);
  const op = (m[1] === '=' || !m[1] ? '==' : m[1]) as CountOp;
  return { op, value: Number(m[2]) };
}

export function matchCount(expr: CountExpr, actual: number): boolean {
  switch (expr.op) {
    case '==': return actual === expr.value;
    case '!=': return actual !== expr.value;
    case '>=': return actual >= expr.value;
    case '<=': return actual <= expr.value;
    case '>': return actual > expr.value;
    case '<': return actual < expr.value;
  }
}

export function showCount(expr: CountExpr): string {
  return expr.op === '==' ? String(expr.value) : `${expr.op} ${expr.value}`;
}

export interface Expectation {
  /** VM counts by state ("total" counts all VMs of the scenario) */
  vms?: Record<string, number | string>;
  /** host counts by state ("total" counts all hosts) */
  hosts?: Record<string, number | string>;
  /** number of the scenario's VMs placed on each named host */
  onHost?: Record<string, number | string>;
  /** state of individual VMs by name */
  vmStates?: Record<string, string>;
  /** the host a VM runs on, by name; prefix with ! for "not on" */
  vmHosts?: Record<string, string>;
  /** completed migrations since the scenario started */
  migrations?: number | string;
  /** HA restarts (elsewhere or in place) since the scenario started */
  haRestarts?: number | string;
  /** 'hold': every invariant of GET /invariants holds (B6) */
  invariants?: 'hold';
}

/** What the runner observed, already mapped to names. */
export interface Snapshot {
  vms: { name: string; state: string; host: string | null }[];
  hosts: { name: string; state: string }[];
  migrations: number;
  haRestarts: number;
  /** the invariants breached now (read only when an expectation asks) */
  violated?: string[];
}

export interface CheckResult {
  check: string;
  expected: string;
  actual: string;
  ok: boolean;
}

export function evaluateExpectation(exp: Expectation, snap: Snapshot): CheckResult[] {
  const out: CheckResult[] = [];
  const count = (check: string, want: number | string, actual: number) => {
    const e = parseCount(want);
    out.push({ check, expected: showCount(e), actual: String(actual), ok: matchCount(e, actual) });
  };
  for (const [state, want] of Object.entries(exp.vms ?? {})) {
    count(`vms.${state}`, want, state === 'total' ? snap.vms.length : snap.vms.filter((v) => v.state === state).length);
  }
  for (const [state, want] of Object.entries(exp.hosts ?? {})) {
    count(`hosts.${state}`, want, state === 'total' ? snap.hosts.length : snap.hosts.filter((h) => h.state === state).length);
  }
  for (const [host, want] of Object.entries(exp.onHost ?? {})) {
    count(`onHost.${host}`, want, snap.vms.filter((v) => v.host === host).length);
  }
  for (const [vm, want] of Object.entries(exp.vmStates ?? {})) {
    const actual = snap.vms.find((v) => v.name === vm)?.state ?? 'absent';
    out.push({ check: `vmStates.${vm}`, expected: want, actual, ok: actual === want });
  }
  for (const [vm, want] of Object.entries(exp.vmHosts ?? {})) {
    const actual = snap.vms.find((v) => v.name === vm)?.host ?? null;
    const negate = want.startsWith('!');
    const host = negate ? want.slice(1) : want;
    out.push({ check: `vmHosts.${vm}`, expected: want, actual: actual ?? '-', ok: negate ? actual !== host : actual === host });
  }
  if (exp.migrations !== undefined) count('migrations', exp.migrations, snap.migrations);
  if (exp.haRestarts !== undefined) count('haRestarts', exp.haRestarts, snap.haRestarts);
  if (exp.invariants === 'hold') {
    const violated = snap.violated ?? [];
    out.push({ check: 'invariants', expected: 'hold', actual: violated.length ? `violated: ${violated.join(', ')}` : 'hold', ok: violated.length === 0 });
  }
  return out;
}
