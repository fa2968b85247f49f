import type { Command } from 'commander';

// Placeholder until this command's owner lands it; see the issue that owns it.
export function registerData(_program: Command): void {}
