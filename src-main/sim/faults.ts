// Fault injection for the virtual modem: what a flaky cable, a buggy host stack or a tired
// programmer does to a real flash. Each fault fires once in the life of a simulator, as a
// transient fault does, so recovery after it can succeed.

export type Fault =
  /** Stop reading raw data after BYTES of the current session (the host's writes then time out). */
  | { kind: 'stall'; atBytes: number }
  /** Stop reading raw data for PAUSE_FAULT_MS after BYTES, then go on (a NAND busy with its own work). */
  | { kind: 'pause'; atBytes: number }
  /** Drop off the bus after BYTES of raw data; come back in EDL after a second. */
  | { kind: 'disconnect'; atBytes: number }
  /** Drop off the bus after sending BYTES of <read> data in a session; come back in EDL after a second. */
  | { kind: 'disconnect-read'; atBytes: number }
  /** NAK the Nth <program> (1-based) with AttemptRetry. */
  | { kind: 'nak-program'; n: number }
  /** Wait forever for a ZLP after a transfer that ends on a packet boundary, as a device does. */
  | { kind: 'need-zlp' }
  /** Delay every ACK that ends a command by SECONDS. */
  | { kind: 'slow-ack'; seconds: number }
  /** Send a burst of log documents before every response. */
  | { kind: 'log-flood' }
  /** Answer the Nth command (1-based) with bytes that are not a document. */
  | { kind: 'garbage-reply'; n: number }
  /** Send the Sahara HELLO only at enumeration, never again after a mode switch or a missed read. */
  | { kind: 'hello-once' }
  /** Normal mode: drop off the bus on the Nth DIAG request (1-based, unanswered); back in normal mode a second later. */
  | { kind: 'drop-diag'; n: number }
  /** Lose power after BYTES of raw data: off the bus, then a boot attempt (EDL when the boot chain is broken). */
  | { kind: 'power-loss'; atBytes: number }
  /** Lose power half-way through the program of SBL (the partition at sector 0). */
  | { kind: 'power-loss-sbl' }
  /** The programmer stops answering at the Nth command (1-based); its watchdog resets the module into EDL a while later. */
  | { kind: 'programmer-crash'; n: number };

export type FaultKind = Fault['kind'];

/** How long a pause@BYTES fault stops taking data: well under the host's 10 s stall limit. */
export const PAUSE_FAULT_MS = 6000;

const SIZE = /^(\d+)([kKmMgG]i?[bB]?)?$/;

/** Parse "1M", "512k", "1048576" into bytes. */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').charAt(0).toLowerCase();
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return n * mult;
}

export class FaultSpecError extends Error {}

/** Parse one `--fault` value: stall@BYTES, pause@BYTES, disconnect@BYTES, disconnect-read@BYTES, nak-program@N, need-zlp, slow-ack=SECONDS, log-flood, garbage-reply@N, hello-once, drop-diag@N, power-loss@BYTES, power-loss-sbl, programmer-crash@N. */
export function parseFault(spec: string): Fault {
  const s = spec.trim();
  const at = /^([a-z-]+)@(.+)$/.exec(s);
  const eq = /^([a-z-]+)=(.+)$/.exec(s);
  const bad = (why: string): never => {
    throw new FaultSpecError(
      `bad --fault "${spec}": ${why}. Known: stall@BYTES, pause@BYTES, disconnect@BYTES, disconnect-read@BYTES, nak-program@N, need-zlp, slow-ack=SECONDS, log-flood, garbage-reply@N, hello-once, drop-diag@N, power-loss@BYTES, power-loss-sbl, programmer-crash@N`,
    );
  };
  if (at) {
    const [, kind, arg] = at as unknown as [string, string, string];
    if (
      kind === 'stall' ||
      kind === 'pause' ||
      kind === 'disconnect' ||
      kind === 'disconnect-read' ||
      kind === 'power-loss'
    ) {
      const b = parseSize(arg);
      if (b === undefined) bad('BYTES must be a number, optionally with k/M/G');
      return { kind, atBytes: b! };
    }
    if (kind === 'nak-program' || kind === 'garbage-reply' || kind === 'drop-diag' || kind === 'programmer-crash') {
      if (!/^\d+$/.test(arg) || Number(arg) < 1) bad('N must be a positive whole number');
      return { kind, n: Number(arg) };
    }
    return bad(`unknown fault "${kind}"`);
  }
  if (eq) {
    const [, kind, arg] = eq as unknown as [string, string, string];
    if (kind !== 'slow-ack') bad(`unknown fault "${kind}"`);
    const sec = Number(arg);
    if (!Number.isFinite(sec) || sec < 0 || sec > 600) bad('SECONDS must be between 0 and 600');
    return { kind: 'slow-ack', seconds: sec };
  }
  if (s === 'need-zlp' || s === 'log-flood' || s === 'hello-once' || s === 'power-loss-sbl') return { kind: s };
  return bad('unknown fault');
}

/** Which faults are armed and which have fired; shared by the PBL and the programmer models. */
export class FaultPlan {
  private readonly fired = new Set<Fault>();
  constructor(readonly faults: readonly Fault[] = []) {}

  /** The first armed fault of this kind that has not fired yet. */
  armed<K extends FaultKind>(kind: K): Extract<Fault, { kind: K }> | undefined {
    return this.faults.find((f) => f.kind === kind && !this.fired.has(f)) as Extract<Fault, { kind: K }> | undefined;
  }

  /** Whether a fault of this kind is configured at all (for permanent behaviours such as hello-once). */
  has(kind: FaultKind): boolean {
    return this.faults.some((f) => f.kind === kind);
  }

  fire(f: Fault): void {
    this.fired.add(f);
  }

  describe(): string {
    return this.faults.map((f) => JSON.stringify(f)).join(', ') || 'none';
  }
}
