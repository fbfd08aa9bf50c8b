// The bench view's store: each module's events reach its own row only, a row's state follows its
// own run, "flash all" is gated on what it needs, and a module restarting after its flash keeps its
// row; module events never touch the single Flash step's progress.

import { beforeEach, describe, expect, it } from 'vitest';
import type { DeviceState, DeviceSummary, FleetView, PackageView } from '../../shared/api.js';
import type { EngineEvent } from '../../shared/events.js';
import {
  applyModuleEvent,
  benchList,
  canFlashAll,
  rowState,
  useBench,
  type BenchRows,
} from '../../src-renderer/store/bench.js';
import { handleEvent } from '../../src-renderer/store/actions.js';
import { EMPTY_PROGRESS } from '../../src-renderer/store/flash-progress.js';
import { useRun } from '../../src-renderer/store/run.js';
import { progressEvent } from '../helpers/events.js';

const phase: EngineEvent = { type: 'phase', phase: 'program', message: 'Writing' };
const okResult: EngineEvent = { type: 'result', ok: true, seconds: 5, bytes: 100, summary: 'done' };

function device(id: string, mode: DeviceSummary['mode']): DeviceSummary {
  return { id, mode, name: `EC25 ${id}`, vidPid: '05c6:9008', explanation: '', ports: {}, demo: true };
}
function state(...devices: DeviceSummary[]): DeviceState {
  return { usbAvailable: true, devices, demo: true, updatedAt: 1 };
}
const flashable = { flashable: true, moduleMatch: 'yes' } as PackageView;

describe('bench rows', () => {
  it('folds each module’s events into its own row only', () => {
    let rows: BenchRows = {};
    rows = applyModuleEvent(rows, 'demo-1', phase);
    rows = applyModuleEvent(rows, 'demo-1', progressEvent(50, 100));
    rows = applyModuleEvent(rows, 'demo-2', phase);
    rows = applyModuleEvent(rows, 'demo-2', progressEvent(10, 100));
    rows = applyModuleEvent(rows, 'demo-2', { type: 'recovery', action: 'reopen', message: 'The modem dropped off' });
    rows = applyModuleEvent(rows, 'demo-1', okResult);
    expect(rows['demo-1']!.percent).toBe(100);
    expect(rows['demo-2']!.percent).toBe(10);
    expect(rows['demo-1']!.recovery).toBeUndefined();
    expect(rows['demo-2']!.recovery).toMatchObject({ message: 'The modem dropped off', count: 1 });
    expect(rowState(rows['demo-1'])).toBe('done');
    expect(rowState(rows['demo-2'])).toBe('flashing');
  });

  it('says idle, stalled and failed as the module’s own run is', () => {
    expect(rowState(undefined)).toBe('idle');
    expect(rowState(EMPTY_PROGRESS)).toBe('idle');
    let rows = applyModuleEvent({}, 'm', phase);
    rows = applyModuleEvent(rows, 'm', progressEvent(10, 100, true));
    expect(rowState(rows.m)).toBe('stalled');
    rows = applyModuleEvent(rows, 'm', {
      type: 'result',
      ok: false,
      seconds: 3,
      error: { code: 'DEVICE_STALLED', category: 'device', message: 'It hung.', nextStep: 'Replug it.' },
    });
    expect(rowState(rows.m)).toBe('failed');
  });

  it('keeps the row of a module of the run that is off the bus (restarting), named from the result', () => {
    const result: FleetView = {
      seconds: 6,
      modules: [{ id: 'demo-2', name: 'EC25 #2', serial: '42', ok: true, seconds: 5 }],
    };
    const rows = benchList(state(device('demo-1', 'normal')), ['demo-1', 'demo-2'], result);
    expect(rows.map((r) => [r.device.id, r.present, r.device.name, r.device.serial])).toEqual([
      ['demo-1', true, 'EC25 demo-1', undefined],
      ['demo-2', false, 'EC25 #2', '42'],
    ]);
    // The row keeps its place in the run's order while its module is away; others come after.
    const away = benchList(state(device('demo-2', 'normal'), device('usb-1', 'edl')), ['demo-1', 'demo-2'], result);
    expect(away.map((r) => [r.device.id, r.present])).toEqual([
      ['demo-1', false],
      ['demo-2', true],
      ['usb-1', true],
    ]);
  });
});

describe('flash all gate', () => {
  it('needs a flashable package, a module in download mode and an idle engine', () => {
    const edl = state(device('demo-1', 'edl'), device('demo-2', 'normal'));
    expect(canFlashAll(edl, flashable, false)).toEqual({ ok: true });
    expect(canFlashAll(edl, flashable, true)).toEqual({ ok: false, why: 'busy' });
    expect(canFlashAll(edl, undefined, false)).toEqual({ ok: false, why: 'no-package' });
    expect(canFlashAll(edl, { ...flashable, moduleMatch: 'no' }, false)).toEqual({ ok: false, why: 'not-flashable' });
    expect(canFlashAll(state(device('demo-2', 'normal')), flashable, false)).toEqual({
      ok: false,
      why: 'none-in-edl',
    });
  });
});

describe('events from the engine', () => {
  beforeEach(() => {
    useBench.setState({ rows: {}, running: [], result: undefined, expanded: [] });
    useRun.getState().resetProgress();
  });

  it('a tagged event goes to its bench row; an untagged one to the Flash step, as before', () => {
    handleEvent({ type: 'engine', event: phase, module: 'demo-3' });
    handleEvent({ type: 'engine', event: progressEvent(30, 100), module: 'demo-3' });
    expect(useBench.getState().rows['demo-3']!.percent).toBe(30);
    expect(useRun.getState().progress.percent).toBe(0);
    handleEvent({ type: 'engine', event: progressEvent(70, 100) });
    expect(useRun.getState().progress.percent).toBe(70);
    expect(useBench.getState().rows['demo-3']!.percent).toBe(30);
  });

  it('a new run empties the rows of its modules and keeps the others', () => {
    handleEvent({ type: 'engine', event: progressEvent(30, 100), module: 'demo-1' });
    handleEvent({ type: 'engine', event: progressEvent(60, 100), module: 'demo-2' });
    useBench.getState().start(['demo-1']);
    expect(useBench.getState().rows['demo-1']).toEqual(EMPTY_PROGRESS);
    expect(useBench.getState().rows['demo-2']!.percent).toBe(60);
    expect(useBench.getState().running).toEqual(['demo-1']);
  });
});
