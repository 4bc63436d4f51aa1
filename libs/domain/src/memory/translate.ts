// Address translation (M1, M2): GVA -> GPA through the guest's 4-level x86-64 page tables, GPA -> HPA through
// the host's EPT / NPT (hardware 2-D walk) or, on full / paravirtual hosts and CPUs without ept / npt, through
// VMM-kept shadow tables that map GVA -> HPA directly.
//   translate(vm, host, gva, tlb?) -> every table read {level, tableAddress, index, entry, kind}, GPA, HPA,
//   memory references of the walk and TLB hit/miss, plus the next TLB state (pure: pass it back in);
//   translateAll(vm, host, gvas, tlb?) the same for a list, in order, the TLB carried from one to the next.
// References on a TLB miss: native g (4; 3 with 2 MiB pages); 2-D walk (g + 1) x (h + 1) - 1 (4 x 4 -> 24), each
// guest-table GPA is itself translated through the h-level EPT; shadow g. Guest tables use 2 MiB pages when
// the VM asks for huge pages; EPT uses 2 MiB pages when the host backs the VM from its huge-page pool.
// Guest tables are deterministic from the VM id (hash of id and GVA prefix); EPT / shadow tables live in the
// hypervisor's part of host memory. A GPA the host does not back (overcommit) ends the walk with a fault.
import { conflict, invalid } from '@virtsim/contracts';
import { hash32 } from '../shared/prng.js';
import { gpaToHpa } from './hpa.js';
import type { MemHost, MemVm } from './state.js';

export type WalkKind = 'guest' | 'ept' | 'shadow';
export interface TableRead { level: number; tableAddress: number; index: number; entry: number; kind: WalkKind }
/** Small fully-associative LRU TLB of recently translated pages, most recent last. */
export interface TlbState { capacity: number; entries: string[] }

export interface Translation {
  vmId: string;
  hostId: string;
  gva: number;
  gpa: number;
  hpa: number | null;
  mode: MemHost['translation'];
  guestPageKiB: number;
  hostPageKiB: number;
  tlb: 'hit' | 'miss';
  reads: TableRead[];
  memoryReferences: number;
  nativeReferences: number;
  fault: 'not-resident' | null;
  tlbState: TlbState;
}

const KIB = 1024;
const PAGE_4K = 4 * KIB;
const PAGE_2M = 2 * KIB * KIB;
const GVA_LIMIT = 2 ** 47;
const PRESENT_RW_USER = 0x7;
const PS = 0x80;
export const DEFAULT_TLB_ENTRIES = 64;

export const emptyTlb = (capacity = DEFAULT_TLB_ENTRIES): TlbState => ({ capacity, entries: [] });

/** 9-bit index of a level (4 = PML4 ... 1 = PT) and the span of addresses one entry of the level covers
 *  (2 ** (12 + 9 x (level - 1)); SPAN[5] is what a whole PML4 covers). */
const SPAN = [0, 2 ** 12, 2 ** 21, 2 ** 30, 2 ** 39, 2 ** 48];
const indexOf = (addr: number, level: number): number => Math.floor(addr / SPAN[level]!) % 512;
const prefixOf = (addr: number, level: number): number => Math.floor(addr / SPAN[level + 1]!);

/** hash32 of `prefix + text` from hash32(prefix) (FNV-1a runs left to right): a walk hashes one salt prefix per
 *  table kind once instead of rebuilding and rehashing it for each of its up to 35 table addresses. */
