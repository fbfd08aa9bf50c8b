// modem-rescue demo: make a package, start the virtual modem, flash it, and prove the result.
// Shows what a real run looks like without a modem.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CODES, RescueError } from '../../../shared/errors.js';
import { flashPackage } from '../../flows/flash.js';
import { loadPackage } from '../../package/load.js';
import { SerialOpener } from '../../transport/serial.js';
import type { PipeOpener } from '../../transport/transport.js';
import { makePackage } from '../../sim/make-package.js';
import { MemoryBus } from '../../sim/memory-bus.js';
import { auditNand } from '../../sim/nand-audit.js';
import { PtyPort } from '../../sim/pty-port.js';
import type { SimPort } from '../../sim/sim-port.js';
import { VirtualModem, waitForState } from '../../sim/virtual-modem.js';
import { intOption, parse } from '../args.js';
import { chooseViewMode, EventView, formatBytes } from '../event-view.js';
import type { CliIo, CommandSpec } from '../io.js';
import { checkModel, parseFaults } from './sim.js';

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    {
      model: { type: 'string' },
      size: { type: 'string' },
      seed: { type: 'string' },
      pty: { type: 'boolean' },
      fault: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      keep: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
    },
    false,
  );
  const model = checkModel(values.model);
  const faults = parseFaults(values.fault);
  const view = new EventView(io, chooseViewMode(io, Boolean(values.json)), Boolean(values.verbose));
  const work = await mkdtemp(join(tmpdir(), 'modem-rescue-demo-'));
  let modem: VirtualModem | undefined;
  try {
    view.line(`Making a ${model} firmware package in ${work} ...`);
    const made = await makePackage({
      model,
      outDir: join(work, 'package'),
      sizeMiB: intOption(values.size, 'size', 24),
      seed: intOption(values.seed, 'seed', 1),
    });
    let port: SimPort;
    let opener: PipeOpener;
    if (values.pty) {
      const pty = new PtyPort({ hostPath: join(work, 'ttyEDL') });
      port = pty;
      opener = new SerialOpener(pty.hostPath);
    } else {
      const bus = new MemoryBus();
      port = bus;
      opener = bus.opener;
    }
    modem = new VirtualModem(
      {
        model,
        faults,
        stateDir: join(work, 'modem'),
        onLog: (m) => view.sink({ type: 'log', level: 'debug', message: `[virtual modem] ${m}` }),
      },
      port,
    );
    await modem.start();
    view.line(`Virtual ${modem.model.displayName} is in EDL mode on ${port.description}.`);
    const pkg = await loadPackage(made.root, { signal: io.signal });
    try {
      await flashPackage({ package: pkg, opener, signal: io.signal, onEvent: view.sink });
      view.line("Checking the virtual modem's flash memory against the package ...");
      const audit = await auditNand(
        {
          nandPath: join(work, 'modem', 'nand.bin'),
          pageSize: modem.model.pageSize,
          pagesPerBlock: modem.model.pagesPerBlock,
          totalBlocks: modem.nand.totalBlocks,
          badBlocks: modem.nand.badBlocks,
        },
        pkg.plan,
        modem.nand.totalBlocks,
      );
      if (!audit.ok) throw new RescueError('VERIFY_MISMATCH', audit.problems.join('; '));
      view.line(`nand.bin holds every image byte for byte (${formatBytes(audit.checkedBytes)} checked).`);
    } finally {
      await pkg.dispose();
    }
    const booted = await waitForState(modem, 'booted', 5000);
    view.line(
      booted
        ? `The virtual modem restarted and booted firmware ${modem.model.firmware}.`
        : 'The virtual modem did not boot after the reset.',
    );
    return booted ? EXIT_CODES.ok : EXIT_CODES.device;
  } finally {
    await modem?.stop().catch(() => {});
    if (!values.keep) await rm(work, { recursive: true, force: true });
    else view.line(`Kept ${work}`);
  }
}

export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'Make a package, start the virtual modem and flash it: a real run without hardware',
  usage: 'demo [--model ec25|eg25g] [--size MIB] [--pty] [--fault F]... [--json] [--keep]',
  run,
};
