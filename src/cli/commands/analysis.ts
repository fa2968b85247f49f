import type { Command } from 'commander';

// Placeholder until this command's owner lands it; see the issue that owns it.
export function registerAnalysis(_program: Command): void {}
