// The bench view's state: each module's own progress, folded from the engine events tagged with
// it (the same fold as the Flash step's, flash-progress.ts, once per module), the result of the
// last "flash all", and which rows are open. The pure parts are exported for tests.

import { create } from 'zustand';
import type { DeviceState, DeviceSummary, FleetModuleView, FleetView, PackageView } from '../../shared/api.js';
import type { EngineEvent } from '../../shared/events.js';
import { applyEngineEvent, EMPTY_PROGRESS, type FlashProgress } from './flash-progress.js';

export type BenchRows = Readonly<Record<string, FlashProgress>>;

/** One module's event folded into its own row (a row appears with its first event). */
export function applyModuleEvent(rows: BenchRows, module: string, e: EngineEvent): BenchRows {
  return { ...rows, [module]: applyEngineEvent(rows[module] ?? EMPTY_PROGRESS, e) };
}

export type BenchRowState = 'idle' | 'flashing' | 'stalled' | 'done' | 'failed';

/** What a row says: its result when it has one; while it runs, stalled while no data moves, else flashing. */
export function rowState(p: FlashProgress | undefined): BenchRowState {
  if (!p || (p.phase === undefined && p.result === undefined)) return 'idle';
  if (p.result) return p.result.ok ? 'done' : 'failed';
  return p.stalled ? 'stalled' : 'flashing';
}

/** The modules "flash all" takes: those in download mode. */
export function modulesInEdl(state: DeviceState | undefined): DeviceSummary[] {
  return (state?.devices ?? []).filter((d) => d.mode === 'edl');
}

export type BenchGate = { ok: true } | { ok: false; why: 'busy' | 'no-package' | 'not-flashable' | 'none-in-edl' };

/** Whether "flash all" can start now, and if not, why. */
export function canFlashAll(state: DeviceState | undefined, view: PackageView | undefined, busy: boolean): BenchGate {
  if (busy) return { ok: false, why: 'busy' };
  if (!view) return { ok: false, why: 'no-package' };
  if (!view.flashable || view.moduleMatch === 'no') return { ok: false, why: 'not-flashable' };
  if (modulesInEdl(state).length === 0) return { ok: false, why: 'none-in-edl' };
  return { ok: true };
}

/**
 * The rows of the bench: every device on the bus and the modules of the run that are off the
 * bus right now (restarting after their flash, or dropped off): a row does not vanish, nor move,
 * while its module reboots.
 */
export function benchList(
  state: DeviceState | undefined,
  running: readonly string[],
  result: FleetView | undefined,
): { device: DeviceSummary; present: boolean }[] {
  const devices = state?.devices ?? [];
  const rows = devices.map((device) => ({ device, present: true }));
  for (const id of running) {
    if (devices.some((d) => d.id === id)) continue;
    const known = outcomeOf(result, id);
    rows.push({
      device: {
        id,
        mode: 'unknown',
        name: known?.name ?? id,
        vidPid: '',
        explanation: '',
        ports: {},
        demo: false,
        ...(known?.serial !== undefined ? { serial: known.serial } : {}),
      },
      present: false,
    });
  }
  // The run's modules in the run's order (a row keeps its place while its module restarts), then the rest.
  const place = (id: string, i: number): number => {
    const r = running.indexOf(id);
    return r >= 0 ? r : running.length + i;
  };
  return rows
    .map((r, i) => ({ r, at: place(r.device.id, i) }))
    .sort((a, b) => a.at - b.at)
    .map((x) => x.r);
}

/** A module's line of the last result, if it was in that run. */
export function outcomeOf(result: FleetView | undefined, id: string): FleetModuleView | undefined {
  return result?.modules.find((m) => m.id === id);
}

export interface BenchStore {
  rows: BenchRows;
  /** The modules of the run in progress or last run. */
  running: string[];
  result: FleetView | undefined;
  /** Rows opened to their log and error card. */
  expanded: string[];
  /** The person allowed each run to cut its own module's power if it hangs. */
  powerConsent: boolean;
  moduleEvent(module: string, e: EngineEvent): void;
  /** A new run over these modules: their rows start empty, the others keep theirs. */
  start(ids: readonly string[]): void;
  toggle(id: string): void;
  patch(p: Partial<Pick<BenchStore, 'result' | 'powerConsent' | 'expanded'>>): void;
}

export const useBench = create<BenchStore>()((set, get) => ({
  rows: {},
  running: [],
  result: undefined,
  expanded: [],
  powerConsent: false,
  moduleEvent: (module, e) => set({ rows: applyModuleEvent(get().rows, module, e) }),
  start: (ids) => {
    const rows: Record<string, FlashProgress> = { ...get().rows };
    for (const id of ids) rows[id] = EMPTY_PROGRESS;
    set({ rows, running: [...ids], result: undefined });
  },
  toggle: (id) => {
    const open = get().expanded;
    set({ expanded: open.includes(id) ? open.filter((x) => x !== id) : [...open, id] });
  },
  patch: (p) => set(p),
}));
