// Cost defaults of the I/O model. Figures are orders of magnitude from the cited sources, rounded so
// that worked examples in tests stay readable; they are model parameters, not measurements of a machine.

/** One VM exit + VM entry round trip, in cycles. Agesen, Mattson, Rugina, Sheldon, "Software Techniques
 *  for Avoiding Hardware Virtualization Exits" (USENIX ATC 2012) measure ~1,000-1,500 cycles on Intel
 *  Nehalem/Westmere for the hardware round trip alone. */
export const VM_EXIT_CYCLES = 1_200;

/** QEMU device-model cost of one trapped PIO/MMIO access: the exit leaves KVM for QEMU in host user
 *  space (two more context switches: hypervisor -> QEMU -> hypervisor) and runs the register emulation.
 *  Kivity et al., "kvm: the Linux Virtual Machine Monitor" (OLS 2007) describe this heavyweight path;
 *  user-space exits cost a few microseconds, i.e. several thousand cycles at 2-3 GHz. */
export const QEMU_CYCLES_PER_ACCESS = 6_000;

/** Trapped register accesses per request of each emulated device.
 *  ide: ATA task file (features, count, LBA low/mid/high, device, command) + status read = 8 (ATA/ATAPI-8).
 *  sata: AHCI issues a command with one PxCI write, then PxIS read/clear and IS clear = 4 (AHCI 1.3.1 5.5).
 *  scsi: LSI 53C895A SCRIPTS start + interrupt status reads = 5 (LSI53C895A TRM).
 *  e1000: TDT tail write + ICR read + IMS re-enable = 3 (Intel 8254x SDM 3.4, 13.4).
 *  floppy: i8272 command/result bytes through the data register = 10 (Intel 82077AA datasheet). */
export const EMULATED_ACCESSES_PER_REQUEST: Record<string, number> = { ide: 8, sata: 4, scsi: 5, e1000: 3, floppy: 10 };

/** The completion interrupt's EOI write traps once per request without APICv (Gordon et al., "ELI:
 *  Bare-Metal Performance for I/O Virtualization", ASPLOS 2012). */
export const EMULATED_COMPLETION_EXITS = 1;

/** Virtio: one kick (ioeventfd-backed notify write) + one completion interrupt per batch, because event
 *  suppression (VIRTIO_F_EVENT_IDX, virtio 1.1 section 2.7.10) lets one notification cover a batch. */
export const VIRTIO_EXITS_PER_BATCH = 2;
/** Back-end (vhost / QEMU iothread / Xen blkback) work per request: descriptor walk + data copy/map. */
export const VIRTIO_BACKEND_CYCLES_PER_REQUEST = 2_500;
/** Back-end work per batch: eventfd wake-up of the back-end thread + used-ring update + irqfd signal. */
export const VIRTIO_BACKEND_CYCLES_PER_BATCH = 8_000;
/** Virtqueue size: QEMU's default queue-size for virtio-blk and virtio-net is 256 descriptors. */
export const VIRTIO_QUEUE_DEPTH = 256;

/** Passthrough: DMA is translated by the IOMMU and interrupts are remapped / posted straight into the
 *  guest (Intel VT-d spec 3.x, posted interrupts), so no exits per request. The IOTLB costs a few percent
 *  of latency: ELI reports 97-100% of bare-metal throughput with assigned devices. */
export const PASSTHROUGH_EXITS_PER_REQUEST = 0;
export const PASSTHROUGH_LATENCY_FACTOR = 1.02;

/** Native device figures (an SSD-class datastore and a 10 GbE port). Reads miss the array cache more
 *  often than writes, which land in a write-back cache. */
export const NATIVE_DEVICE: Record<'disk' | 'nic' | 'floppy', { readLatencyUs: number; writeLatencyUs: number; maxIops: number; maxMiBps: number }> = {
  disk: { readLatencyUs: 100, writeLatencyUs: 30, maxIops: 200_000, maxMiBps: 2_000 },
  nic: { readLatencyUs: 15, writeLatencyUs: 15, maxIops: 1_000_000, maxMiBps: 1_192 },
  floppy: { readLatencyUs: 50_000, writeLatencyUs: 50_000, maxIops: 20, maxMiBps: 0.06 },
};

/** Dom0 CPU reserved for back-ends: vCPUs x host MHz. XenServer / Citrix Hypervisor give dom0 a handful
 *  of vCPUs on a mid-size host; FusionCompute's CNA likewise reserves host cores for its own domain. On
 *  KVM the same budget stands for the host cores the QEMU and vhost threads get. */
export const DOM0_VCPUS = 4;

/** Assignable PCI slots per host: a 2U server board has ~6-9 PCIe slots (seed: "server board space is
 *  limited"), so at most 8 passthrough functions (GPU or SR-IOV VF) are assigned at once. */
export const ASSIGNABLE_SLOTS = 8;

/** CPU feature flags that mean the host has an IOMMU for DMA remapping. */
export const IOMMU_FEATURES = ['vt-d', 'iommu', 'amd-vi'];

/** IoStatsChanged is emitted only when a figure moves by more than this fraction (or the absolute floor). */
export const SIGNIFICANT_CHANGE = 0.05;
