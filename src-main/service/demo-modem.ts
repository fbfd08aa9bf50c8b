// The demo modem: the virtual EC25 plugged into in-memory buses, standing in for a real module so
// the whole wizard can be walked without hardware. Normal mode serves DM and AT on a
// MemoryNormalBus; EDL runs on a MemoryBus.
//
// Silent ("bricked") mode models the story of a module that shows nothing on the bus:
//   1. 'short-usb-boot'  the person wires USB_BOOT to VDD_EXT (nothing visible yet);
//   2. 'suspend-resume'  the host suspends and resumes: 05c6:9008 enumerates but says nothing
//                        (no Sahara HELLO: a flash would time out waiting for it);
//   3. 'suspend-resume'  once more: the module enumerates afresh and greets with its HELLO (the
//                        virtual modem starts in EDL on the same bus).
// A 'suspend-resume' without the pads shorted changes nothing. 'replug' power-cycles: a running
// module comes back (in EDL when the pads are shorted, else booting if its firmware is intact);
// a silent module stays silent and the suspend count starts over. 'go-silent' drops the module
// off the bus: it is silent again, NAND and NV kept.

import { mkdirSync } from 'node:fs';
import type { DemoAction } from '../../shared/api.js';
import type { DeviceMode } from '../../shared/devices.js';
import type { Fault } from '../sim/faults.js';
import { MemoryBus } from '../sim/memory-bus.js';
import { LinkModel } from '../transport/link-model.js';
import { MemoryNormalBus } from '../sim/normal-port.js';
import { VirtualModem } from '../sim/virtual-modem.js';
import type { PowerSwitch } from '../transport/power-switch.js';
import type { BulkPipe, PipeOpener } from '../transport/transport.js';

/** The names the demo ports get in device summaries. */
export const DEMO_PORTS = { dm: 'demo-dm', at: 'demo-at' } as const;
export const DEMO_DEVICE_ID = 'demo';

export interface DemoModemOptions {
  /** Folder of the virtual module's NAND and NV/EFS state. */
  stateDir: string;
  silent: boolean;
  faults: Fault[];
  /** A module of the demo bench: its own chip serial (models.ts fleetSerial) and, with 'edl', starting in download mode. */
  serial?: number;
  startIn?: 'normal' | 'edl';
  /** Time off the bus between a reset and the next enumeration (default 1000 ms). */
  reEnumerateDelayMs?: number;
  /**
   * Speed of the demo module's EDL link in bytes per second, so a flash takes visible time as on
   * real hardware (where the NAND programmer, not USB, sets the pace); 0 or absent: no delay.
   */
  linkBytesPerSecond?: number;
  /** Called whenever what the demo module shows on the bus may have changed. */
  onChange(): void;
  onLog?(message: string): void;
}

type SilentPhase = 'silent' | 'no-hello';

export interface DemoPresence {
  mode: DeviceMode;
  ports: { dm?: string; at?: string };
  /** Said instead of the mode's usual explanation. */
  explanation?: string;
}

export const MUTE_EDL_EXPLANATION =
  'Download mode (05c6:9008) is on the bus, but the module has not sent its greeting (Sahara HELLO) yet. Suspend and resume the computer once more.';

export class DemoModem {
  readonly normalBus = new MemoryNormalBus();
  readonly edlBus: MemoryBus;
  private modem: VirtualModem | undefined;
  /** Set while the module shows nothing (or a mute 9008); undefined once the virtual modem runs. */
  private silentPhase: SilentPhase | undefined;
  private padsShorted = false;
  private suspends = 0;
  /** The device end of the mute 9008 enumeration (held, never written to). */
  private muteEnd: BulkPipe | undefined;
  private stopped = false;

  private constructor(private readonly opts: DemoModemOptions) {
    const bps = opts.linkBytesPerSecond ?? 0;
    // One model for both directions: USB 2 is half duplex.
    const link =
      bps > 0 ? new LinkModel({ bytesPerSecond: bps, perTransferLatencyUs: 200, packetSize: 512 }) : undefined;
    this.edlBus = new MemoryBus(link ? { hostToDevice: link, deviceToHost: link } : {});
  }

  static async start(opts: DemoModemOptions): Promise<DemoModem> {
    mkdirSync(opts.stateDir, { recursive: true });
    const d = new DemoModem(opts);
    if (opts.silent) d.silentPhase = 'silent';
    else await d.powerOn(opts.startIn ?? 'normal');
    return d;
  }

  get edlOpener(): PipeOpener {
    return this.edlBus.opener;
  }
  /**
   * The demo module's USB port power, as the flash run drives it: off and on, as the 'replug'
   * button does (the module then boots into EDL when its boot chain is broken or USB_BOOT held).
   */
  readonly portPower: PowerSwitch = {
    kind: 'port-power',
    description: "Switching the demo modem's USB port off and on",
    cutsPower: true,
    cycle: async () => {
      const said = await this.action('replug');
      this.opts.onLog?.(`power switch: ${said}`);
    },
  };

