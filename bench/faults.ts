// `npm run faults`: the fault matrix (test/helpers/fault-matrix.ts, shared with its test) with a table and a summary line.
// --quick (or FAULTS_SIZE=small) runs the subset CI can afford; --no-pty skips the pty runs;
// --programmers a,b picks the programmer profiles (default: MATRIX_PROGRAMMERS, two of them).

import { isProgrammerName, type ProgrammerName } from '../src-main/sim/programmer-profiles.js';
import { formatHeader, formatRow, MATRIX_PROGRAMMERS, runMatrix } from '../test/helpers/fault-matrix.js';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick') || process.env.FAULTS_SIZE === 'small';
  const pty = args.includes('--no-pty') ? false : undefined;
  const at = args.indexOf('--programmers');
  const named = at >= 0 ? (args[at + 1] ?? '').split(',').filter((n) => n !== '') : [...MATRIX_PROGRAMMERS];
  const bad = named.filter((n) => !isProgrammerName(n));
  if (bad.length > 0 || named.length === 0)
    throw new Error(
      `--programmers takes a comma-separated list of profiles (src-main/sim/programmer-profiles.ts); not known: ${bad.join(', ') || '(none given)'}`,
    );
  const programmers = named as ProgrammerName[];
  console.log(
    `Fault matrix (${quick ? 'quick' : 'full'}) against the programmers ${programmers.join(', ')}: every run under a hard limit of 2 minutes beyond its fault's own delay.`,
  );
  console.log(formatHeader());
  const results = await runMatrix({
    quick,
    programmers,
    ...(pty === false ? { pty } : {}),
    onResult: (r) => console.log(formatRow(r)),
  });
  const failed = results.filter((r) => !r.ok).length;
  const hangs = results.filter((r) => r.outcome === 'HANG').length;
  const recovered = results.filter((r) => r.outcome === 'recovered').length;
  console.log(
    `\n${hangs} hangs; ${recovered} recovered automatically; ${results.length - recovered - failed} ended in a clear error and resumed after a power cycle; longest run ${Math.max(...results.map((r) => r.seconds)).toFixed(1)} s.`,
  );
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
