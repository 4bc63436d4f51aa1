// Seeded PRNG (mulberry32): the only source of randomness in the simulation.
// imul bound once: a global lookup per call is slow inside jest's VM sandbox.
const { imul } = Math;
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable 32-bit hash of a string (FNV-1a), to derive per-VM seeds from ids. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Deterministic noise in [0,1) for (seed, step): same inputs, same value, no state. */
export const noise = (seed: number, step: number): number => prng((seed ^ imul(step + 1, 0x9e3779b1)) >>> 0)();
