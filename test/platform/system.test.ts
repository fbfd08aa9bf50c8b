// The real SystemProbe: commands are bounded, cancellable, and "not installed" is not an error.

import { describe, expect, it } from 'vitest';
import type { RescueError } from '../../shared/errors.js';
import { realSystem, runCommand } from '../../src-main/platform/system.js';

const rejection = async (p: Promise<unknown>): Promise<RescueError> => {
  try {
    await p;
  } catch (e) {
    return e as RescueError;
  }
  throw new Error('expected a rejection');
};

describe('real system probe', () => {
  it('a command that is not installed answers undefined', async () => {
    expect(await runCommand('modem-rescue-no-such-tool', [], { timeoutMs: 5000 })).toBeUndefined();
  });

  it('passes input and returns exit code and output', async () => {
    expect(await runCommand('sh', ['-c', 'cat; echo oops >&2; exit 3'], { timeoutMs: 5000, input: 'hello' })).toEqual({
      code: 3,
      stdout: 'hello',
      stderr: 'oops\n',
    });
  });

  it('a command that does not finish is stopped at its timeout', async () => {
    const e = await rejection(runCommand('sleep', ['30'], { timeoutMs: 100 }));
    expect(e.code).toBe('HOST_IO');
    expect(e.message).toMatch(/did not finish/);
  });

  it('cancelling stops the command', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect((await rejection(runCommand('sleep', ['30'], { timeoutMs: 10_000, signal: ac.signal }))).code).toBe(
      'CANCELLED',
    );
  });

  it('files: missing is undefined/empty/false, never a throw', async () => {
    const p = realSystem();
    expect(await p.readFile('/nonexistent/x')).toBeUndefined();
    expect(await p.readdir('/nonexistent')).toEqual([]);
    expect(await p.exists('/nonexistent')).toBe(false);
    expect(await p.readlink('/nonexistent')).toBeUndefined();
    expect((await rejection(p.writeFile('/nonexistent/dir/x', 'on'))).code).toBe('HOST_IO');
  });
});
