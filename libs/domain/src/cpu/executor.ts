// Instruction-mix executor (P2, C5, C6): runs a guest's instruction mix on a host in one virtualization mode and
// counts traps, translations, hypercalls, VM entries / exits, wrong results and cycles against native.
//
//   executeInstructionMix({host, guest, mix, mode?}) -> ExecutionResult     (mode defaults to the host's mode)
//   compareCpuModes({host, guest, mix}) -> Record<ExecutionMode, ExecutionResult | CpuModeRefusal>
//   checkCpuModeSupported(mode, host, guest) -> CpuModeMismatch | null     (predicate, for placement filters)
//   assertCpuModeSupported(mode, host, guest)     throws conflict 'cpu.paravirtualGuest' | 'cpu.hardwareAssist'
//
// A mix is {kernel: {KEY: count}, user?: {KEY: count}, timerInterrupts?: n, vcpuStart?: bool} where KEY is a
// mnemonic of the host arch's catalogue (instructions.ts) or a class name ('privileged' | 'sensitive-unprivileged'
// | 'io' | 'ordinary'). User code (ring 3) may hold ordinary instructions only. Timer interrupts are delivered as
// interrupts.ts says per mode; `vcpuStart` adds the vCPU's VMLAUNCH under VT-x (a steady-state mix, as the
// scheduler's per-tick overhead uses, leaves it out). Type 2 hosts add TYPE2_HOST_SCHEDULING_SHARE of the cycles.
import { conflict, invalid, type HypervisorSpec } from '@virtsim/contracts';
import * as C from './costs.js';
import { INSTRUCTION_CLASSES, lookupInstruction, type CpuArch, type InstructionClass, type Ring, type VmxOperation } from './instructions.js';
import { classBehaviour, EXECUTION_MODES, type ExecutionContext, type ExecutionMode } from './modes.js';
import { timerInterruptBehaviour } from './interrupts.js';
import { hasEpt } from './vtx-exits.js';

export interface CpuHostProfile {
  hostId?: string;
  cpu: { arch?: CpuArch; features?: readonly string[] };
  hypervisor: Pick<HypervisorSpec, 'type' | 'mode'> & { product?: HypervisorSpec['product'] };
}
export interface CpuGuestProfile { vmId?: string; family: 'linux' | 'windows' }
export interface InstructionMix {
  kernel: Record<string, number>;
  user?: Record<string, number>;
  /** timer interrupts delivered while the mix runs (one per time slice: P3) */
  timerInterrupts?: number;
  /** the mix starts the vCPU: under VT-x its first entry is a VMLAUNCH */
  vcpuStart?: boolean;
}

export interface InstructionExecution {
  context: ExecutionContext;
  /** the mix key: a mnemonic or a class name */
  instruction: string;
  class: InstructionClass;
  count: number;
  ring: Ring;
  vmx: VmxOperation | null;
  trapped: boolean;
  handledBy: string;
  traps: number;
  hypercalls: number;
  vmExits: number;
  wrongResults: number;
  translated: boolean;
  cycles: number;
  nativeCycles: number;
}
export interface ClassSummary { count: number; cycles: number; nativeCycles: number; trapped: boolean; rings: Ring[] }
export interface ExecutionTotals {
  instructions: number; traps: number; translations: number; translationCacheMisses: number; hypercalls: number;
  /** VM entries = VMLAUNCH (the vCPU's first entry) + VMRESUME (one after every exit) */
  vmEntries: number; vmLaunches: number; vmResumes: number; vmExits: number; wrongResults: number;
  /** timer interrupts and what delivering them cost (cycles, exits or traps included in the totals) */
  timerInterrupts: number; interruptCycles: number; interruptHandledBy: string | null;
  translationCycles: number; hostOsCycles: number; cycles: number; nativeCycles: number; overheadPercent: number;
}
export interface ExecutionResult {
  mode: ExecutionMode; arch: CpuArch; hypervisorType: 'type1' | 'type2';
  rows: InstructionExecution[];
  byClass: Record<InstructionClass, ClassSummary>;
  totals: ExecutionTotals;
}
export interface CpuModeRefusal { refused: { code: string; rule?: string; message: string } }

const name = (id: string | undefined, what: string) => (id ? `${what} ${id}` : `the ${what}`);
export const hasHardwareAssist = (features: readonly string[] = []) => features.some((f) => /^(vmx|svm)$/i.test(f));

