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

/** `pipe`, whose next reads return `pending` first: bytes someone read and the next user must see. */
export function withPending(pipe: BulkPipe, pending: Uint8Array): BulkPipe {
  if (pending.length === 0) return pipe;
  let rest: Uint8Array | undefined = pending;
  return {
    get name() {
      return pipe.name;
    },
    get maxPacketSize() {
      return pipe.maxPacketSize;
    },
    get needsZlp() {
      return pipe.needsZlp;
    },
    get closed() {
      return pipe.closed;
    },
    read: (maxLength, io) => {
      const r = rest;
      if (!r) return pipe.read(maxLength, io);
      rest = r.length > maxLength ? r.subarray(maxLength) : undefined;
      return Promise.resolve(r.subarray(0, maxLength));
    },
    write: (data, io) => pipe.write(data, io),
    close: () => pipe.close(),
  };
}
