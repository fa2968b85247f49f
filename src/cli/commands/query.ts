import type { Command } from 'commander';

// Placeholder until this command's owner lands it; see the issue that owns it.
export function registerQuery(_program: Command): void {}
