// The DIAG (DM) interface of the virtual module in normal mode: HDLC frames in and out, requests
// handled one at a time in arrival order (keeping several in flight is the host's business), and
// now and then an unsolicited log, event or message frame slipped in before an answer, as a real
// module does. It serves VERNO, EXT_BUILD_ID, FEATURE_QUERY, NV read/write (0x26/0x27 and 4B 30
// with a context), SPC, CONTROL, EFS2 (efs-device.ts) and the switch to EDL (4B 65 01 00).
//
// Rules it applies (documented behaviour of this model):
// - NV: items the firmware defines but that were never written answer NOTACTIVE; undefined ids
//   and unknown contexts answer BADPARM; ESN (0), IMEI (550) and MEID (1943) answer READONLY to a
//   write until the SPC ("000000" unless configured) was accepted in this session (enumeration).
// - A frame with a bad CRC, an unknown command or an unknown subsystem gets 0x13 BAD_CMD echoing
//   what arrived; a truncated known command gets 0x15 BAD_LEN.
// - CONTROL 2 (reset) is echoed, then the module re-enumerates in normal mode; other modes are
//   echoed and remembered. The EDL switch is echoed, then the module leaves the bus for EDL.

import { RescueError } from '../../shared/errors.js';
import {
  CONTROL_MODE,
  DIAG_CMD,
  DIAG_SUBSYS,
  DiagProtocolError,
  decodeControlPacket,
  decodeNvPacket,
  decodeSpcRequest,
  encodeControlPacket,
  encodeDiagErrorResponse,
  encodeExtBuildIdResponse,
  encodeFeatureQueryResponse,
  encodeNvPacket,
  encodeSpcResponse,
  encodeVersionResponse,
  hexPreview,
  isEdlSwitchRequest,
} from '../protocol/diag.js';
import { decodeEfsRequest, encodeEfsResponse } from '../protocol/efs.js';
import { HdlcDecoder, hdlcEncode } from '../protocol/hdlc.js';
import type { BulkPipe } from '../transport/transport.js';
import { modelName } from './at-device.js';
import { EfsServer } from './efs-device.js';
import type { FaultPlan } from './faults.js';
import type { ModelSpec } from './models.js';
import { MULTI_ENTRY_ITEMS, type NormalState } from './normal-state.js';

export interface DiagDeviceOptions {
  model: ModelSpec;
  state: NormalState;
  faults: FaultPlan;
  signal: AbortSignal;
  /** An unsolicited log/event/message frame before every Nth answer (default 50; 0 = never). */
  unsolicitedEvery?: number;
  /** The SPC the module accepts (default "000000"). */
  spc?: string;
  /** EFS journal size in writes between syncs (default 100). */
  journalWrites?: number;
  onLog?(m: string): void;
  /** Called for every request handled (tests, counters). */
  onRequest?(payload: Uint8Array): void;
}

/** Why the DIAG session ended. */
export type DiagOutcome =
  /** The host asked for EDL: the echo went out, the module now leaves the bus for EDL. */
  | { kind: 'edl' }
  /** CONTROL mode 2: the module resets and comes back in normal mode. */
  | { kind: 'reset' }
  /** The drop-diag fault: off the bus without an answer. */
  | { kind: 'dropped'; request: number }
  /** The port went away or the module was stopped. */
  | { kind: 'gone' };

/** Mobile model id in EXT_BUILD_ID (the QCN names its storage after it, %08d). */
export const MOBILE_MODEL_ID = 24655;
/** The FEATURE_QUERY mask of this firmware. */
export const FEATURE_MASK: Readonly<Uint8Array> = Uint8Array.of(
  0xff,
  0xfb,
  0x7f,
  0xbf,
  0xfe,
  0x3f,
  0x0e,
  0x90,
  0x01,
  0x00,
  0x34,
  0x12,
  0x00,
  0x40,
);

/** DIAG requests counted across enumerations (for drop-diag@N: once per simulator life). */
export class DiagCounter {
  requests = 0;
}

