// Option parsing shared by the commands, with usage errors that say what was wrong.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RescueError } from '../../shared/errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(args: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new RescueError('USAGE', e instanceof Error ? e.message : String(e));
  }
}

export function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new RescueError('USAGE', `--${name} must be a whole number, not "${value}".`);
  return Number(value);
}
