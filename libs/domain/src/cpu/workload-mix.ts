// Default instruction mix of a workload, so a VM's CPU-virtualization overhead derives from its own workload.
//
//   defaultInstructionMix({cpuDemandMhz, iops}, guestFamily, arch?, seconds = 1) -> InstructionMix (per class)
//   vmCpuOverhead({host, guest, workload}) -> {mode, overheadPercent, overheadMhz, totals}   (GET /vms/:id)
//
// Model assumptions (no single source; chosen so CPU-bound guests see a few % overhead under hardware assist,
// in line with the single-digit overheads reported for VT-x/EPT guests):
// - IPC 1: demand MHz x 1e6 instructions per second.
// - Share of instructions executed by the guest kernel: Linux 15 %, Windows 20 %.
// - Per million instructions: privileged Linux 20 / Windows 30, sensitive-unprivileged Linux 20 / Windows 50
//   (Windows kernels use more PUSHF/POPF and segment loads). On PowerPC the sensitive operations are privileged
//   instructions, so they are counted as privileged.
// - Each disk/network request costs IO_INSTRUCTIONS_PER_REQUEST device-register accesses (emulated controller).
import type { CpuArch } from './instructions.js';
import { executeInstructionMix, type CpuGuestProfile, type CpuHostProfile, type ExecutionTotals, type InstructionMix } from './executor.js';
import type { ExecutionMode } from './modes.js';

export const IO_INSTRUCTIONS_PER_REQUEST = 8;
const GUEST_MIX: Readonly<Record<'linux' | 'windows', { kernelShare: number; privilegedPerM: number; sensitivePerM: number }>> = {
  linux: { kernelShare: 0.15, privilegedPerM: 20, sensitivePerM: 20 },
  windows: { kernelShare: 0.2, privilegedPerM: 30, sensitivePerM: 50 },
};

export function defaultInstructionMix(
  workload: { cpuDemandMhz: number; iops?: number }, family: 'linux' | 'windows', arch: CpuArch = 'x86', seconds = 1,
): InstructionMix {
  const g = GUEST_MIX[family];
  const total = Math.round(Math.max(0, workload.cpuDemandMhz) * 1e6 * seconds);
  const perM = (n: number) => Math.round((total / 1e6) * n);
  const sensitive = perM(g.sensitivePerM);
  const privileged = perM(g.privilegedPerM) + (arch === 'powerpc' ? sensitive : 0);
  const io = Math.min(Math.round(Math.max(0, workload.iops ?? 0) * IO_INSTRUCTIONS_PER_REQUEST * seconds), total);
  const kernelSystem = privileged + (arch === 'x86' ? sensitive : 0) + io;
  const kernelTotal = Math.max(Math.round(total * g.kernelShare), kernelSystem);
  const kernel: Record<string, number> = { privileged, io, ordinary: kernelTotal - kernelSystem };
  if (arch === 'x86') kernel['sensitive-unprivileged'] = sensitive;
  return { kernel, user: { ordinary: Math.max(0, total - kernelTotal) } };
}

export interface VmCpuOverhead {
  mode: ExecutionMode;
  overheadPercent: number;
  /** extra MHz the VM's demand costs the host in this mode: demand x overhead */
  overheadMhz: number;
  totals: ExecutionTotals;
}

export function vmCpuOverhead(input: { host: CpuHostProfile; guest: CpuGuestProfile; workload: { cpuDemandMhz: number; iops?: number } }): VmCpuOverhead {
  const { host, guest, workload } = input;
  const mix = defaultInstructionMix(workload, guest.family, host.cpu.arch ?? 'x86');
  const result = executeInstructionMix({ host, guest, mix });
  const overheadMhz = Math.round(workload.cpuDemandMhz * result.totals.overheadPercent) / 100;
  return { mode: result.mode, overheadPercent: result.totals.overheadPercent, overheadMhz: Math.round(overheadMhz * 10) / 10, totals: result.totals };
}
