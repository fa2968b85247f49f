/**
 * The store's public face: `openStore(path, {readonly})` and the Store it returns. See store.ts for
 * the SQLite settings and db/migrations/ for the schema.
 */
export { openStore, Store, RUNNER_STALE_MS, TRIAL_STATES, runnerAlive, isStoreError, checkDatabasePath, type OpenStoreOptions } from './store.js';
export { checkFreeSpace, DEFAULT_MIN_FREE_MB } from './disk.js';
export type * from './types.js';
