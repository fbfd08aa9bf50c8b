// How the virtual modem attaches to a host: plugging in gives the device end of a fresh link
// (a new USB enumeration), unplugging drops it off the bus. Implemented by the in-memory bus
// (memory-bus.ts) and by the pseudo-terminal port (pty-port.ts).

import type { BulkPipe } from '../transport/transport.js';

export interface SimPort {
  /** Appear on the bus; returns the device end of the new link. */
  plugIn(): Promise<BulkPipe>;
  /** Drop off the bus: every pending and future I/O on both ends fails. Idempotent. */
  unplug(): Promise<void>;
  /** What the host sees, for messages ("in-memory USB bus"). */
  readonly description: string;
}