export interface CpuModeMismatch { rule: 'cpu.paravirtualGuest' | 'cpu.hardwareAssist'; message: string }

/** Predicate form (placement filters): why this guest cannot run in this mode on this host, or null. */
export function checkCpuModeSupported(mode: ExecutionMode, host: CpuHostProfile, guest: CpuGuestProfile): CpuModeMismatch | null {
  if (mode === 'paravirtual' && guest.family === 'windows') {
    return { rule: 'cpu.paravirtualGuest', message: `${name(guest.vmId, 'VM')} runs Windows, whose kernel cannot be modified for paravirtualization on ${name(host.hostId, 'host')}` };
  }
  if (mode === 'hardware-assisted' && !hasHardwareAssist(host.cpu.features)) {
    return { rule: 'cpu.hardwareAssist', message: `${name(host.hostId, 'host')} has no vmx or svm CPU feature, so hardware-assisted virtualization is impossible` };
  }
  return null;
}

export function assertCpuModeSupported(mode: ExecutionMode, host: CpuHostProfile, guest: CpuGuestProfile): void {
  const mismatch = checkCpuModeSupported(mode, host, guest);
  if (mismatch) throw conflict(mismatch.rule, mismatch.message, { vmId: guest.vmId, hostId: host.hostId, guestFamily: guest.family, mode });
}

function classify(arch: CpuArch, context: ExecutionContext, key: string, count: number): { cls: InstructionClass; key: string } {
  if (!Number.isSafeInteger(count) || count < 0) throw invalid(`instruction count for ${key} must be a non-negative integer`, [{ path: `mix.${context}.${key}`, message: 'non-negative integer' }]);
  const cls = (INSTRUCTION_CLASSES as readonly string[]).includes(key) ? (key as InstructionClass) : lookupInstruction(arch, key)?.class;
  if (!cls) throw invalid(`${key} is not an instruction of the ${arch} catalogue`, [{ path: `mix.${context}.${key}`, message: 'unknown instruction' }]);
  if (arch === 'powerpc' && cls === 'sensitive-unprivileged') throw invalid('PowerPC has no sensitive-unprivileged instructions', [{ path: `mix.${context}.${key}`, message: 'not on powerpc' }]);
  if (context === 'user' && cls !== 'ordinary') throw invalid(`a ring-3 program cannot execute ${key} (${cls})`, [{ path: `mix.user.${key}`, message: 'user code holds ordinary instructions only' }]);
  return { cls, key };
}

function runRows(mode: ExecutionMode, arch: CpuArch, vtx: { product: HypervisorSpec['product']; ept: boolean }, mix: InstructionMix): InstructionExecution[] {
  const rows: InstructionExecution[] = [];
  for (const context of ['kernel', 'user'] as const) {
    const section = mix[context] ?? {};
    for (const key of Object.keys(section).sort()) {
      const count = section[key]!;
      const { cls } = classify(arch, context, key, count);
      const mnemonic = (INSTRUCTION_CLASSES as readonly string[]).includes(key) ? undefined : key;
      const b = classBehaviour(mode, cls, context, { ...vtx, mnemonic });
      rows.push({
        context, instruction: key, class: cls, count, ring: b.ring, vmx: b.vmx, trapped: b.trapped, handledBy: b.handledBy,
        traps: b.traps * count, hypercalls: b.hypercalls * count, vmExits: Math.round(b.vmExits * count),
        wrongResults: b.wrongResult ? count : 0, translated: b.translated,
        cycles: Math.round(b.cyclesEach * count), nativeCycles: C.NATIVE_CYCLES[cls] * count,
      });
    }
  }
  return rows;
}

function summarize(rows: readonly InstructionExecution[]): Record<InstructionClass, ClassSummary> {
  const out = Object.fromEntries(INSTRUCTION_CLASSES.map((c) => [c, { count: 0, cycles: 0, nativeCycles: 0, trapped: false, rings: [] as Ring[] }])) as Record<InstructionClass, ClassSummary>;
  for (const r of rows) {
    const s = out[r.class];
    s.count += r.count; s.cycles += r.cycles; s.nativeCycles += r.nativeCycles; s.trapped ||= r.trapped && r.count > 0;
    if (!s.rings.includes(r.ring)) s.rings = [...s.rings, r.ring].sort();
  }
  return out;
}

