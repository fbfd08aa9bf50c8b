// The command table. One file per command; each exports a CommandSpec.

import type { CommandSpec } from '../io.js';

export const COMMANDS: CommandSpec[] = [];
