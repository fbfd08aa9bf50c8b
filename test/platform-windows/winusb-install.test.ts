import { describe, expect, it } from 'vitest';
import {
  installWinUsbDriver,
  winUsbInstallCommand,
  type WindowsRun,
  type WindowsRunResult,
} from '../../src-main/platform/windows/winusb-install.js';

const INF = 'C:\\Program Files\\Modem Rescue\\resources\\windows\\modem-rescue-winusb.inf';
const answer =
  (r: WindowsRunResult | undefined): WindowsRun =>
  async () =>
    r;

describe('winUsbInstallCommand', () => {
  it('builds the exact elevated command line, the path quoted for Start-Process', () => {
    expect(winUsbInstallCommand(INF)).toEqual({
      cmd: 'powershell.exe',
      args: [
        '-NoProfile',
        '-NonInteractive',
        '-ExecutionPolicy',
        'Bypass',
        '-Command',
        `$p = Start-Process -FilePath 'pnputil.exe' -ArgumentList '/add-driver', '"${INF}"', '/install' -Verb RunAs -Wait -PassThru -WindowStyle Hidden; exit $p.ExitCode`,
      ],
    });
  });

  it('keeps a path with an apostrophe or $ literal inside the single-quoted PowerShell string', () => {
    const script = winUsbInstallCommand("C:\\Users\\O'Brien\\$x\\Modem Rescue\\a.inf").args.at(-1)!;
    expect(script).toContain(`'"C:\\Users\\O''Brien\\$x\\Modem Rescue\\a.inf"'`);
  });

  it('refuses paths that could break out of the PowerShell string or are not absolute .inf files', () => {
    for (const bad of [
      'C:\\x\\it\u2019s.inf',
      'C:\\x\\a".inf',
      'relative\\a.inf',
      'C:\\x\\a.exe',
      'C:\\x\\a\n.inf',
      '\\\\server\\share\\a.inf',
    ]) {
      expect(() => winUsbInstallCommand(bad), bad).toThrow(/Refusing/);
    }
  });
});

describe('installWinUsbDriver: what pnputil and the admin prompt answer', () => {
  const opts = { timeoutMs: 1000 };

  it('succeeds on 0, and says when Windows wants a restart (3010)', async () => {
    await expect(installWinUsbDriver(answer({ code: 0, stdout: '', stderr: '' }), INF, opts)).resolves.toEqual({
      rebootRequired: false,
    });
    await expect(installWinUsbDriver(answer({ code: 3010, stdout: '', stderr: '' }), INF, opts)).resolves.toEqual({
      rebootRequired: true,
    });
  });

  it('a declined administrator prompt is a clear error that offers Zadig', async () => {
    const declined = {
      code: 1,
      stdout: '',
      stderr: 'Start-Process : This command cannot be run due to the error: The operation was canceled by the user.',
    };
    await expect(installWinUsbDriver(answer(declined), INF, opts)).rejects.toMatchObject({
      code: 'HOST_PERMISSION',
      message: expect.stringMatching(/administrator prompt was declined/),
      nextStep: expect.stringMatching(/answer Yes.*Zadig/s),
    });
  });

  it('an unsigned package (0xE000022F) and other pnputil failures point to Zadig', async () => {
    await expect(
      installWinUsbDriver(answer({ code: -536870353, stdout: '', stderr: '' }), INF, opts),
    ).rejects.toMatchObject({ message: expect.stringMatching(/not signed/), nextStep: expect.stringMatching(/Zadig/) });
    await expect(installWinUsbDriver(answer({ code: 259, stdout: '', stderr: '' }), INF, opts)).rejects.toMatchObject({
      message: expect.stringMatching(/no connected device took it/),
    });
    await expect(
      installWinUsbDriver(answer({ code: 5, stdout: '', stderr: 'Access is denied.' }), INF, opts),
    ).rejects.toMatchObject({ message: expect.stringMatching(/exited with 5 \(Access is denied\.\)/) });
  });

  it('no PowerShell: says so', async () => {
    await expect(installWinUsbDriver(answer(undefined), INF, opts)).rejects.toMatchObject({
      code: 'HOST_TOOL_MISSING',
    });
  });

  it('a prompt left open is bounded by the timeout, and the wait can be cancelled', async () => {
    const never: WindowsRun = () => new Promise(() => undefined);
    await expect(installWinUsbDriver(never, INF, { timeoutMs: 30 })).rejects.toMatchObject({
      code: 'HOST_PERMISSION',
      message: expect.stringMatching(/administrator prompt may still be open/),
    });
    const ac = new AbortController();
    const p = installWinUsbDriver(never, INF, { timeoutMs: 10_000, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
