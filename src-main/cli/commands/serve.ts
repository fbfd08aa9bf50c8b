// modem-rescue serve [--port N] [--demo] [--state DIR] [--edl-port PATH]... [--no-open]: the wizard
// in a browser. A local server on 127.0.0.1 serves the built page and the engine's API; its address
// (with the per-run key) is the first line on stdout. Runs until Ctrl-C. Each --edl-port names a
// serial port where a module in download mode is expected (service/edl-ports.ts): it shows as a
// module in EDL beside what USB shows, for a computer whose USB listing does not show it and for
// the virtual modems of `sim --pty`.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT_CODES, RescueError } from '../../../shared/errors.js';
import { checkEdlPorts } from '../../service/edl-ports.js';
import { RescueService } from '../../service/rescue-service.js';
import { openInBrowser } from '../../web/open-browser.js';
import { defaultRendererDir, defaultStateDir, packageRoot } from '../../web/paths.js';
import { startWebServer, type ApiService } from '../../web/server.js';
import { intOption, parse } from '../args.js';
import type { CliIo, CommandSpec } from '../io.js';

export interface ServedEngine extends ApiService {
  dispose(): Promise<void>;
}

export interface ServeDeps {
  createService(opts: { stateDir: string; edlPorts: string[] }): ServedEngine;
  rendererDir(): string;
  /** Returns whether a browser was asked to open the address. */
  openBrowser(url: string): boolean;
}

const DEFAULT_DEPS: ServeDeps = {
  createService: (opts) => new RescueService(opts),
  rendererDir: defaultRendererDir,
  openBrowser: openInBrowser,
};

function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((done) => signal.addEventListener('abort', () => done(), { once: true }));
}

export function makeServeCommand(deps: ServeDeps = DEFAULT_DEPS): CommandSpec {
  return {
    name: 'serve',
    summary: 'Run the wizard in a browser: a local server on 127.0.0.1 (--demo: with the virtual EC25)',
    usage: 'serve [--port N] [--demo] [--state DIR] [--edl-port PATH]... [--no-open]',
    run: async (args: string[], io: CliIo): Promise<number> => {
      const { values } = parse(
        args,
        {
          port: { type: 'string' },
          demo: { type: 'boolean' },
          state: { type: 'string' },
          'edl-port': { type: 'string', multiple: true },
          'no-open': { type: 'boolean' },
        },
        false,
      );
      const port = intOption(values.port, 'port', 0);
      if (port > 65535) throw new RescueError('USAGE', `--port must be between 0 and 65535, not ${port}.`);
      const rendererDir = deps.rendererDir();
      if (!existsSync(join(rendererDir, 'index.html'))) {
        throw new RescueError(
          'HOST_IO',
          `The wizard's page is not built: ${join(rendererDir, 'index.html')} is missing.`,
          {
            nextStep: `Run \`npm run build\` in ${packageRoot()}, then start again.`,
          },
        );
      }
      const edlPorts = checkEdlPorts(values['edl-port'] ?? []);
      const stateDir = resolve(values.state ?? defaultStateDir());
      const service = deps.createService({ stateDir, edlPorts });
      try {
        if (values.demo) await service.call('setDemoMode', { on: true });
        const server = await startWebServer({ service, port, rendererDir, reportsDir: join(stateDir, 'reports') });
        try {
          io.out(`${server.url}\n`);
          io.err(
            'Open this address in a browser on this computer; it holds a key that changes every run. Press Ctrl-C to stop.\n',
          );
          if (values.demo) io.err('Demo mode: the virtual EC25 is connected; no real modem is touched.\n');
          if (edlPorts.length > 0)
            io.err(
              `Modules in download mode are expected on: ${edlPorts.join(', ')} (shown while each port is there).\n`,
            );
          if (!values['no-open'] && io.isTTY && deps.openBrowser(server.url))
            io.err('Asked your browser to open it.\n');
          await waitForAbort(io.signal);
          io.err('Stopping the wizard server.\n');
        } finally {
          await server.close();
        }
      } finally {
        await service.dispose();
      }
      return EXIT_CODES.ok;
    },
  };
}

export const serveCommand: CommandSpec = makeServeCommand();
