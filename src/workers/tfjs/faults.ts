/**
 * Fault injection for tests, with the torch engine's conventions (src/workers/torch/trainer.py):
 * a request's `test_fault` field, or DSE_TEST_FAULT=KIND[@TRIAL_ID] in the environment, picks
 *   nan    the loss becomes NaN (the trial fails with a non-finite loss)
 *   raise  an Error is thrown (the trial fails with its stack)
 *   crash  an uncaught exception kills the worker thread (piscina replaces it)
 *   exit   the worker thread exits (process.exit(3) in a worker ends only that thread)
 *   hang   the training step blocks forever (for abort tests)
 * It fires at the first step of the second epoch (of the first when there is only one).
 */
import type { TrainRequest } from '../engine.js';

export const FAULT_KINDS = ['nan', 'raise', 'crash', 'exit', 'hang'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export function faultFor(req: TrainRequest): FaultKind | null {
  let kind = (req as TrainRequest & { test_fault?: string }).test_fault;
  if (!kind) {
    const spec = process.env.DSE_TEST_FAULT ?? '';
    if (!spec) return null;
    const [k, only] = spec.split('@', 2);
    if (only && only !== req.trial_id) return null;
    kind = k;
  }
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown test fault "${kind}" (known: ${FAULT_KINDS.join(', ')})`);
  return kind as FaultKind;
}

/** Fires a fault; resolves true when the step's loss should be poisoned with NaN. */
export async function fireFault(kind: FaultKind): Promise<boolean> {
  process.stderr.write(`dse-tfjs: injecting test fault: ${kind}\n`);
  switch (kind) {
    case 'nan':
      return true;
    case 'raise':
      throw new Error('injected test fault (DSE_TEST_FAULT=raise)');
    case 'crash':
      setImmediate(() => {
        throw new Error('injected test fault (DSE_TEST_FAULT=crash): uncaught exception in the worker thread');
      });
      // Yield a macrotask so that the uncaught exception ends the thread before training goes on.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      throw new Error('injected crash did not end the thread');
    case 'exit':
      process.exit(3);
    // eslint-disable-next-line no-fallthrough
    case 'hang':
      for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}
