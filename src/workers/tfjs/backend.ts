/**
 * Backend selection for the tfjs engine, once per thread.
 *
 *   tensorflow  @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node when installed (optional dependencies;
 *               their install downloads libtensorflow, so they are loaded with a guarded dynamic import)
 *   wasm        @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD; multi-threaded when threads > 1), with the
 *               gradient kernels it lacks (or has slow) registered by dse (./kernels.ts)
 *   cpu         @tensorflow/tfjs-backend-cpu (plain JavaScript; a last resort, ~200x slower than wasm)
 *
 * 'auto' takes the first that works, in that order. Every backend gets the gradients dse's networks
 * need (tfjs-core alone registers none) and, on cpu and wasm, dse's JavaScript channel and
 * batch-norm kernels (src/models/tfjs/channelOps.ts, batchNorm.ts).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerBatchNormKernels } from '../../models/tfjs/batchNorm.js';
import { registerChannelOps } from '../../models/tfjs/channelOps.js';
import { registerGradients } from '../../models/tfjs/gradients.js';
import { EngineUnavailableError } from '../engine.js';
import { registerWasmGradientKernels } from './kernels.js';
import { withWasmThreadsEnabled } from './wasmThreads.js';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  backend: BackendName;
  /** What TrainResult.device reports: 'tensorflow', 'tensorflow-gpu', 'wasm-simd-threads', 'wasm-simd', 'wasm' or 'cpu'. */
  device: string;
  /** Threads the backend computes with (wasm: XNNPACK's pool size; others: 1 as far as dse knows). */
  threads: number;
  /** Why a preferred backend was skipped, for the slot's log. */
  notes: string[];
}

const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

let current: { key: string; info: BackendInfo } | null = null;
let wasmConfigured = false;

/**
 * Selects and initializes a backend in this thread and makes it the active one. Calling again with
 * the same arguments returns the same answer; the wasm module itself is initialized only once per
 * thread, so its thread count is fixed by the first call that initializes it.
 */
export async function initBackend(choice: BackendChoice = 'auto', threads = 1): Promise<BackendInfo> {
  const key = `${choice}/${threads}`;
  if (current?.key === key && tf.getBackend() === current.info.backend) return current.info;
  // The cpu backend warns once, in Node, that tfjs-node would be faster; dse chooses on purpose.
  tf.env().set('PROD', true);
  registerGradients();
  registerChannelOps();
  registerBatchNormKernels();
  const notes: string[] = [];
  const order: BackendName[] = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  for (const name of order) {
    try {
      const info = await INITIALIZERS[name](threads, notes);
      current = { key, info: { ...info, notes } };
      return current.info;
    } catch (e) {
      if (choice !== 'auto') throw e instanceof EngineUnavailableError ? e : new EngineUnavailableError(`tfjs backend ${name}: ${(e as Error).message}`);
      notes.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new EngineUnavailableError(`no tfjs backend could be initialized (${notes.join('; ')})`);
}

const INITIALIZERS: Record<BackendName, (threads: number, notes: string[]) => Promise<Omit<BackendInfo, 'notes'>>> = {
  async tensorflow() {
    const loaded = await loadTfjsNode();
    if (!(await tf.setBackend('tensorflow'))) throw new EngineUnavailableError(`${loaded} is installed but its backend did not initialize`);
    return { backend: 'tensorflow', device: loaded.endsWith('-gpu') ? 'tensorflow-gpu' : 'tensorflow', threads: 1 };
  },

  async wasm(threads, notes) {
    // Configured before the first initialization only (tf.findBackend would start one as a side effect).
    if (!wasmConfigured) {
      wasmConfigured = true;
      setWasmPaths(wasmDistDir());
      if (threads > 1) {
        setThreadsCount(threads);
        const ok = await withWasmThreadsEnabled(threads, () => tf.setBackend('wasm')).catch((e: Error) => {
          notes.push(`multi-threaded wasm unavailable (${e.message}); using one thread`);
          return false;
        });
        if (!ok) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      }
    }
    if (!(await tf.setBackend('wasm'))) throw new EngineUnavailableError('the wasm backend did not initialize');
    registerWasmGradientKernels();
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const actual = getThreadsCount();
    if (threads > 1 && actual < threads) notes.push(`wasm runs ${actual} of the ${threads} threads asked for`);
    return { backend: 'wasm', device: actual > 1 ? 'wasm-simd-threads' : simd ? 'wasm-simd' : 'wasm', threads: actual };
  },

  async cpu() {
    if (!(await tf.setBackend('cpu'))) throw new EngineUnavailableError('the cpu backend did not initialize');
    return { backend: 'cpu', device: 'cpu', threads: 1 };
  },
};

/** Imports tfjs-node(-gpu) if installed; it registers the 'tensorflow' backend with the tfjs-core dse uses. */
async function loadTfjsNode(): Promise<string> {
  const failures: string[] = [];
  for (const pkg of TFJS_NODE_PACKAGES) {
    try {
      // A variable specifier keeps TypeScript from requiring the (optional) package's types.
      const specifier: string = pkg;
      await import(specifier);
    } catch (e) {
      failures.push(`${pkg}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    if (tf.findBackendFactory('tensorflow') === null) {
      throw new EngineUnavailableError(`${pkg} loaded but registered its backend with another copy of @tensorflow/tfjs-core (versions differ from ${tf.version_core})`);
    }
    return pkg;
  }
  throw new EngineUnavailableError(`tfjs-node is not installed (${failures.join('; ')})`);
}

/** The folder holding tfjs-backend-wasm's .wasm binaries, resolved from node_modules (works offline). */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}
