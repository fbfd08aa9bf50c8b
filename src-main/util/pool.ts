// Run many independent device requests with a bounded number in flight. The first failure stops
// new work; requests already sent are awaited, then that first error is thrown.

import { throwIfAborted } from './deadline.js';

export async function runPool(
  count: number,
  concurrency: number,
  signal: AbortSignal | undefined,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < count) {
      const i = next++;
      try {
        throwIfAborted(signal);
        await work(i);
      } catch (e) {
        if (!failed) {
          failed = true;
          firstError = e;
        }
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let k = 0; k < Math.max(1, Math.min(concurrency, count)); k++) workers.push(worker());
  await Promise.all(workers);
  if (failed) throw firstError;
}
