// After tsc: make the dse bin executable (tsc writes it without the exec bit) and emit the op
// manifest the Python engine reads (src/space/manifest.ts -> dist/manifest.json).
import { chmodSync, writeFileSync } from 'node:fs';
import { opManifest } from '../dist/src/space/manifest.js';

chmodSync('dist/src/cli/index.js', 0o755);
writeFileSync('dist/manifest.json', `${JSON.stringify(opManifest(), null, 2)}\n`);
