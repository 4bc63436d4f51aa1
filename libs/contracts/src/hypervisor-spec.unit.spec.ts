// Nonsense host combinations are refused naming the fields (issue 15): Xen is type 1 only, only Xen is paravirtual.
import { HostSpec, HypervisorSpec } from './specs.js';

const pathsOf = (r: ReturnType<typeof HypervisorSpec.safeParse>) => (r.success ? [] : r.error.issues.map((i) => i.path.join('.')));

describe('HypervisorSpec combinations', () => {
  it('type 2 + xen is refused on product; paravirtual + kvm (also the default product) on mode', () => {
    expect(pathsOf(HypervisorSpec.safeParse({ type: 'type2', mode: 'hardware-assisted', product: 'xen' }))).toEqual(['product']);
    expect(pathsOf(HypervisorSpec.safeParse({ type: 'type1', mode: 'paravirtual', product: 'kvm' }))).toEqual(['mode']);
    expect(pathsOf(HypervisorSpec.safeParse({ type: 'type1', mode: 'paravirtual' }))).toEqual(['mode']);
    expect(pathsOf(HypervisorSpec.safeParse({ type: 'type2', mode: 'paravirtual', product: 'xen' }))).toEqual(['product']);
  });

  it('the message names both fields and the fix', () => {
    const r = HypervisorSpec.safeParse({ type: 'type2', mode: 'full', product: 'xen' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toContain('product xen with type type2');
  });

  it('real hosts pass: Xen PV and HVM on type 1, KVM type 1 and type 2 with full or hardware assist', () => {
    for (const h of [
      { type: 'type1', mode: 'paravirtual', product: 'xen' }, { type: 'type1', mode: 'hardware-assisted', product: 'xen' },
      { type: 'type1', mode: 'hardware-assisted', product: 'kvm' }, { type: 'type2', mode: 'full', product: 'kvm' },
      { type: 'type2', mode: 'hardware-assisted' },
    ]) expect(HypervisorSpec.safeParse(h).success).toBe(true);
  });

  it('inside a host the path is hypervisor.product', () => {
    const host = { name: 'h1', cpu: { sockets: 1, coresPerSocket: 4, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon' }, memoryMiB: 8192, hypervisor: { type: 'type2', mode: 'full', product: 'xen' } };
    const r = HostSpec.safeParse(host);
    expect(r.success ? [] : r.error.issues.map((i) => i.path.join('.'))).toEqual(['hypervisor.product']);
  });
});
