// Download mode is green only when the module answers. For every module in EDL the service
// listens once per enumeration for its greeting (flows/edl-greeting.ts): a boot ROM's Sahara
// HELLO or a running programmer. A module that enumerated silent (the user's first suspend) is
// told apart from one that talks, and the wizard says so at once. One listen at a time, never
// while an operation holds the module, and anything about to open the EDL device waits for it.

import type { DeviceState, DeviceSummary, GreetingView } from '../../shared/api.js';
import type { Greeting } from '../flows/edl-greeting.js';

export interface GreetingWatchDeps {
  /** Listen (bounded) to the EDL device `d` for up to listenMs. */
  listen(d: DeviceSummary, listenMs: number): Promise<Greeting>;
  /** One value per enumeration of the device (a new one after it re-enumerates). */
  enumeration(d: DeviceSummary): string;
  /** True while an operation holds the modem: no listening then. */
  busy(): boolean;
  /** A listen ended: look at the devices again. */
  changed(): void;
  onLog?(message: string): void;
  /** What is there while the module is silent (default "05c6:9008 is on the bus"; a named serial port says so). */
  subject?(d: DeviceSummary): string | undefined;
  /** How long a module has to greet (default 4 s: a real PBL greets at once after enumerating). */
  listenMs?: number;
}

const ON_BUS = '05c6:9008 is on the bus';

const CHECKING: GreetingView = { state: 'checking', detail: "Listening for the module's greeting…" };

export function greetingView(g: Greeting, subject = ON_BUS): GreetingView {
  if (g.answered)
    return {
      state: 'answered',
      detail:
        g.by === 'boot ROM'
          ? `The module's boot ROM answered (Sahara HELLO, version ${g.saharaVersion}): it is ready to be flashed.`
          : 'A programmer from an earlier run is running on the module and answers: it is ready to be flashed.',
    };
  return {
    state: 'silent',
    detail: `${subject}, but the module has not greeted: ${g.why}. Nothing has been written. Suspend and resume the computer once more (or switch its USB port off and on): some modules only greet after a second power cycle.`,
  };
}

export class GreetingWatch {
  private readonly heard = new Map<string, { key: string; view: GreetingView }>();
  private inFlight: Promise<void> | undefined;

  constructor(private readonly deps: GreetingWatchDeps) {}

  /** Put what was heard on the EDL devices of `state`; start a listen for one not heard yet. */
  annotate(state: DeviceState): void {
    const edl = state.devices.filter((d) => d.mode === 'edl');
    for (const id of [...this.heard.keys()]) if (!edl.some((d) => d.id === id)) this.heard.delete(id);
    for (const d of edl) {
      const key = this.deps.enumeration(d);
      const seen = this.heard.get(d.id);
      if (seen && seen.key === key) {
        d.greeting = seen.view;
        continue;
      }
      if (this.inFlight || this.deps.busy()) continue;
      this.heard.set(d.id, { key, view: CHECKING });
      d.greeting = CHECKING;
      this.inFlight = this.listen(d, key).finally(() => {
        this.inFlight = undefined;
        this.deps.changed();
      });
    }
  }

  /** Forget what was heard (after a power cycle: the module is listened to again). */
  forget(): void {
    this.heard.clear();
  }

  /** Wait for a listen in progress to end (it holds the EDL device for a few seconds at most). */
  async settle(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
  }

  private async listen(d: DeviceSummary, key: string): Promise<void> {
    let view: GreetingView;
    const subject = this.deps.subject?.(d) ?? ON_BUS;
    try {
      view = greetingView(await this.deps.listen(d, this.deps.listenMs ?? 4000), subject);
    } catch (e) {
      view = {
        state: 'silent',
        detail: `${subject}, but it could not be listened to (${e instanceof Error ? e.message : String(e)}). Nothing has been written.`,
      };
    }
    this.deps.onLog?.(`Download mode: ${view.detail}`);
    const now = this.heard.get(d.id);
    if (now?.key === key) this.heard.set(d.id, { key, view });
  }
}
