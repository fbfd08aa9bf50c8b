// The command table. One file per command; each exports a CommandSpec.

import type { CommandSpec } from '../io.js';
import { atCommand } from './at.js';
import { backupCommand } from './backup.js';
import { demoCommand } from './demo.js';
import { detectCommand } from './detect.js';
import { doctorCommand } from './doctor.js';
import { enterEdlCommand } from './enter-edl.js';
import { flashCommand } from './flash.js';
import { infoCommand } from './info.js';
import { packageInspectCommand } from './package-inspect.js';
import { qcnDumpCommand } from './qcn-dump.js';
import { restoreCommand } from './restore.js';
import { serveCommand } from './serve.js';
import { simMakePackageCommand } from './sim-make-package.js';
import { simCommand } from './sim.js';
import { snapshotCommand } from './snapshot.js';
import { undoCommand } from './undo.js';

export const COMMANDS: CommandSpec[] = [
  detectCommand,
  doctorCommand,
  infoCommand,
  flashCommand,
  snapshotCommand,
  undoCommand,
  packageInspectCommand,
  atCommand,
  enterEdlCommand,
  backupCommand,
  restoreCommand,
  qcnDumpCommand,
  simCommand,
  simMakePackageCommand,
  demoCommand,
  serveCommand,
];
