// The AT interface of the virtual module in normal mode: a Quectel-style command interpreter over
// the same state DIAG serves (the IMEI of AT+CGSN is NV 550; +CFUN follows the RF calibration).
// Echo is on until ATE0; +CME ERROR is numeric or verbose after AT+CMEE=1/2; unknown commands
// answer ERROR. Boot URCs come at enumeration and an unsolicited "+QIND: SMS DONE"-style line is
// slipped in before every Nth answer, so a host has to keep URCs apart from answers.

import { RescueError } from '../../shared/errors.js';
import type { BulkPipe } from '../transport/transport.js';
import type { ModelSpec } from './models.js';
import type { NormalState } from './normal-state.js';

export interface AtDeviceOptions {
  model: ModelSpec;
  state: NormalState;
  signal: AbortSignal;
  /** A URC before every Nth answer (default 5; 0 = never). */
  urcEvery?: number;
  /** Send the boot URCs (RDY, +CFUN, +CPIN, +QUSIM, +QIND) at enumeration (default true). */
  bootUrcs?: boolean;
  onLog?(m: string): void;
}

/** Longest command line the module takes; longer ones are dropped and answered ERROR. */
export const AT_DEVICE_MAX_LINE = 560;

const CME_TEXT: Record<number, string> = {
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  50: 'invalid parameters',
  100: 'unknown',
};

const ROTATING_URCS = ['+QIND: SMS DONE', '+QIND: PB DONE', '+CPIN: NOT INSERTED', '+QUSIM: 1'];

/** "EC25" / "EG25" from the model. */
export function modelName(model: ModelSpec): string {
  return model.id === 'eg25g' ? 'EG25' : 'EC25';
}

/** The revision ATI and AT+CGMR show: the firmware version up to its first '_'. */
export function revisionOf(firmware: string): string {
  return firmware.split('_')[0] ?? firmware;
}

/** The interpreter alone (no I/O), for one enumeration: echo and CMEE reset on every boot. */
export class AtInterpreter {
  echo = true;
  cmee = 0;
  private cfun = 1;
  private usbnet = 0;

  constructor(
    private readonly model: ModelSpec,
    private readonly state: NormalState,
  ) {}

  /** Response lines and the final result code for one command line (without its CR). */
  handle(line: string): string[] {
    const cmd = line.trim();
    const upper = cmd.toUpperCase();
    if (!upper.startsWith('AT')) return ['ERROR'];
    const body = upper.slice(2);
    const ok = (...lines: string[]): string[] => [...lines, 'OK'];
    const cme = (code: number): string[] => [
      this.cmee === 0
        ? 'ERROR'
        : this.cmee === 1
          ? `+CME ERROR: ${code}`
          : `+CME ERROR: ${CME_TEXT[code] ?? 'unknown'}`,
    ];
    const fw = this.state.firmware;
    switch (body) {
      case '':
        return ok();
      case 'E0':
        this.echo = false;
        return ok();
      case 'E1':
      case 'E':
        this.echo = body === 'E1';
        return ok();
      case 'I':
      case 'I0':
        return ok('Quectel', modelName(this.model), `Revision: ${revisionOf(fw)}`);
      case '+GMI':
      case '+CGMI':
        return ok('Quectel');
      case '+GMM':
      case '+CGMM':
        return ok(modelName(this.model));
      case '+GMR':
      case '+CGMR':
        return ok(revisionOf(fw));
      case '+QGMR':
        return ok(fw);
      case '+GSN':
      case '+CGSN': {
        const imei = this.state.imei(0);
        return imei ? ok(imei) : cme(100);
      }
      case '+CGSN=1': {
        const imei = this.state.imei(0);
        return imei ? ok(`+CGSN: "${imei}"`) : cme(100);
      }
      case '+CFUN?':
        return ok(`+CFUN: ${this.state.hasRfCalibration() ? this.cfun : 5}`);
      case '+CMEE?':
        return ok(`+CMEE: ${this.cmee}`);
      case '+CPIN?':
        return cme(10);
      case '+QCFG="USBNET"':
        return ok(`+QCFG: "usbnet",${this.usbnet}`);
    }
    let m = /^\+CMEE=([0-2])$/.exec(body);
    if (m) {
      this.cmee = Number(m[1]);
      return ok();
    }
    m = /^\+CFUN=(\d+)(,[01])?$/.exec(body);
    if (m) {
      const n = Number(m[1]);
      if (n !== 0 && n !== 1 && n !== 4) return cme(50);
      if (!this.state.hasRfCalibration() && n === 1) return cme(3);
      this.cfun = n;
      return ok();
    }
    m = /^\+QCFG="USBNET",([0-3])$/.exec(body);
    if (m) {
      this.usbnet = Number(m[1]);
      return ok();
    }
    if (/^\+QCFG="USBNET",/.test(body)) return cme(50);
    return ['ERROR'];
  }
}

