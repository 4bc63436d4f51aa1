// Timer interrupts and VM entries (P2, P3): how each mode delivers the timer tick that hands the CPU between
// vCPUs, and the one VMLAUNCH that starts a vCPU under VT-x. The executor adds them to a mix's totals.
//
//   timerInterruptBehaviour(mode, product) -> {cycles, traps, vmExits, handledBy} per interrupt
//
// native             the guest kernel's handler runs at once (IDT vector, ring 0).
// trap-and-emulate,  the physical interrupt goes to the VMM in ring 0, which emulates the virtual interrupt
// full               controller and injects the interrupt into the de-privileged guest: a trap round trip each.
// paravirtual        Xen turns it into an event-channel upcall into the guest (no trap, no exit).
// hardware-assisted  "external-interrupt exiting": the tick causes a VM exit to KVM / Xen in root ring 0, which
//                    injects the virtual interrupt at the next VM entry (VMRESUME). Without posted interrupts
//                    (APICv), every tick is an exit and an entry.
import { PRODUCTS, type HypervisorProduct } from '../shared/hypervisor-products.js';
import * as C from './costs.js';
import type { ExecutionMode } from './modes.js';

export interface InterruptBehaviour { cycles: number; traps: 0 | 1; vmExits: 0 | 1; handledBy: string }

export function timerInterruptBehaviour(mode: ExecutionMode, product: HypervisorProduct): InterruptBehaviour {
  const handler = C.INTERRUPT_HANDLER_CYCLES;
  switch (mode) {
    case 'native': return { cycles: handler, traps: 0, vmExits: 0, handledBy: 'guest kernel (ring 0)' };
    case 'trap-and-emulate': case 'full':
      return { cycles: C.TRAP_ROUNDTRIP_CYCLES + C.VMM_EMULATE_CYCLES + handler, traps: 1, vmExits: 0, handledBy: 'vmm (ring 0), injected into the guest' };
    case 'paravirtual': return { cycles: C.PV_EVENT_UPCALL_CYCLES + handler, traps: 0, vmExits: 0, handledBy: 'hypervisor event-channel upcall' };
    case 'hardware-assisted':
      return {
        cycles: C.VM_EXIT_CYCLES + C.VM_ENTRY_CYCLES + C.VMM_EMULATE_CYCLES + handler, traps: 0, vmExits: 1,
        handledBy: `${product === 'xen' ? 'xen' : PRODUCTS[product].vmm} (root ring 0): external-interrupt exit, injected at VMRESUME`,
      };
  }
}
