// How one instruction class behaves in each execution mode (C5): ring, VMX operation, trap or not, who handles
// it and its cycles. The executor (executor.ts) multiplies these by the mix's counts.
//
//   native            guest kernel ring 0, apps ring 3, no VMM.
//   trap-and-emulate  guest kernel de-privileged to ring 1, VMM in ring 0. Privileged and I/O instructions fault
//                     into the VMM, which emulates them. On x86 the sensitive-unprivileged ones do NOT fault: they
//                     run in ring 1 against the real machine state and give wrong results (the virtualization
//                     hole). Complete on PowerPC, which has no such instructions.
//   full              binary translation: kernel code runs translated in ring 1; sensitive and privileged
//                     instructions become in-TC sequences or callouts (no trap). User code runs untranslated.
//   paravirtual       modified guest kernel in ring 1 (Xen x86-32; x86-64 PV kernels use ring 3) calls the
//                     hypervisor by hypercalls and keeps virtual CPU state in the shared vcpu_info page.
//   hardware-assisted VT-x / AMD-V: guest kernel in non-root ring 0, so sensitive instructions act on the guest's
//                     own state. Only what the VMM's VM-execution controls select exits (vtx-exits.ts): CPUID and
//                     I/O always, HLT / MSR / CR0-CR4 writes by KVM's choice, CR3 loads and INVLPG only without
//                     EPT; CLI / STI and LGDT / LIDT never. An exit goes to KVM (root ring 0), I/O on to QEMU
//                     (root ring 3); VMRESUME re-enters. Every exit is counted as one exit and one entry
//                     (the one-off VMLAUNCH at vCPU start is not part of a workload mix).
import { PRODUCTS, type HypervisorProduct } from '../shared/hypervisor-products.js';
import * as C from './costs.js';
import type { InstructionClass, Ring, VmxOperation } from './instructions.js';
import { vtxExits, vtxExitShare } from './vtx-exits.js';

export type ExecutionMode = 'native' | 'trap-and-emulate' | 'full' | 'paravirtual' | 'hardware-assisted';
export const EXECUTION_MODES: readonly ExecutionMode[] = ['native', 'trap-and-emulate', 'full', 'paravirtual', 'hardware-assisted'];
/** Kernel code runs in ring 0 natively; user code in ring 3 and may only hold ordinary instructions. */
export type ExecutionContext = 'kernel' | 'user';

export interface ClassBehaviour {
  ring: Ring;
  vmx: VmxOperation | null;
  /** the instruction left guest execution involuntarily: a fault into the VMM or a VM exit */
  trapped: boolean;
  handledBy: string;
  cyclesEach: number;
  traps: 0 | 1;
  hypercalls: 0 | 1;
  /** VM exits per instruction: 0 or 1 for a mnemonic, the class's exiting share for a class counted whole */
  vmExits: number;
  /** ran against the real machine state and gave the guest a wrong answer */
  wrongResult: boolean;
  /** kernel code that went through the binary translator */
  translated: boolean;
}

const base = (ring: Ring, cyclesEach: number, over: Partial<ClassBehaviour> = {}): ClassBehaviour => ({
  ring, vmx: null, trapped: false, handledBy: 'cpu', cyclesEach, traps: 0, hypercalls: 0, vmExits: 0,
  wrongResult: false, translated: false, ...over,
});

const N = C.NATIVE_CYCLES;

function trapAndEmulate(cls: InstructionClass): ClassBehaviour {
  if (cls === 'privileged') return base(1, C.TRAP_ROUNDTRIP_CYCLES + C.VMM_EMULATE_CYCLES, { trapped: true, traps: 1, handledBy: 'vmm (ring 0)' });
  if (cls === 'io') return base(1, C.TRAP_ROUNDTRIP_CYCLES + C.DEVICE_EMULATION_CYCLES, { trapped: true, traps: 1, handledBy: 'vmm device model (ring 0)' });
  if (cls === 'sensitive-unprivileged') return base(1, N[cls], { wrongResult: true, handledBy: 'cpu (no trap: virtualization hole)' });
  return base(1, N[cls]);
}

