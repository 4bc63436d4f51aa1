// What the API shows of a translation (GET and POST /vms/:id/memory/translate): the walk with every address in
// hex. A list of walks travels between services packed as small integers (packTranslations) and is shown by the
// side that answers HTTP (unpackTranslations): a full walk's view is about 3.5 KB of JSON, its numbers a third of
// that with no strings to escape, and carrying the views as text cost more than making them.
import { hex, type Translation, type WalkKind } from './translate.js';

export interface TranslationStepView {
  step: number;
  kind: WalkKind;
  level: number;
  tableAddress: string;
  index: number;
  entry: string;
  /** the address read: table + 8 x index */
  address: string;
  /** a guest table sits in guest-physical memory, EPT / shadow tables in host memory */
  space: 'gpa' | 'hpa';
}

export interface TranslationView {
  vmId: string;
  hostId: string;
  mode: Translation['mode'];
  gva: string;
  gpa: string;
  hpa: string | null;
  guestPageKiB: number;
  hostPageKiB: number;
  tlb: Translation['tlb'];
  memoryReferences: number;
  nativeReferences: number;
  fault: Translation['fault'];
  steps: TranslationStepView[];
  tlbEntries: number;
}

/** The facts of a walk a view shows besides its steps. */
type WalkFacts = Omit<Translation, 'reads' | 'tlbState'>;

/** The one place a view is laid out (field order included), for a walk and for an unpacked one alike. */
function walkView(t: WalkFacts, steps: TranslationStepView[], tlbEntries: number): TranslationView {
  return {
    vmId: t.vmId, hostId: t.hostId, mode: t.mode,
    gva: hex(t.gva), gpa: hex(t.gpa), hpa: t.hpa === null ? null : hex(t.hpa),
    guestPageKiB: t.guestPageKiB, hostPageKiB: t.hostPageKiB,
    tlb: t.tlb, memoryReferences: t.memoryReferences, nativeReferences: t.nativeReferences, fault: t.fault,
    steps, tlbEntries,
  };
}

function stepView(step: number, kind: WalkKind, level: number, tableAddress: number, index: number, entry: number): TranslationStepView {
  return {
    step, kind, level, tableAddress: hex(tableAddress), index, entry: hex(entry),
    address: hex(tableAddress + 8 * index), space: kind === 'guest' ? 'gpa' : 'hpa',
  };
}

/** The walk with every address in hex (GVA, GPA, HPA, table addresses and entries). */
export function translationView(t: Translation): TranslationView {
  return walkView(t, t.reads.map((r, i) => stepView(i + 1, r.kind, r.level, r.tableAddress, r.index, r.entry)), t.tlbState.entries.length);
}

/** Walks of one VM on one host (translateAll's) as small integers. An address goes as two numbers, its bits
 *  above and below bit 24, both small integers to V8 (an address above 2^31 is a double, which JSON writes and
 *  reads several times slower). Per walk: gva, gpa, hpa (hi -1: none), TLB hit (1) or miss (0), fault (1: not
 *  resident), TLB entries after it, then per table read: kind (KINDS index), level, table address, index, entry. */
export interface PackedTranslations {
  vmId: string;
  hostId: string;
  mode: Translation['mode'];
  guestPageKiB: number;
  hostPageKiB: number;
  nativeReferences: number;
  walks: number[][];
}

const KINDS: readonly WalkKind[] = ['guest', 'ept', 'shadow'];
const SPLIT = 2 ** 24;
const HEAD = 9;
const READ = 7;

export function packTranslations(walks: readonly Translation[]): PackedTranslations {
  const first = walks[0];
  if (!first) throw new Error('packTranslations: no walks');
  for (const t of walks) {
    if (t.vmId !== first.vmId || t.hostId !== first.hostId || t.mode !== first.mode || t.guestPageKiB !== first.guestPageKiB || t.hostPageKiB !== first.hostPageKiB) {
      throw new Error('packTranslations: walks of one VM on one host only');
    }
  }
  return {
    vmId: first.vmId, hostId: first.hostId, mode: first.mode, guestPageKiB: first.guestPageKiB, hostPageKiB: first.hostPageKiB,
    nativeReferences: first.nativeReferences, walks: walks.map(packWalk),
  };
}

/** an address (a non-negative integer below 2^48) as its two halves */
function pushAddress(out: number[], n: number): void {
  const hi = Math.floor(n / SPLIT);
  out.push(hi, n - hi * SPLIT);
}

function packWalk(t: Translation): number[] {
  const out: number[] = [];
  pushAddress(out, t.gva);
  pushAddress(out, t.gpa);
  if (t.hpa === null) out.push(-1, 0);
  else pushAddress(out, t.hpa);
  out.push(t.tlb === 'hit' ? 1 : 0, t.fault ? 1 : 0, t.tlbState.entries.length);
  for (const r of t.reads) {
    out.push(KINDS.indexOf(r.kind), r.level);
    pushAddress(out, r.tableAddress);
    out.push(r.index);
    pushAddress(out, r.entry);
  }
  return out;
}

/** The views of packed walks: each exactly translationView of the walk it was packed from. */
export function unpackTranslations(p: PackedTranslations): TranslationView[] {
  return p.walks.map((w) => {
    const steps: TranslationStepView[] = [];
    for (let at = HEAD; at < w.length; at += READ) {
      steps.push(stepView(steps.length + 1, KINDS[w[at]!]!, w[at + 1]!, w[at + 2]! * SPLIT + w[at + 3]!, w[at + 4]!, w[at + 5]! * SPLIT + w[at + 6]!));
    }
    return walkView({
      vmId: p.vmId, hostId: p.hostId, gva: w[0]! * SPLIT + w[1]!, gpa: w[2]! * SPLIT + w[3]!, hpa: w[4]! < 0 ? null : w[4]! * SPLIT + w[5]!,
      mode: p.mode, guestPageKiB: p.guestPageKiB, hostPageKiB: p.hostPageKiB, tlb: w[6] === 1 ? 'hit' : 'miss', memoryReferences: steps.length,
      nativeReferences: p.nativeReferences, fault: w[7] === 1 ? 'not-resident' : null,
    }, steps, w[8]!);
  });
}