/**
 * Serve DIAG until the host switches to EDL or resets the module, the fault drops it, or the port
 * goes away. Never throws for what the host sends.
 */
export async function runDiagDevice(
  pipe: BulkPipe,
  opts: DiagDeviceOptions,
  counter = new DiagCounter(),
): Promise<DiagOutcome> {
  const { signal } = opts;
  const decoder = new HdlcDecoder();
  const efs = new EfsServer(opts.state, opts.journalWrites !== undefined ? { journalWrites: opts.journalWrites } : {});
  const every = opts.unsolicitedEvery ?? 50;
  const session = { unlocked: false, mode: CONTROL_MODE.ONLINE as number };
  let answers = 0;
  // A host that stops reading for seconds loses answers (as with a real port), the module carries on.
  const write = async (bytes: Uint8Array, what: string): Promise<void> => {
    try {
      await pipe.write(bytes, { timeoutMs: 5000, signal, what });
    } catch (e) {
      if (!(e instanceof RescueError && e.code === 'DEVICE_TIMEOUT')) throw e;
    }
  };
  const send = async (payload: Uint8Array): Promise<void> => {
    if (every > 0 && ++answers % every === 0)
      await write(hdlcEncode(unsolicitedFrame(answers / every)), 'a DIAG log frame');
    await write(hdlcEncode(payload), 'a DIAG answer');
  };
  try {
    for (;;) {
      let chunk: Uint8Array;
      try {
        chunk = await pipe.read(16 * 1024, { timeoutMs: 60_000, signal, what: 'a DIAG request' });
      } catch (e) {
        if (e instanceof RescueError && e.code === 'DEVICE_TIMEOUT') continue;
        throw e;
      }
      for (const frame of decoder.push(chunk)) {
        if (!frame.ok) {
          opts.onLog?.(`DIAG: bad frame from the host (${frame.error}): ${hexPreview(frame.raw)}`);
          await send(encodeDiagErrorResponse(DIAG_CMD.BAD_CMD, frame.raw));
          continue;
        }
        const req = frame.payload;
        counter.requests++;
        opts.onRequest?.(req);
        const drop = opts.faults.armed('drop-diag');
        if (drop && counter.requests >= drop.n) {
          opts.faults.fire(drop);
          opts.onLog?.(
            `fault drop-diag@${drop.n}: off the bus at DIAG request ${counter.requests} (${hexPreview(req, 8)})`,
          );
          return { kind: 'dropped', request: counter.requests };
        }
        if (isEdlSwitchRequest(req)) {
          opts.onLog?.('DIAG: switch to EDL requested');
          await send(req.slice(0, 4));
          efs.closeAll();
          return { kind: 'edl' };
        }
        const answer = handleRequest(req, opts, efs, session);
        await send(answer);
        if (req[0] === DIAG_CMD.CONTROL && session.mode === CONTROL_MODE.RESET) {
          efs.closeAll();
          return { kind: 'reset' };
        }
      }
    }
  } catch (e) {
    efs.closeAll();
    if (signal.aborted || (e instanceof RescueError && (e.code === 'DEVICE_DISCONNECTED' || e.code === 'CANCELLED')))
      return { kind: 'gone' };
    throw e;
  }
}