/**
 * Serve the AT interface until the signal aborts or the module leaves the bus. Never throws for
 * what the host sends: a line too long is dropped and answered ERROR.
 */
export async function runAtDevice(pipe: BulkPipe, opts: AtDeviceOptions): Promise<void> {
  const { signal } = opts;
  const interp = new AtInterpreter(opts.model, opts.state);
  const urcEvery = opts.urcEvery ?? 5;
  let answered = 0;
  let urcTurn = 0;
  // A host that does not read for seconds loses what the module had to say, as on a real port.
  const send = async (text: string): Promise<void> => {
    try {
      await pipe.write(new TextEncoder().encode(text), { timeoutMs: 5000, signal, what: 'an AT answer' });
    } catch (e) {
      if (!(e instanceof RescueError && e.code === 'DEVICE_TIMEOUT')) throw e;
    }
  };
  const sendLines = (lines: string[]): Promise<void> => send(lines.map((l) => `\r\n${l}\r\n`).join(''));
  try {
    if (opts.bootUrcs ?? true) {
      const boot = [
        'RDY',
        `+CFUN: ${opts.state.hasRfCalibration() ? 1 : 5}`,
        '+CPIN: NOT INSERTED',
        '+QUSIM: 1',
        '+QIND: SMS DONE',
      ];
      await sendLines(boot);
    }
    let line: number[] = [];
    let overlong = false;
    for (;;) {
      let chunk: Uint8Array;
      try {
        chunk = await pipe.read(4096, { timeoutMs: 60_000, signal, what: 'an AT command' });
      } catch (e) {
        if (e instanceof RescueError && e.code === 'DEVICE_TIMEOUT') continue;
        throw e;
      }
      const echoBytes: number[] = [];
      const commands: { text: string; overlong: boolean }[] = [];
      for (const b of chunk) {
        if (interp.echo) echoBytes.push(b);
        if (b === 0x0d) {
          if (line.length > 0 || overlong) commands.push({ text: String.fromCharCode(...line), overlong });
          line = [];
          overlong = false;
        } else if (b === 0x0a) continue;
        else if (line.length >= AT_DEVICE_MAX_LINE) overlong = true;
        else line.push(b >= 0x20 && b < 0x7f ? b : 0x3f);
      }
      if (echoBytes.length > 0) await send(String.fromCharCode(...echoBytes));
      for (const c of commands) {
        const lines = c.overlong ? ['ERROR'] : interp.handle(c.text);
        answered++;
        if (urcEvery > 0 && answered % urcEvery === 0) {
          await sendLines([ROTATING_URCS[urcTurn++ % ROTATING_URCS.length]!]);
        }
        opts.onLog?.(`AT: ${c.overlong ? '(line too long)' : c.text} -> ${lines.at(-1)}`);
        await sendLines(lines);
      }
    }
  } catch (e) {
    if (isGone(e, signal)) return;
    throw e;
  }
}

/** The module was reset, powered off or unplugged: the interface just ends. */
function isGone(e: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (e instanceof RescueError && (e.code === 'DEVICE_DISCONNECTED' || e.code === 'CANCELLED'));
}
