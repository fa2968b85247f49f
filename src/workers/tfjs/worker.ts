/**
 * The piscina worker of a tfjs slot (one thread per slot). Tasks:
 *   {kind: 'init'}   initialize the backend; answers its BackendInfo
 *   {kind: 'train'}  run one trial; per-epoch metrics go out on `port` as they happen (a piscina task
 *                    returns one value), the TrainResult is the task's value
 * A backend that cannot be initialized answers {unavailable: message} rather than throwing, so the
 * slot can tell "this engine cannot run here" from a failed trial.
 */
import type { MessagePort } from 'node:worker_threads';
import type { TrainRequest, TrainResult } from '../engine.js';
import { type BackendChoice, type BackendInfo, initBackend } from './backend.js';
import { trainTrial } from './train.js';

export interface InitTask {
  kind: 'init';
  backend: BackendChoice;
  threads: number;
}

export interface TrainTask {
  kind: 'train';
  backend: BackendChoice;
  threads: number;
  worker: string;
  request: TrainRequest;
  port: MessagePort;
}

export type WorkerAnswer = { info: BackendInfo } | { unavailable: string } | { result: TrainResult };

export default async function runTask(task: InitTask | TrainTask): Promise<WorkerAnswer> {
  let info: BackendInfo;
  try {
    info = await initBackend(task.backend, task.threads);
  } catch (e) {
    if (task.kind === 'train') task.port.close();
    return { unavailable: (e as Error).message };
  }
  if (task.kind === 'init') return { info };
  try {
    const result = await trainTrial(task.request, { device: info.device, worker: task.worker, onEpoch: (m) => task.port.postMessage(m) });
    return { result };
  } finally {
    task.port.close();
  }
}
