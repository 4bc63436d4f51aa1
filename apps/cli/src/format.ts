// Table and value formatting (pure).
import type { Paint, Style } from './style.js';

export interface Column<T = Record<string, unknown>> {
  header: string;
  key?: string;
  get?: (row: T) => unknown;
  align?: 'left' | 'right';
  maxWidth?: number;
  /** colour of a cell, from its shown text (applied only when painting) */
  style?: (shown: string) => Style | undefined;
}

/** Server data shown on a terminal: C0 / C1 control codes (escape sequences, bells, carriage returns) become
 *  visible escapes, so a name cannot move the cursor, recolour or rewrite what the CLI prints. */
export function printable(s: string, keepNewlines = false): string {
  // eslint-disable-next-line no-control-regex -- finding control codes is the point
  return s.replace(keepNewlines ? /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g : /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function formatCell(v: unknown): string {
  if (typeof v === 'string') return v === '' ? '-' : printable(v);
  if (v === null || v === undefined || v === '') return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 0) return '-';
  if (Array.isArray(v)) return v.every((x) => typeof x !== 'object' || x === null) ? v.map(formatCell).join(',') : printable(JSON.stringify(v));
  return printable(JSON.stringify(v));
}

/** Reads a dotted path ("host.id") from an object. */
export function pick(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function truncate(s: string, max?: number): string {
  if (!max || s.length <= max) return s;
  return s.slice(0, Math.max(1, max - 1)) + '…';
}

/** Renders rows as an aligned text table with a header line. */
export function formatTable<T>(rows: T[], columns: Column<T>[], paint?: Paint): string {
  const cells = rows.map((r) =>
    columns.map((c) => truncate(formatCell(c.get ? c.get(r) : pick(r, c.key ?? c.header)), c.maxWidth)),
  );
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[], styleOf: (v: string, i: number) => Style | undefined) =>
    vals
      .map((v, i) => {
        const padded = columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!);
        const style = paint ? styleOf(v, i) : undefined;
        if (!style || !paint) return padded;
        // colour the text, not the padding, so trimEnd still trims
        const at = padded.indexOf(v);
        return padded.slice(0, at) + paint(style, v) + padded.slice(at + v.length);
      })
      .join('  ')
      .trimEnd();
  const out = [line(columns.map((c) => c.header.toUpperCase()), () => 'bold')];
  for (const row of cells) out.push(line(row, (v, i) => columns[i]!.style?.(v)));
  return out.join('\n');
}

/**
 * Chooses columns for items of unknown shape: the preferred keys that appear in any item
 * (in that order), or else the first scalar keys of the first item.
 */
export function autoColumns(items: unknown[], preferred: string[], max = 8): Column[] {
  const present = (key: string) => items.some((it) => pick(it, key) !== undefined);
  let keys = preferred.filter(present);
  if (keys.length === 0 && items.length > 0 && typeof items[0] === 'object' && items[0] !== null) {
    keys = Object.entries(items[0] as Record<string, unknown>)
      .filter(([, v]) => v === null || typeof v !== 'object')
      .map(([k]) => k);
  }
  return keys.slice(0, max).map((k) => ({ header: k, key: k, maxWidth: 60 }));
}

/** Flattens an object into "key  value" lines (nested objects use dotted keys). */
export function formatObject(obj: unknown, maxDepth = 3): string {
  const rows: [string, string][] = [];
  const walk = (v: unknown, prefix: string, depth: number) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < maxDepth && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) walk(child, prefix ? `${prefix}.${k}` : k, depth + 1);
    } else {
      rows.push([prefix || 'value', formatCell(v)]);
    }
  };
  walk(obj, '', 0);
  const w = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

export function shortHash(h: unknown, n = 16): string {
  return typeof h === 'string' && h.length > n ? h.slice(0, n) : formatCell(h);
}

/** Counts items by a key, sorted by key. */
export function countBy<T>(items: T[], key: (it: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items) {
    const k = key(it);
    out[k] = (out[k] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