/** The answer to one request (pure apart from the state it reads and writes). */
export function handleRequest(
  req: Uint8Array,
  opts: Pick<DiagDeviceOptions, 'model' | 'state' | 'spc'>,
  efs: EfsServer,
  session: { unlocked: boolean; mode: number },
): Uint8Array {
  const { model, state } = opts;
  try {
    switch (req[0]) {
      case DIAG_CMD.VERNO:
        return encodeVersionResponse({
          compDate: 'Mar 17 2021',
          compTime: '10:31:42',
          relDate: 'Mar 17 2021',
          relTime: '10:31:42',
          verDir: 'MPSS.JO.',
          scm: 2,
          caiRev: 6,
          model: 255,
          firmRev: 0,
          slotCycleIndex: 2,
          hwMajor: 0,
          hwMinor: 0,
        });
      case DIAG_CMD.EXT_BUILD_ID:
        return encodeExtBuildIdResponse({
          msmHwVersion: Number(model.msmHwId >> 32n),
          mobileModelId: MOBILE_MODEL_ID,
          build: state.firmware,
          model: modelName(model),
        });
      case DIAG_CMD.FEATURE_QUERY:
        return encodeFeatureQueryResponse(Uint8Array.from(FEATURE_MASK));
      case DIAG_CMD.NV_READ:
      case DIAG_CMD.NV_WRITE:
        return nv(req, state, session);
      case DIAG_CMD.SPC: {
        const ok = decodeSpcRequest(req) === (opts.spc ?? '000000');
        if (ok) session.unlocked = true;
        return encodeSpcResponse(ok);
      }
      case DIAG_CMD.CONTROL: {
        const mode = decodeControlPacket(req);
        if (mode > CONTROL_MODE.LPM) return encodeDiagErrorResponse(DIAG_CMD.BAD_PARM, req);
        session.mode = mode;
        return encodeControlPacket(mode);
      }
      case DIAG_CMD.SUBSYS:
        if (req.length < 4) return encodeDiagErrorResponse(DIAG_CMD.BAD_LEN, req);
        if (req[1] === DIAG_SUBSYS.NV) return nv(req, state, session);
        if (req[1] === DIAG_SUBSYS.EFS) return encodeEfsResponse(efs.handle(decodeEfsRequest(req)));
        return encodeDiagErrorResponse(DIAG_CMD.BAD_CMD, req);
      default:
        return encodeDiagErrorResponse(DIAG_CMD.BAD_CMD, req);
    }
  } catch (e) {
    if (e instanceof DiagProtocolError) {
      return encodeDiagErrorResponse(/truncated/i.test(e.message) ? DIAG_CMD.BAD_LEN : DIAG_CMD.BAD_CMD, req);
    }
    throw e;
  }
}

function nv(req: Uint8Array, state: NormalState, session: { unlocked: boolean }): Uint8Array {
  const p = decodeNvPacket(req);
  if (p.op === 'read') {
    const index = MULTI_ENTRY_ITEMS.has(p.item) ? p.data[0]! : 0;
    const r = state.nvRead(p.item, p.context, index);
    return encodeNvPacket({
      op: 'read',
      item: p.item,
      context: p.context,
      data: r.data,
      status: r.status,
      forceSubsystem: p.subsystem,
    });
  }
  const status = state.nvWrite(p.item, p.context, p.data, { unlocked: session.unlocked });
  return encodeNvPacket({
    op: 'write',
    item: p.item,
    context: p.context,
    data: p.data,
    status,
    forceSubsystem: p.subsystem,
  });
}

/** A log (0x10), event (0x60) or extended message (0x79) frame, in turn. */
function unsolicitedFrame(n: number): Uint8Array {
  const kind = n % 3;
  if (kind === 0) {
    // 10 00 len len code(u16) timestamp(8) payload: a "LTE ML1 serving cell" style record.
    const out = new Uint8Array(4 + 2 + 2 + 8 + 12);
    const dv = new DataView(out.buffer);
    out[0] = DIAG_CMD.LOG;
    dv.setUint16(2, out.length - 4, true);
    dv.setUint16(4, out.length - 4, true);
    dv.setUint16(6, 0xb17f, true);
    dv.setUint32(8, n * 1000, true);
    out.fill(n & 0xff, 16);
    return out;
  }
  if (kind === 1) return Uint8Array.of(DIAG_CMD.EVENT, 0x06, 0x00, 0x00, 0x01, 0x10, 0x00, n & 0xff, 0x00);
  const text = new TextEncoder().encode(`mmode: srv status ${n}\0mmoc.c\0`);
  const out = new Uint8Array(4 + 8 + 8 + text.length);
  out[0] = DIAG_CMD.EXT_MSG;
  out.set(text, 20);
  return out;
}
