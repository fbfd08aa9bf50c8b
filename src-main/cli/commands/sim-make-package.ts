// `modem-rescue sim make-package`: write a firmware package for a virtual module (Quectel's
// layout, signed boot chain, md5.txt) and print its folder.

import { RescueError } from '../../../shared/errors.js';
import { MODELS, type ModelId } from '../../sim/models.js';
import { makePackage } from '../../sim/make-package.js';
import { intOption, parse } from '../args.js';
import type { CliIo, CommandSpec } from '../io.js';

export const simMakePackageCommand: CommandSpec = {
  name: 'sim make-package',
  summary: 'Write a firmware package for the virtual modem',
  usage: 'sim make-package --model ec25|eg25g --out DIR [--size MIB] [--seed N] [--factory]',
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parse(
      args,
      {
        model: { type: 'string' },
        out: { type: 'string' },
        size: { type: 'string' },
        seed: { type: 'string' },
        factory: { type: 'boolean' },
      },
      false,
    );
    const model = values.model;
    if (model === undefined || !(model in MODELS))
      throw new RescueError('USAGE', `--model must be one of ${Object.keys(MODELS).join(', ')}.`);
    if (!values.out) throw new RescueError('USAGE', '--out DIR is required.');
    const sizeMiB = intOption(values.size, 'size', 24);
    if (sizeMiB < 1 || sizeMiB > 4096) throw new RescueError('USAGE', '--size must be between 1 and 4096 MiB.');
    const made = await makePackage({
      model: model as ModelId,
      outDir: values.out,
      sizeMiB,
      seed: intOption(values.seed, 'seed', 1),
      factoryXml: values.factory === true,
    });
    io.out(`${made.root}\n`);
    return 0;
  },
};
