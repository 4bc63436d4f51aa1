// Number and unit formatting shared by the pages.
export const pct = (x: number | null | undefined, digits = 0) => (x === null || x === undefined || Number.isNaN(x) ? '—' : `${x.toFixed(digits)} %`);
export const mib = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x >= 10240 ? `${(x / 1024).toFixed(1)} GiB` : `${Math.round(x)} MiB`);
export const num = (x: number | null | undefined, digits = 0) => (x === null || x === undefined ? '—' : x.toFixed(digits));
export const ratio = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(2)}:1`);
export const simTime = (s: number | null | undefined) => {
  if (s === null || s === undefined) return '—';
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.round(s % 60);
  return `${h}h ${String(m).padStart(2, '0')}m ${String(sec).padStart(2, '0')}s`;
};