function binaryTranslation(cls: InstructionClass): ClassBehaviour {
  const t = { translated: true };
  if (cls === 'privileged') return base(1, C.BT_CALLOUT_CYCLES + C.VMM_EMULATE_CYCLES, { ...t, handledBy: 'vmm (callout from translated code)' });
  if (cls === 'io') return base(1, C.BT_CALLOUT_CYCLES + C.DEVICE_EMULATION_CYCLES, { ...t, handledBy: 'vmm device model (callout)' });
  if (cls === 'sensitive-unprivileged') return base(1, C.BT_INLINE_CYCLES, { ...t, handledBy: 'translated in-TC sequence' });
  return base(1, N[cls], { ...t, handledBy: 'cpu (identical translation)' });
}

function paravirtual(cls: InstructionClass): ClassBehaviour {
  if (cls === 'privileged') return base(1, C.HYPERCALL_CYCLES + C.VMM_EMULATE_CYCLES, { hypercalls: 1, handledBy: 'hypervisor (hypercall)' });
  if (cls === 'io') return base(1, C.HYPERCALL_CYCLES + C.PV_BACKEND_CYCLES, { hypercalls: 1, handledBy: 'dom0 back-end (event-channel hypercall)' });
  if (cls === 'sensitive-unprivileged') return base(1, C.PV_SHARED_INFO_CYCLES, { handledBy: 'guest pv-ops on shared vcpu_info' });
  return base(1, N[cls]);
}

/** How a VT-x guest runs one instruction: the mnemonic when the mix names one, else its class's exiting share. */
export interface VtxContext { product: HypervisorProduct; ept: boolean; mnemonic?: string }

function hardwareAssisted(cls: InstructionClass, vtx: VtxContext): ClassBehaviour {
  const nonRoot = { vmx: 'non-root' as const };
  const roundTrip = C.VM_EXIT_CYCLES + C.VM_ENTRY_CYCLES;
  const kvm = `${PRODUCTS[vtx.product].vmm === 'xen hypervisor' ? 'xen' : PRODUCTS[vtx.product].vmm} (root ring 0)`;
  if (cls === 'io') {
    return base(0, roundTrip + C.USERSPACE_EXIT_CYCLES + C.DEVICE_EMULATION_CYCLES,
      { ...nonRoot, trapped: true, vmExits: 1, handledBy: vtx.product === 'xen' ? 'qemu-dm in dom0' : `${PRODUCTS[vtx.product].deviceModel} (root ring 3)` });
  }
  const share = vtx.mnemonic !== undefined ? (vtxExits(vtx.mnemonic, vtx.ept).exits ? 1 : 0) : vtxExitShare(cls, vtx.ept);
  if (share === 0) return base(0, N[cls], { ...nonRoot, handledBy: 'cpu (non-root, no exit)' });
  const cyclesEach = (1 - share) * N[cls] + share * (roundTrip + C.VMM_EMULATE_CYCLES);
  return base(0, cyclesEach, { ...nonRoot, trapped: true, vmExits: share, handledBy: share === 1 ? kvm : `${kvm} for ${Math.round(share * 100)} %, cpu for the rest` });
}

/** Behaviour of kernel-context instructions of one class; user code is always ring 3 ordinary at native cost. */
export function classBehaviour(mode: ExecutionMode, cls: InstructionClass, context: ExecutionContext, vtx: VtxContext = { product: 'kvm', ept: true }): ClassBehaviour {
  if (context === 'user') return base(3, N[cls], mode === 'hardware-assisted' ? { vmx: 'non-root' } : {});
  switch (mode) {
    case 'native': return base(0, N[cls]);
    case 'trap-and-emulate': return trapAndEmulate(cls);
    case 'full': return binaryTranslation(cls);
    case 'paravirtual': return paravirtual(cls);
    case 'hardware-assisted': return hardwareAssisted(cls, vtx);
  }
}
