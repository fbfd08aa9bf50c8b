import { execFileSync } from 'node:child_process';

/** socat is needed for pseudo-terminal tests; CI installs it (.ci/run). */
export function socatAvailable(): boolean {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI) throw new Error('socat is missing on CI: .ci/run must install it');
    return false;
  }
}
