// The wizard's run: where the person is, what is busy, and what each step produced.

import { create } from 'zustand';
import {
  STEP_IDS,
  type ApiMethod,
  type BackupView,
  type FinishView,
  type FlashView,
  type PackageView,
  type PickKind,
  type PlatformCheck,
  type RestoreView,
  type StepId,
} from '../../shared/api.js';
import type { EngineEvent } from '../../shared/events.js';
import type { ErrorReport } from '../../shared/errors.js';
import { applyEngineEvent, EMPTY_PROGRESS, type FlashProgress } from './flash-progress.js';

export interface RunStore {
  step: StepId;
  /** Connected to the engine (always true in Electron); undefined until the first attempt ends. */
  connected: boolean | undefined;
  /** What the engine says it is doing (busy events), and what this page is waiting for. */
  engineBusy: ApiMethod | undefined;
  pending: ApiMethod | undefined;
  lastError: ErrorReport | undefined;
  checks: PlatformCheck[] | undefined;
  backupFolder: string;
  backup: BackupView | undefined;
  backupSkipUnderstood: boolean;
  edlRequested: boolean;
  packagePath: string;
  packageView: PackageView | undefined;
  /** Typed to flash a package made for another module (PackageView.overrideWord). */
  overrideTyped: string;
  flash: FlashView | undefined;
  /** A flash was started in this session: until then the Flash step shows no progress (events of other steps do not count). */
  flashStarted: boolean;
  progress: FlashProgress;
  finish: FinishView | undefined;
  /** The last calibration restore or its dry run. */
  restore: RestoreView | undefined;
  reportPath: string | undefined;
  /** The bench view (several modules at once) is shown instead of the step. */
  benchOpen: boolean;
  /** The help page is open, at this step's section. */
  help: StepId | undefined;
  /** A QCN file chosen for the restore (default: this session's backup). */
  restoreFile: string;
  /** Files being sent to the local server (browser mode's picker). */
  upload: { what: PickKind; sent: number; total: number; files: number } | undefined;

  goTo(step: StepId): void;
  next(): void;
  back(): void;
  engineEvent(e: EngineEvent): void;
  resetProgress(): void;
  patch(p: Partial<Omit<RunStore, 'goTo' | 'next' | 'back' | 'engineEvent' | 'resetProgress' | 'patch'>>): void;
}

export function stepAfter(step: StepId, delta: 1 | -1): StepId {
  const i = STEP_IDS.indexOf(step);
  return STEP_IDS[Math.max(0, Math.min(STEP_IDS.length - 1, i + delta))] ?? step;
}

export const useRun = create<RunStore>()((set, get) => ({
  step: 'connect',
  connected: undefined,
  engineBusy: undefined,
  pending: undefined,
  lastError: undefined,
  checks: undefined,
  backupFolder: '',
  backup: undefined,
  backupSkipUnderstood: false,
  edlRequested: false,
  packagePath: '',
  packageView: undefined,
  overrideTyped: '',
  flash: undefined,
  flashStarted: false,
  progress: EMPTY_PROGRESS,
  finish: undefined,
  restore: undefined,
  reportPath: undefined,
  restoreFile: '',
  upload: undefined,
  help: undefined,
  benchOpen: false,

  goTo: (step) => set({ step, lastError: undefined, benchOpen: false }),
  next: () => set({ step: stepAfter(get().step, 1), lastError: undefined }),
  back: () => set({ step: stepAfter(get().step, -1), lastError: undefined }),
  engineEvent: (e) => set({ progress: applyEngineEvent(get().progress, e) }),
  resetProgress: () => set({ progress: EMPTY_PROGRESS }),
  patch: (p) => set(p),
}));

/** The QCN file a restore uses: the one chosen, else this session's backup. */
export function restoreFileOf(s: Pick<RunStore, 'restoreFile' | 'backup'>): string | undefined {
  return s.restoreFile.trim() || s.backup?.path;
}

/** Whether anything is running (the page's own call, or the engine's). */
export function isBusy(s: Pick<RunStore, 'engineBusy' | 'pending'> & { upload?: unknown }): boolean {
  return s.engineBusy !== undefined || s.pending !== undefined || s.upload !== undefined;
}
