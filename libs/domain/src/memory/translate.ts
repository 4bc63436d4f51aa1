// Address translation (M1, M2): GVA -> GPA through the guest's 4-level x86-64 page tables, GPA -> HPA through
// the host's EPT / NPT (hardware 2-D walk) or, on full / paravirtual hosts and CPUs without ept / npt, through
// VMM-kept shadow tables that map GVA -> HPA directly.
//   translate(vm, host, gva, tlb?) -> every table read {level, tableAddress, index, entry, kind}, GPA, HPA,
//   memory references of the walk and TLB hit/miss, plus the next TLB state (pure: pass it back in).
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

/** 9-bit index of a level (4 = PML4 ... 1 = PT) and the shift of the address bits it covers. */
const shiftOf = (level: number): number => 12 + 9 * (level - 1);
const indexOf = (addr: number, level: number): number => Math.floor(addr / 2 ** shiftOf(level)) % 512;
const prefixOf = (addr: number, level: number): number => Math.floor(addr / 2 ** shiftOf(level + 1));
const frameAddr = (seed: number, salt: string, frames: number): number => ((hash32(salt) ^ seed) >>> 0) % frames * PAGE_4K;

export function translate(vm: MemVm, host: MemHost, gva: number, tlbState: TlbState = emptyTlb()): Translation {
  if (!Number.isInteger(gva) || gva < 0 || gva >= GVA_LIMIT) throw invalid(`GVA ${gva} is not a canonical lower-half 48-bit address`, [{ path: 'gva', message: 'out of range' }]);
  if (vm.hostId !== host.hostId) throw conflict('memory.notOnHost', `VM ${vm.vmId} does not run on host ${host.hostId}`, { vmId: vm.vmId, hostId: host.hostId });
  const g = vm.wantsHugePages ? 3 : 4;
  const h = vm.hugeBacked ? 3 : 4;
  const guestPage = g === 3 ? PAGE_2M : PAGE_4K;
  const seed = hash32(vm.vmId);
  const gpa = guestData(vm, seed, gva, guestPage);
  const hpaOf = (a: number) => gpaToHpa(host.layout, vm.extents, vm.hugeBacked, a);
  const tlbPage = Math.min(guestPage, h === 3 ? PAGE_2M : PAGE_4K);
  const key = `${vm.vmId}:${Math.floor(gva / tlbPage)}`;
  const hit = tlbState.entries.includes(key);
  const base = {
    vmId: vm.vmId, hostId: host.hostId, gva, gpa, mode: host.translation, guestPageKiB: guestPage / KIB,
    hostPageKiB: (h === 3 ? PAGE_2M : PAGE_4K) / KIB, nativeReferences: g, tlbState: touchTlb(tlbState, key),
  };
  if (hit) return { ...base, hpa: hpaOf(gpa), tlb: 'hit', reads: [], memoryReferences: 0, fault: null };
  const walk = host.translation === 'shadow' ? shadowWalk(vm, host, gva, g, h, hpaOf(gpa)) : twoDimensionalWalk(vm, host, seed, gva, g, h);
  return { ...base, hpa: walk.fault ? null : hpaOf(gpa), tlb: 'miss', reads: walk.reads, memoryReferences: walk.reads.length, fault: walk.fault };
}

function touchTlb(t: TlbState, key: string): TlbState {
  const entries = t.entries.filter((e) => e !== key);
  entries.push(key);
  return { capacity: t.capacity, entries: entries.slice(Math.max(0, entries.length - t.capacity)) };
}

/** GPA of the guest page a GVA maps to: a seeded frame inside the VM's GPA space [0, memory). */
function guestData(vm: MemVm, seed: number, gva: number, page: number): number {
  const frames = Math.max(1, Math.floor((vm.memoryMiB * KIB * KIB) / page));
  return (((hash32(`data:${Math.floor(gva / page)}`) ^ seed) >>> 0) % frames) * page + (gva % page);
}

/** GPA of the guest table read at `level` for this GVA (CR3 for level 4). */
function guestTable(vm: MemVm, seed: number, gva: number, level: number): number {
  return frameAddr(seed, `pt${level}:${prefixOf(gva, level)}`, Math.max(1, vm.memoryMiB * 256));
}

/** Host tables (EPT or shadow) sit in the hypervisor's memory, below the VMs' chunks. */
function hostTable(host: MemHost, vm: MemVm, kind: string, level: number, prefix: number): number {
  return frameAddr(hash32(host.hostId), `${kind}:${vm.vmId}:${level}:${prefix}`, Math.max(1, host.layout.hvChunks * 512));
}

function eptWalk(vm: MemVm, host: MemHost, gpa: number, h: number, reads: TableRead[]): number | null {
  const leaf = gpaToHpa(host.layout, vm.extents, vm.hugeBacked, gpa);
  for (let level = 4; level > 4 - h; level--) {
    const last = level === 5 - h;
    const next = last ? leaf : hostTable(host, vm, 'ept', level - 1, prefixOf(gpa, level - 1));
    const entry = next === null ? 0 : pageBase(next, last && h === 3) + PRESENT_RW_USER + (last && h === 3 ? PS : 0);
    reads.push({ level, tableAddress: hostTable(host, vm, 'ept', level, prefixOf(gpa, level)), index: indexOf(gpa, level), entry, kind: 'ept' });
  }
  return leaf;
}

const pageBase = (addr: number, huge: boolean): number => addr - (addr % (huge ? PAGE_2M : PAGE_4K));

function twoDimensionalWalk(vm: MemVm, host: MemHost, seed: number, gva: number, g: number, h: number): { reads: TableRead[]; fault: 'not-resident' | null } {
  const reads: TableRead[] = [];
  for (let level = 4; level > 4 - g; level--) {
    const table = guestTable(vm, seed, gva, level);
    if (eptWalk(vm, host, table, h, reads) === null) return { reads, fault: 'not-resident' };
    const last = level === 5 - g;
    const next = last ? guestData(vm, seed, gva, g === 3 ? PAGE_2M : PAGE_4K) : guestTable(vm, seed, gva, level - 1);
    reads.push({ level, tableAddress: table, index: indexOf(gva, level), entry: pageBase(next, last && g === 3) + PRESENT_RW_USER + (last && g === 3 ? PS : 0), kind: 'guest' });
  }
  const data = guestData(vm, seed, gva, g === 3 ? PAGE_2M : PAGE_4K);
  return { reads, fault: eptWalk(vm, host, data, h, reads) === null ? 'not-resident' : null };
}

/** Shadow tables map GVA -> HPA; they use 2 MiB leaves only when guest and host pages are both 2 MiB. */
function shadowWalk(vm: MemVm, host: MemHost, gva: number, g: number, h: number, hpa: number | null): { reads: TableRead[]; fault: 'not-resident' | null } {
  const levels = g === 3 && h === 3 ? 3 : 4;
  const reads: TableRead[] = [];
  for (let level = 4; level > 4 - levels; level--) {
    const last = level === 5 - levels;
    const next = last ? hpa : hostTable(host, vm, 'shadow', level - 1, prefixOf(gva, level - 1));
    const entry = next === null ? 0 : pageBase(next, last && levels === 3) + PRESENT_RW_USER + (last && levels === 3 ? PS : 0);
    reads.push({ level, tableAddress: hostTable(host, vm, 'shadow', level, prefixOf(gva, level)), index: indexOf(gva, level), entry, kind: 'shadow' });
  }
  return { reads, fault: hpa === null ? 'not-resident' : null };
}

export const hex = (n: number): string => `0x${n.toString(16)}`;
