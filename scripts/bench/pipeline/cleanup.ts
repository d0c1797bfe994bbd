// Everything a run of the pipeline benchmark starts registers how to undo it here, so that one
// clean-up stops and deletes it all, whether the run ends, fails or is interrupted.
import { sleep } from './context.js';

/** Runs in reverse order of registration, once, on success, failure or signal. */
export const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
let cleaningUp: Promise<void> | undefined;
export function cleanUp(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const { name, run } of cleanups.splice(0).reverse()) {
      try {
        await Promise.race([
          run(),
          sleep(30_000).then(() => {
            throw new Error('timed out after 30 s');
          }),
        ]);
      } catch (error) {
        console.error(
          `! clean-up "${name}" failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  })();
  return cleaningUp;
}
