// What the API shows of a translation (GET and POST /vms/:id/memory/translate): the walk with every address in
// hex. A list of walks travels between services packed as plain numbers (packTranslations) and is shown by the
// side that answers HTTP (unpackTranslations): a full walk's view is about 3.5 KB of JSON, its numbers a quarter
// of that with no strings to escape, and carrying the views as text cost more than making them.
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

/** Walks of one VM on one host (translateAll's) as plain numbers. Per walk: gva, gpa, hpa (-1: none), TLB hit
 *  (1) or miss (0), fault (1: not resident), TLB entries after it, then per table read: kind (KINDS index),
 *  level, table address, index, entry. */
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
const HEAD = 6;
const READ = 5;

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

function packWalk(t: Translation): number[] {
  const out = [t.gva, t.gpa, t.hpa ?? -1, t.tlb === 'hit' ? 1 : 0, t.fault ? 1 : 0, t.tlbState.entries.length];
  for (const r of t.reads) out.push(KINDS.indexOf(r.kind), r.level, r.tableAddress, r.index, r.entry);
  return out;
}

/** The views of packed walks: each exactly translationView of the walk it was packed from. */
export function unpackTranslations(p: PackedTranslations): TranslationView[] {
  return p.walks.map((w) => {
    const steps: TranslationStepView[] = [];
    for (let at = HEAD; at < w.length; at += READ) steps.push(stepView(steps.length + 1, KINDS[w[at]!]!, w[at + 1]!, w[at + 2]!, w[at + 3]!, w[at + 4]!));
    return walkView({
      vmId: p.vmId, hostId: p.hostId, gva: w[0]!, gpa: w[1]!, hpa: w[2]! < 0 ? null : w[2]!, mode: p.mode, guestPageKiB: p.guestPageKiB,
      hostPageKiB: p.hostPageKiB, tlb: w[3] === 1 ? 'hit' : 'miss', memoryReferences: steps.length, nativeReferences: p.nativeReferences,
      fault: w[4] === 1 ? 'not-resident' : null,
    }, steps, w[5]!);
  });
}