function interruptsOf(mix: InstructionMix): number {
  const n = mix.timerInterrupts ?? 0;
  if (!Number.isSafeInteger(n) || n < 0) throw invalid('timerInterrupts must be a non-negative integer', [{ path: 'mix.timerInterrupts', message: 'non-negative integer' }]);
  return n;
}

/** Binary translation cost: a TC miss translates one translation unit (<= BT_BLOCK_INSTRUCTIONS). */
export function translationCost(kernelInstructions: number): { misses: number; translations: number; cycles: number } {
  const misses = kernelInstructions > 0 ? Math.ceil(kernelInstructions * C.BT_CACHE_MISS_RATE) : 0;
  const translations = Math.min(kernelInstructions, misses * C.BT_BLOCK_INSTRUCTIONS);
  return { misses, translations, cycles: misses * C.BT_CACHE_MISS_CYCLES + translations * C.BT_TRANSLATE_CYCLES_PER_INSTRUCTION };
}

export function executeInstructionMix(input: { host: CpuHostProfile; guest: CpuGuestProfile; mix: InstructionMix; mode?: ExecutionMode }): ExecutionResult {
  const { host, guest, mix } = input;
  const mode = input.mode ?? host.hypervisor.mode;
  const arch = host.cpu.arch ?? 'x86';
  assertCpuModeSupported(mode, host, guest);
  const rows = runRows(mode, arch, { product: host.hypervisor.product ?? 'kvm', ept: hasEpt(host.cpu.features) }, mix);
  const sum = (f: (r: InstructionExecution) => number) => rows.reduce((a, r) => a + f(r), 0);
  const bt = mode === 'full' ? translationCost(sum((r) => (r.context === 'kernel' ? r.count : 0))) : { misses: 0, translations: 0, cycles: 0 };
  const ticks = interruptsOf(mix);
  const irq = timerInterruptBehaviour(mode, host.hypervisor.product ?? 'kvm');
  const interruptCycles = ticks * irq.cycles;
  const launches = mode === 'hardware-assisted' && mix.vcpuStart === true ? 1 : 0;
  const guestCycles = sum((r) => r.cycles) + bt.cycles + interruptCycles + launches * C.VM_LAUNCH_CYCLES;
  const hostOsCycles = mode !== 'native' && host.hypervisor.type === 'type2' ? Math.round(guestCycles * C.TYPE2_HOST_SCHEDULING_SHARE) : 0;
  const cycles = guestCycles + hostOsCycles;
  const nativeCycles = sum((r) => r.nativeCycles) + ticks * C.INTERRUPT_HANDLER_CYCLES;
  const vmExits = sum((r) => r.vmExits) + ticks * irq.vmExits;
  return {
    mode, arch, hypervisorType: host.hypervisor.type, rows, byClass: summarize(rows),
    totals: {
      instructions: sum((r) => r.count), traps: sum((r) => r.traps) + ticks * irq.traps, translations: bt.translations,
      translationCacheMisses: bt.misses, hypercalls: sum((r) => r.hypercalls),
      vmEntries: launches + vmExits, vmLaunches: launches, vmResumes: vmExits, vmExits,
      timerInterrupts: ticks, interruptCycles, interruptHandledBy: ticks > 0 ? irq.handledBy : null,
      wrongResults: sum((r) => r.wrongResults), translationCycles: bt.cycles, hostOsCycles, cycles, nativeCycles,
      overheadPercent: nativeCycles > 0 ? Math.round(((cycles - nativeCycles) / nativeCycles) * 10_000) / 100 : 0,
    },
  };
}

/** Every mode on the same mix, for teaching (P2): refusals are reported in place instead of thrown. */
export function compareCpuModes(input: { host: CpuHostProfile; guest: CpuGuestProfile; mix: InstructionMix }): Record<ExecutionMode, ExecutionResult | CpuModeRefusal> {
  const out = {} as Record<ExecutionMode, ExecutionResult | CpuModeRefusal>;
  for (const mode of EXECUTION_MODES) {
    try {
      out[mode] = executeInstructionMix({ ...input, mode });
    } catch (e) {
      const err = e as { code?: string; message: string; details?: { rule?: string } };
      if (err.code !== 'conflict') throw e;
      out[mode] = { refused: { code: err.code, rule: err.details?.rule, message: err.message } };
    }
  }
  return out;
}
