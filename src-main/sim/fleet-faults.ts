// Faults for a bench of virtual modems (`sim --count N`, the wizard's demo bench): "K:SPEC" arms
// SPEC on modem K only, a plain SPEC on every modem. Each modem gets its own fault object, since a
// fault fires once per simulator.

import { FaultSpecError, parseFault, type Fault } from './faults.js';

export function faultsPerModem(specs: readonly string[] | undefined, count: number): Fault[][] {
  const out: Fault[][] = Array.from({ length: count }, () => []);
  for (const spec of specs ?? []) {
    const m = /^(\d+):(.*)$/.exec(spec.trim());
    if (m && (Number(m[1]) < 1 || Number(m[1]) > count))
      throw new FaultSpecError(
        count === 1
          ? `The fault "${spec}" names modem ${m[1]}, but there is one modem.`
          : `The fault "${spec}" names modem ${m[1]}, but there are modems 1 to ${count}.`,
      );
    const fault = parseFault(m ? m[2]! : spec);
    for (let k = 1; k <= count; k++) if (!m || Number(m[1]) === k) out[k - 1]!.push({ ...fault });
  }
  return out;
}
