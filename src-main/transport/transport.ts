// The one byte-moving interface every protocol runs over: a bulk pipe (USB bulk IN/OUT pair,
// a serial port, or an in-memory pair). It knows its packet size and whether it owes ZLPs, and
// every read and write is bounded by a timeout and an AbortSignal.

export interface IoOptions {
  /** Give up after this many milliseconds with DEVICE_TIMEOUT. */
  timeoutMs: number;
  /** Give up at once with CANCELLED when aborted. */
  signal?: AbortSignal | undefined;
  /** What this I/O is for, used in the timeout message ("the answer to <configure>"). */
  what?: string;
}

export interface BulkPipe {
  /** Human-readable name of the endpoint ("USB 3-1 05c6:9008", "/dev/ttyUSB0"). */
  readonly name: string;
  /** wMaxPacketSize of the bulk endpoints (512 on USB 2, 1024 on USB 3; 512 for serial). */
  readonly maxPacketSize: number;
  /** True when write() must follow a transfer that is a non-zero multiple of maxPacketSize with a ZLP. */
  readonly needsZlp: boolean;
  readonly closed: boolean;
  /**
   * Read one transfer (USB, memory) or whatever bytes are available (serial), at most maxLength.
   * A zero-length result is a ZLP, not the end of the stream.
   * Rejects with RescueError DEVICE_TIMEOUT, DEVICE_DISCONNECTED or CANCELLED.
   */
  read(maxLength: number, opts: IoOptions): Promise<Uint8Array>;
  /**
   * Write data as one transfer, then a ZLP when needsZlp and data.length is a non-zero multiple of
   * maxPacketSize. The buffer is handed over: the caller must not modify it afterwards (the
   * in-memory pipe passes it to the receiver as is; USB and serial keep it until sent).
   */
  write(data: Uint8Array, opts: IoOptions): Promise<void>;
  /** Release the device. Idempotent; pending reads and writes reject with DEVICE_DISCONNECTED. */
  close(): Promise<void>;
}

/** How the engine finds a device and opens a pipe to it, again after every re-enumeration. */
export interface PipeOpener {
  /** What is being opened, for messages ("EDL device 05c6:9008 on any USB port"). */
  readonly description: string;
  /** Wait (bounded) until the device is present, then open it. Rejects with DEVICE_NOT_FOUND on timeout. */
  open(opts: IoOptions): Promise<BulkPipe>;
}

/** The ZLP rule: a transfer that ends exactly on a packet boundary needs a zero-length packet. */
export function needsZlpAfter(length: number, maxPacketSize: number): boolean {
  return length > 0 && maxPacketSize > 0 && length % maxPacketSize === 0;
}
