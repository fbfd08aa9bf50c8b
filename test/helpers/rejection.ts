import { RescueError } from '../../shared/errors.js';

/** The RescueError p rejects with; fails the test when p resolves or rejects with anything else. */
export async function rejection(p: Promise<unknown>): Promise<RescueError> {
  const outcome = await p.then(
    () => ({ resolved: true as const }),
    (e: unknown) => ({ resolved: false as const, e }),
  );
  if (outcome.resolved) throw new Error('expected a rejection with a RescueError, but it resolved');
  if (!(outcome.e instanceof RescueError))
    throw new Error(`expected a RescueError, got ${outcome.e instanceof Error ? outcome.e.stack : String(outcome.e)}`);
  return outcome.e;
}