function hashOn(prefixHash: number, text: string): number {
  let h = prefixHash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const PT = hash32('pt');
const DATA = hash32('data:');

/** What one translation's tables derive from: the seeds, frame counts and hashed salt prefixes. */
interface Walker {
  vm: MemVm;
  host: MemHost;
  /** hash of the VM id: seeds guest tables and data frames */
  seed: number;
  guestFrames: number;
  /** hash of the host id: seeds EPT and shadow tables, in the hypervisor's frames */
  hostSeed: number;
  hostFrames: number;
  /** hash32 of `ept:<vmId>:` / `shadow:<vmId>:` */
  ept: number;
  shadow: number;
}

function walker(vm: MemVm, host: MemHost): Walker {
  return {
    vm, host, seed: hash32(vm.vmId), guestFrames: Math.max(1, vm.memoryMiB * 256), hostSeed: hash32(host.hostId),
    hostFrames: Math.max(1, host.layout.hvChunks * 512), ept: hash32(`ept:${vm.vmId}:`), shadow: hash32(`shadow:${vm.vmId}:`),
  };
}

const frameOf = (saltHash: number, seed: number, frames: number): number => ((saltHash ^ seed) >>> 0) % frames * PAGE_4K;

export function translate(vm: MemVm, host: MemHost, gva: number, tlbState: TlbState = emptyTlb()): Translation {
  if (!Number.isInteger(gva) || gva < 0 || gva >= GVA_LIMIT) throw invalid(`GVA ${gva} is not a canonical lower-half 48-bit address`, [{ path: 'gva', message: 'out of range' }]);
  if (vm.hostId !== host.hostId) throw conflict('memory.notOnHost', `VM ${vm.vmId} does not run on host ${host.hostId}`, { vmId: vm.vmId, hostId: host.hostId });
  const w = walker(vm, host);
  const g = vm.wantsHugePages ? 3 : 4;
  const h = vm.hugeBacked ? 3 : 4;
  const guestPage = g === 3 ? PAGE_2M : PAGE_4K;
  const gpa = guestData(w, gva, guestPage);
  const hpa = gpaToHpa(host.layout, vm.extents, vm.hugeBacked, gpa);
  const tlbPage = Math.min(guestPage, h === 3 ? PAGE_2M : PAGE_4K);
  const key = `${vm.vmId}:${Math.floor(gva / tlbPage)}`;
  const at = tlbState.entries.indexOf(key);
  const walk = at >= 0 ? null : host.translation === 'shadow' ? shadowWalk(w, gva, g, h, hpa) : twoDimensionalWalk(w, gva, g, h, gpa);
  // one literal, not a spread of shared fields: a sweep builds thousands of these
  return {
    vmId: vm.vmId, hostId: host.hostId, gva, gpa, mode: host.translation, guestPageKiB: guestPage / KIB,
    hostPageKiB: (h === 3 ? PAGE_2M : PAGE_4K) / KIB, nativeReferences: g, tlbState: touchTlb(tlbState, key, at),
    hpa: walk?.fault ? null : hpa, tlb: walk ? 'miss' : 'hit', reads: walk?.reads ?? [], memoryReferences: walk?.reads.length ?? 0, fault: walk?.fault ?? null,
  };
}

/** Addresses translated in order, each against the TLB the one before left (a sweep of a range, a list of
 *  pointers): the same walks as calling translate one address at a time. The last walk holds the final TLB. */
export function translateAll(vm: MemVm, host: MemHost, gvas: readonly number[], tlbState: TlbState = emptyTlb()): Translation[] {
  const walks: Translation[] = [];
  let tlb = tlbState;
  for (const gva of gvas) {
    const t = translate(vm, host, gva, tlb);
    walks.push(t);
    tlb = t.tlbState;
  }
  return walks;
}

/** The TLB with `key` as its most recent entry (`at`: where the key is now, -1 when absent), oldest dropped. */
function touchTlb(t: TlbState, key: string, at: number): TlbState {
  const entries = at >= 0 ? t.entries.filter((e) => e !== key) : t.entries.slice();
  entries.push(key);
  return { capacity: t.capacity, entries: entries.length > t.capacity ? entries.slice(entries.length - t.capacity) : entries };
}

/** GPA of the guest page a GVA maps to: a seeded frame inside the VM's GPA space [0, memory). */
function guestData(w: Walker, gva: number, page: number): number {
  const frames = Math.max(1, Math.floor((w.vm.memoryMiB * KIB * KIB) / page));
  return (((hashOn(DATA, `${Math.floor(gva / page)}`) ^ w.seed) >>> 0) % frames) * page + (gva % page);
}

/** GPA of the guest table read at `level` for this GVA (CR3 for level 4): hash of `pt<level>:<prefix>`. */
const guestTable = (w: Walker, gva: number, level: number): number => frameOf(hashOn(PT, `${level}:${prefixOf(gva, level)}`), w.seed, w.guestFrames);

/** Host tables (EPT or shadow) sit in the hypervisor's memory, below the VMs' chunks: hash of `<kind>:<vmId>:<level>:<prefix>`. */
const hostTable = (w: Walker, kind: number, level: number, addr: number): number =>
  frameOf(hashOn(kind, `${level}:${prefixOf(addr, level)}`), w.hostSeed, w.hostFrames);

const entryOf = (next: number | null, hugeLeaf: boolean): number => (next === null ? 0 : pageBase(next, hugeLeaf) + PRESENT_RW_USER + (hugeLeaf ? PS : 0));

/** The h-level EPT walk of one GPA; each level's table is the entry of the level above, so it is derived once. */
function eptWalk(w: Walker, gpa: number, h: number, reads: TableRead[]): number | null {
  const leaf = gpaToHpa(w.host.layout, w.vm.extents, w.vm.hugeBacked, gpa);
  let table = hostTable(w, w.ept, 4, gpa);
  for (let level = 4; level > 4 - h; level--) {
    const last = level === 5 - h;
    const next = last ? leaf : hostTable(w, w.ept, level - 1, gpa);
    reads.push({ level, tableAddress: table, index: indexOf(gpa, level), entry: entryOf(next, last && h === 3), kind: 'ept' });
    if (next !== null) table = next;
  }
  return leaf;
}

const pageBase = (addr: number, huge: boolean): number => addr - (addr % (huge ? PAGE_2M : PAGE_4K));

/** `data` is the GPA of the guest page (the last guest entry points at it) */
function twoDimensionalWalk(w: Walker, gva: number, g: number, h: number, data: number): { reads: TableRead[]; fault: 'not-resident' | null } {
  const reads: TableRead[] = [];
  let table = guestTable(w, gva, 4);
  for (let level = 4; level > 4 - g; level--) {
    if (eptWalk(w, table, h, reads) === null) return { reads, fault: 'not-resident' };
    const last = level === 5 - g;
    const next = last ? data : guestTable(w, gva, level - 1);
    reads.push({ level, tableAddress: table, index: indexOf(gva, level), entry: entryOf(next, last && g === 3), kind: 'guest' });
    table = next;
  }
  return { reads, fault: eptWalk(w, data, h, reads) === null ? 'not-resident' : null };
}

/** Shadow tables map GVA -> HPA; they use 2 MiB leaves only when guest and host pages are both 2 MiB. */
function shadowWalk(w: Walker, gva: number, g: number, h: number, hpa: number | null): { reads: TableRead[]; fault: 'not-resident' | null } {
  const levels = g === 3 && h === 3 ? 3 : 4;
  const reads: TableRead[] = [];
  let table = hostTable(w, w.shadow, 4, gva);
  for (let level = 4; level > 4 - levels; level--) {
    const last = level === 5 - levels;
    const next = last ? hpa : hostTable(w, w.shadow, level - 1, gva);
    reads.push({ level, tableAddress: table, index: indexOf(gva, level), entry: entryOf(next, last && levels === 3), kind: 'shadow' });
    if (next !== null) table = next;
  }
  return { reads, fault: hpa === null ? 'not-resident' : null };
}

const HEX_SPLIT = 2 ** 24;

/** 0x and lower-case hex digits, as n.toString(16). Addresses above 2^31 are not small integers to V8, whose
 *  radix conversion of them is about three times slower than of two 24-bit halves (a walk prints ~75). */
export function hex(n: number): string {
  if (n < HEX_SPLIT || !Number.isInteger(n) || n >= 2 ** 53) return `0x${n.toString(16)}`;
  const low = n % HEX_SPLIT;
  return `0x${((n - low) / HEX_SPLIT).toString(16)}${low.toString(16).padStart(6, '0')}`;
}
