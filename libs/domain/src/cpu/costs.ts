// Cycle-cost and capacity defaults of the CPU model, each with where its order of magnitude comes from.
// "Model assumption" marks a value chosen to sit inside a published range rather than copied from one measurement;
// the point of the model is the relative cost of the modes (Adams & Agesen, "A Comparison of Software and Hardware
// Techniques for x86 Virtualization", ASPLOS 2006), not cycle accuracy for one CPU generation.
import type { InstructionClass } from './instructions.js';

/** Native cost of one instruction of each class (no VMM). Model assumption: ordinary instructions retire at
 *  CPI ~1 on an out-of-order core; system instructions serialize the pipeline (tens of cycles, cf. Agner Fog's
 *  instruction tables for LGDT / MOV CR / WRMSR); an I/O port access to a legacy device takes ~0.5 us on the
 *  LPC bus, ~1,000 cycles at 2-3 GHz. */
export const NATIVE_CYCLES: Readonly<Record<InstructionClass, number>> = {
  ordinary: 1,
  'sensitive-unprivileged': 10,
  privileged: 50,
  io: 1000,
};

/** Trap-and-emulate: a #GP fault from the de-privileged guest kernel into the VMM and the IRET back.
 *  The brief's range is a few hundred to ~2,000 cycles; Adams & Agesen (2006, sec. 2-3) describe trap round trips
 *  of this order on the Pentium 4. Default: the middle of the range. */
export const TRAP_ROUNDTRIP_CYCLES = 1000;

/** Software decode and emulation of one privileged instruction against the virtual CPU state (model assumption:
 *  a few hundred cycles of VMM code; same handler in every mode that reaches the VMM). */
export const VMM_EMULATE_CYCLES = 200;

/** Emulating one device register access in a software device model (QEMU / VMware device model). Model assumption. */
export const DEVICE_EMULATION_CYCLES = 3000;

/** Binary translation (full virtualization, VMware-style). Adams & Agesen (2006, sec. 3) describe the translator:
 *  kernel code is translated in translation units of at most 12 instructions, kept in a translation cache (TC);
 *  ordinary instructions are translated identically, sensitive ones into in-TC sequences on the virtual CPU
 *  state or into callouts to the VMM, so no trap happens. Costs are model assumptions of that order. */
export const BT_BLOCK_INSTRUCTIONS = 12;
/** Share of kernel instructions that start outside the TC (warm cache, steady kernel paths). */
export const BT_CACHE_MISS_RATE = 0.001;
/** Leaving the TC, hashing the guest PC, entering the translator. */
export const BT_CACHE_MISS_CYCLES = 500;
/** Decoding and emitting one instruction into the TC. */
export const BT_TRANSLATE_CYCLES_PER_INSTRUCTION = 100;
/** A sensitive-unprivileged instruction rewritten into an in-TC sequence (e.g. POPF updating the virtual IF). */
export const BT_INLINE_CYCLES = 5;
/** A callout from translated code into the VMM (a call, not a trap). */
export const BT_CALLOUT_CYCLES = 150;

/** Paravirtualization (Xen, Barham et al., "Xen and the Art of Virtualization", SOSP 2003): the modified guest
 *  kernel replaces privileged operations by hypercalls (a system-call-like transition into the hypervisor) and
 *  reads virtual CPU state (interrupt flag, descriptor tables) from the shared vcpu_info page instead of
 *  executing sensitive instructions. Costs are model assumptions: a hypercall ~ a system call. */
export const HYPERCALL_CYCLES = 300;
export const PV_SHARED_INFO_CYCLES = 5;
/** Dom0 back-end (blkback / netback) handling one request from the shared ring after an event-channel notify. */
export const PV_BACKEND_CYCLES = 1500;

/** Hardware assist (Intel VT-x / AMD-V). A VM exit + VM entry round trip is ~1,000-1,500 cycles on recent cores;
 *  Adams & Agesen (2006) measured first-generation VT-x (Pentium 4) round trips in the low thousands, and later
 *  cores cut it severalfold (Agesen et al., "Software Techniques for Avoiding Hardware Virtualization Exits",
 *  USENIX ATC 2012). Default round trip 1,200 = exit 800 + entry 400 (the exit saves more state). */
export const VM_EXIT_CYCLES = 800;
export const VM_ENTRY_CYCLES = 400;
/** An I/O exit that KVM (root ring 0) hands to QEMU (root ring 3): ioctl(KVM_RUN) returns to user space and is
 *  re-issued. Model assumption: ~1.5 us at 2.6 GHz. */
export const USERSPACE_EXIT_CYCLES = 4000;

/** A timer interrupt's handler in the guest kernel (tick accounting, scheduler check). Model assumption: ~0.2 us. */
export const INTERRUPT_HANDLER_CYCLES = 500;
/** Xen's event-channel upcall into a PV guest (a virtual interrupt through the shared info page). Model assumption:
 *  the order of a hypercall. */
export const PV_EVENT_UPCALL_CYCLES = 300;
/** VMLAUNCH: the first VM entry of a vCPU, which loads the whole VMCS guest state (model assumption: twice an
 *  ordinary VMRESUME entry). */
export const VM_LAUNCH_CYCLES = 800;

/** Type 2 (hosted) executor overhead: each VM is a host-OS process; host scheduling, host interrupts and the
 *  world switch between host and VMM contexts add a share of the VM's cycles. Model assumption: 5 %. */
export const TYPE2_HOST_SCHEDULING_SHARE = 0.05;

/** Capacity kept by the host OS on a type 2 host (it manages the hardware and runs its own processes).
 *  Model assumption: 10 %, the headroom hosted VMMs (VMware Workstation, Virtual PC) recommend leaving. */
export const TYPE2_HOST_OS_CPU_SHARE = 0.1;
/** Capacity reserved on a type 1 host: KVM's host kernel and management agents, or Xen's Dom0 (device back-ends,
 *  XenStore, toolstack; FusionCompute's CNA and XenServer dedicate vCPUs to it), or ESXi's vmkernel and its
 *  management agents (hostd, vpxa; no Dom0: like KVM). Model assumption: 2 % / 5 % / 2 %. A hosted product
 *  (workstation) reserves nothing here: the host OS's share (TYPE2_HOST_OS_CPU_SHARE) is what it leaves. */
export const TYPE1_HYPERVISOR_CPU_SHARE: Readonly<Record<'kvm' | 'xen' | 'esx' | 'workstation', number>> = { kvm: 0.02, xen: 0.05, esx: 0.02, workstation: 0 };

/** Timer-interrupt time slice: the Xen credit scheduler's default (sched_credit_tslice_ms = 30 ms). */
export const TIME_SLICE_MS = 30;
/** Time-slice contention: when runnable vCPUs outnumber threads, a vCPU that wakes waits for a slice even if MHz
 *  suffice. ready += 100 x factor x utilization x (1 - threads / active vCPUs). Calibration assumption: 4:1
 *  overcommit at 80 % utilization gives +3 %, about where ESXi ready time is usually flagged (~5 % per vCPU). */
export const CONTENTION_READY_FACTOR = 0.05;
