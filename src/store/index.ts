/**
 * The store's public face: `openStore(path, {readonly})` and the Store it returns. See open.ts for opening
 * a file, store.ts for the SQLite settings and db/migrations/ for the schema.
 */
export { Store, RUNNER_STALE_MS, TRIAL_STATES, runnerAlive, isStoreError } from './store.js';
export { openStore, checkDatabasePath, type OpenStoreOptions } from './open.js';
export { checkFreeSpace, DEFAULT_MIN_FREE_MB } from './disk.js';
export type * from './types.js';
