/**
 * Multi-threaded wasm (SIMD + threads) under Node.
 *
 * tfjs-backend-wasm 4.x turns threads off in Node (tensorflow/tfjs#3830): its emscripten pthread
 * workers are started from blob: URLs, which Node's worker_threads cannot load. While the backend
 * initializes, this module
 *   - captures the Blob holding the module factory script and the one holding the pthread worker
 *     script, writes both to a content-addressed folder under the OS temp dir, and hands emscripten
 *     the worker's file path instead of a blob: URL (the worker script is patched to load the factory
 *     from its file too);
 *   - reports twice the wanted thread count as the number of CPUs, because the backend sizes XNNPACK's
 *     pool as min(asked, logical cores / 2, 8).
 * Everything it changes is restored when initialization ends. If the bundled scripts ever stop
 * matching what is patched here, initialization fails with an error and the caller falls back to
 * single-threaded wasm.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

const WORKER_MARKER = 'WasmBackendModuleThreadedSimd(Module)';
const FACTORY_PREFIX = 'var WasmBackendModuleThreadedSimd';
/** How the worker script loads a factory passed as a Blob; replaced by loading it from a file. */
const WORKER_BLOB_IMPORT = 'var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)';
/** Module-scope names of the rollup bundle that the factory's source text refers to. */
const FACTORY_PRELUDE =
  "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks'),require$$4=require('os'),commonjsGlobal=globalThis;\n";

export async function withWasmThreadsEnabled<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const OriginalBlob = globalThis.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;
  const texts = new WeakMap<Blob, string>();
  let factoryText: string | null = null;
  let failure: Error | null = null;

  class CapturingBlob extends OriginalBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const parts = args[0];
      if (Array.isArray(parts) && parts.every((p) => typeof p === 'string')) {
        const text = (parts as string[]).join('');
        texts.set(this, text);
        if (text.startsWith(FACTORY_PREFIX)) factoryText = text;
      }
    }
  }

  globalThis.Blob = CapturingBlob as typeof Blob;
  URL.createObjectURL = (blob: Blob): string => {
    const text = texts.get(blob);
    if (text === undefined || !text.includes(WORKER_MARKER)) return originalCreateObjectURL(blob);
    try {
      return writeThreadScripts(text, factoryText);
    } catch (e) {
      failure = e as Error;
      throw e;
    }
  };
  os.cpus = () => Array.from({ length: 2 * threads }, () => originalCpus()[0]);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  try {
    const result = await init();
    if (failure) throw failure;
    return result;
  } finally {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
  }
}

/** Writes the factory and the patched pthread worker script; returns the worker script's path. */
function writeThreadScripts(workerText: string, factoryText: string | null): string {
  if (factoryText === null) throw new Error('the wasm module factory script was not seen before its worker script');
  if (!workerText.includes(WORKER_BLOB_IMPORT)) throw new Error('the wasm pthread worker script has an unexpected shape');
  const factory = FACTORY_PRELUDE + factoryText;
  const dir = join(os.tmpdir(), `dse-tfjs-wasm-${createHash('sha256').update(factory).update(workerText).digest('hex').slice(0, 16)}`);
  const factoryPath = join(dir, 'factory.cjs');
  const workerPath = join(dir, 'worker.cjs');
  const worker = workerText.replace(WORKER_BLOB_IMPORT, `importScripts(${JSON.stringify(factoryPath)})`);
  mkdirSync(dir, { recursive: true });
  writeOnce(factoryPath, factory);
  writeOnce(workerPath, worker);
  return workerPath;
}

/** Content-addressed, so an existing file is already right; a new one is written atomically. */
function writeOnce(path: string, text: string): void {
  if (existsSync(path)) return;
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
