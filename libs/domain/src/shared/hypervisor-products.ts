// Hypervisor products (C6), one row per product: who the guest's exits land in, who emulates its devices, what its
// paravirtual devices are called in the guest, and whether a Dom0 exists. Every place that switches on the product
// reads this table (a Record keyed by product: a new product does not compile until it has its row).
//   type 1 (bare metal): esx (ESXi-like: vmkernel + a VMX user world per VM), xen (Dom0 back-ends), kvm
//   type 2 (hosted):     workstation (Workstation-like: vmmon driver in the host OS + a vmware-vmx process per VM),
//                        kvm (a module of a general-purpose Linux host)
// (the pairs are checked by the host spec: libs/contracts/src/specs.ts HYPERVISOR_PRODUCTS)
import type { HypervisorSpec } from '@virtsim/contracts';

export type HypervisorProduct = HypervisorSpec['product'];

export interface ProductProfile {
  /** the VMM in VMX root ring 0 (hardware-assisted exits land here) */
  vmm: string;
  /** who emulates devices (an I/O exit is handed to it) */
  deviceModel: string;
  /** what a paravirtual ('virtio' in the VM spec) disk / NIC is in the guest: its guest driver */
  pvDisk: string;
  pvNic: string;
  /** Linux disk prefix of a paravirtual disk: virtio-blk vd, Xen blkfront xvd, VMware pvscsi is a SCSI HBA: sd */
  pvDiskPrefix: 'vd' | 'xvd' | 'sd';
  /** a privileged Dom0 runs the back-ends (Xen only) */
  dom0: boolean;
}

export const PRODUCTS: Readonly<Record<HypervisorProduct, ProductProfile>> = {
  kvm: { vmm: 'kvm', deviceModel: 'qemu', pvDisk: 'virtio-blk', pvNic: 'virtio-net', pvDiskPrefix: 'vd', dom0: false },
  xen: { vmm: 'xen hypervisor', deviceModel: 'qemu-dm (dom0)', pvDisk: 'xen-blkfront', pvNic: 'xen-netfront', pvDiskPrefix: 'xvd', dom0: true },
  esx: { vmm: 'vmkernel', deviceModel: 'vmx (vmkernel user world)', pvDisk: 'pvscsi', pvNic: 'vmxnet3', pvDiskPrefix: 'sd', dom0: false },
  workstation: { vmm: 'vmmon (host kernel driver)', deviceModel: 'vmware-vmx (host process)', pvDisk: 'pvscsi', pvNic: 'vmxnet3', pvDiskPrefix: 'sd', dom0: false },
};

export const productOf = (p: HypervisorProduct | undefined): ProductProfile => PRODUCTS[p ?? 'kvm'];
