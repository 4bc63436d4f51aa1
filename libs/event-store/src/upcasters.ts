// Event types carry a schema version; an upcaster lifts an old version's data to the next one.
export interface Upcaster {
  type: string;
  fromVersion: number;
  up: (data: any) => unknown;
}

export class UpcasterChain {
  private readonly byType = new Map<string, Map<number, Upcaster>>();
  private readonly current = new Map<string, number>();

  constructor(upcasters: Upcaster[] = []) {
    for (const u of upcasters) this.register(u);
  }

  register(u: Upcaster): void {
    const m = this.byType.get(u.type) ?? new Map<number, Upcaster>();
    m.set(u.fromVersion, u);
    this.byType.set(u.type, m);
    this.current.set(u.type, Math.max(this.current.get(u.type) ?? 1, u.fromVersion + 1));
  }

  /** the version new events of this type are written with */
  versionOf(type: string): number {
    return this.current.get(type) ?? 1;
  }

  upcast(type: string, version: number, data: unknown): { version: number; data: unknown } {
    const chain = this.byType.get(type);
    let v = version;
    let d = data;
    for (let u = chain?.get(v); u; u = chain?.get(v)) {
      d = u.up(d);
      v += 1;
    }
    return { version: v, data: d };
  }
}
