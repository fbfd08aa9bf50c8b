// What the Prepare step says under a check: its fix (a button), or what to do by hand. Every
// Problem gets one of the two; no internal word (ok, warn, fail, found:) reaches the screen.

import type { PlatformCheck } from '../../shared/api.js';
import { T } from '../text.js';

export const STATE_WORDS = T.prepare.states;

/** Said when a Problem or a Check has neither a fix nor its own advice. */
export const GENERIC_MANUAL = T.prepare.manual;

export type Advice =
  { kind: 'fix'; fix: NonNullable<PlatformCheck['fix']> } | { kind: 'manual'; text: string } | undefined;

export function adviceFor(c: PlatformCheck): Advice {
  if (c.fix) return { kind: 'fix', fix: c.fix };
  if (c.manual) return { kind: 'manual', text: c.manual };
  if (c.state === 'fail' || c.state === 'warn') return { kind: 'manual', text: GENERIC_MANUAL };
  return undefined;
}

/** Internal words that must never be shown (a regression guard for the tests). */
export const INTERNAL_WORDS = /\(found: |\b(?:state|undefined|null)\b|\bfound: (?:ok|warn|fail|unknown)\b/;