  /** One value per enumeration of the demo module's EDL device. */
  get edlEnumeration(): number {
    return this.edlBus.enumeration;
  }
  get dmOpener(): PipeOpener {
    return this.normalBus.dmOpener;
  }
  get atOpener(): PipeOpener {
    return this.normalBus.atOpener;
  }

  /** The virtual modem while it runs (undefined while silent). */
  get virtual(): VirtualModem | undefined {
    return this.modem;
  }

  /** The firmware the module runs, when known (after it booted, or its factory version). */
  get firmware(): string | undefined {
    return this.modem?.bootedFirmware ?? this.modem?.normalState?.firmware;
  }

  /** What a host sees of the demo module on the bus right now (undefined: nothing). */
  presence(): DemoPresence | undefined {
    if (this.silentPhase === 'no-hello') return { mode: 'edl', ports: {}, explanation: MUTE_EDL_EXPLANATION };
    if (this.silentPhase || !this.modem) return undefined;
    switch (this.modem.state) {
      case 'normal':
        return { mode: 'normal', ports: { ...DEMO_PORTS } };
      case 'edl':
      case 'firehose':
        return { mode: 'edl', ports: {} };
      default:
        return undefined; // off, rebooting, booted without interfaces
    }
  }

  /** Perform a manual action; returns one sentence of what happened, for the log. */
  async action(a: DemoAction): Promise<string> {
    switch (a) {
      case 'short-usb-boot':
        this.padsShorted = true;
        this.suspends = 0;
        return 'USB_BOOT is wired to VDD_EXT: the module will come up in download mode at its next power-up.';
      case 'suspend-resume':
        return this.suspendResume();
      case 'replug':
        return this.replug();
      case 'go-silent':
        await this.goSilent();
        return 'The module dropped off the bus and answers nothing.';
    }
  }

  private async suspendResume(): Promise<string> {
    if (this.silentPhase === undefined) {
      // A suspend cuts the card's power: like a power cycle.
      const into = this.padsShorted ? 'download mode' : 'its firmware';
      await this.modem?.cutPower({ edl: this.padsShorted });
      this.padsShorted = false;
      return `Suspend and resume: the module restarted into ${into}.`;
    }
    if (!this.padsShorted)
      return 'Suspend and resume: nothing changed; the module stays silent (USB_BOOT is not shorted).';
    this.suspends++;
    if (this.suspends === 1) {
      this.muteEnd = await this.edlBus.plugIn();
      this.silentPhase = 'no-hello';
      this.opts.onChange();
      return '05c6:9008 appeared, but the module did not send its greeting (HELLO) yet: suspend once more.';
    }
    await this.dropMute();
    this.padsShorted = false;
    await this.powerOn('edl');
    return 'After the second suspend the module enumerated again in download mode and sent its HELLO.';
  }

  private async replug(): Promise<string> {
    if (this.silentPhase !== undefined) {
      await this.dropMute();
      this.silentPhase = 'silent';
      this.suspends = 0;
      this.opts.onChange();
      return 'Replugged: the module is still silent.';
    }
    const into = this.padsShorted ? 'download mode' : 'its firmware';
    await this.modem?.cutPower({ edl: this.padsShorted });
    this.padsShorted = false;
    return `Replugged: the module restarts into ${into}.`;
  }

  private async goSilent(): Promise<void> {
    const m = this.modem;
    this.modem = undefined;
    await m?.stop();
    await this.dropMute();
    this.silentPhase = 'silent';
    this.suspends = 0;
    this.opts.onChange();
  }

  private async dropMute(): Promise<void> {
    if (!this.muteEnd) return;
    this.muteEnd = undefined;
    await this.edlBus.unplug();
  }

  private async powerOn(mode: 'normal' | 'edl'): Promise<void> {
    if (this.stopped) return;
    const modem = new VirtualModem(
      {
        model: 'ec25',
        stateDir: this.opts.stateDir,
        mode,
        normalPort: this.normalBus,
        faults: this.opts.faults,
        reEnumerateDelayMs: this.opts.reEnumerateDelayMs ?? 1000,
        normal: { atBootUrcs: true },
        ...(this.opts.serial !== undefined ? { serial: this.opts.serial } : {}),
      },
      this.edlBus,
    );
    modem.on('state', () => this.opts.onChange());
    modem.on('log', (m: string) => this.opts.onLog?.(m));
    this.modem = modem;
    this.silentPhase = undefined;
    await modem.start();
    this.opts.onChange();
  }

  /** Power off for good. */
  async stop(): Promise<void> {
    this.stopped = true;
    const m = this.modem;
    this.modem = undefined;
    await m?.stop();
    await this.dropMute();
    await this.normalBus.unplug();
    await this.edlBus.unplug();
  }
}
