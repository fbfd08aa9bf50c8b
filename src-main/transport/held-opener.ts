// Hand an open pipe to the next user: the first open() returns it (while it is still open), later
// ones open afresh. Switching to EDL opens the module's 05c6:9008 pipe to see it arrive; a flash
// that follows at once takes that pipe over rather than closing and reopening it, because on a
// serial (qcserial/COM) port closing drops what the module already sent, its Sahara HELLO, and the
// flash would then sit out the HELLO timeout before answering it blindly.

import type { BulkPipe, PipeOpener } from './transport.js';

export function heldOpener(pipe: BulkPipe, fallback: PipeOpener): PipeOpener {
  let held: BulkPipe | undefined = pipe;
  return {
    description: fallback.description,
    open: (io) => {
      const p = held;
      held = undefined;
      return p && !p.closed ? Promise.resolve(p) : fallback.open(io);
    },
  };
}
