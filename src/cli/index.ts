#!/usr/bin/env node
/**
 * The dse command line. Each command lives in its own module under commands/ and registers itself
 * on the program; this file only wires them up and turns errors into one clear line.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { isUserError } from '../util/errors.js';
import { registerCx } from './commands/cx.js';
import { registerPresets } from './commands/presets.js';
import { registerSpaces } from './commands/spaces.js';
import { registerSample } from './commands/sample.js';
import { registerTrain } from './commands/train.js';
import { registerData } from './commands/data.js';
import { registerRun } from './commands/run.js';
import { registerQuery } from './commands/query.js';
import { registerAnalysis } from './commands/analysis.js';

export function buildProgram(): Command {
  const program = new Command('dse')
    .description('Design-space exploration for convolutional networks (RegNet/AnyNet), after Radosavovic et al. 2020')
    .version('0.1.0')
    // Before the commands are registered, so every subcommand inherits them: commander's errors are
    // not printed by commander but reach main(), which prints them as one line and exits 2 like any
    // other bad input.
    .configureOutput({ outputError: () => {} })
    .exitOverride();
  registerCx(program);
  registerPresets(program);
  registerSpaces(program);
  registerSample(program);
  registerTrain(program);
  registerData(program);
  registerRun(program);
  registerQuery(program);
  registerAnalysis(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A command may set its own exit status (e.g. 130 after a clean Ctrl-C stop).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      const message = e.message.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ');
      process.stderr.write(`dse: ${message} (${usageHint(program, argv)})\n`);
      return 2;
    }
    if (isUserError(e)) {
      process.stderr.write(`dse: ${(e as Error).message}\n`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`dse: internal error: ${err?.message ?? String(e)}\n`);
    if (process.env.DSE_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
    else process.stderr.write('dse: set DSE_DEBUG=1 for the stack trace, and please report it\n');
    return 1;
  }
}

/** "see dse run --help" for the command the arguments name, else "see dse --help". */
function usageHint(program: Command, argv: string[]): string {
  const name = argv.slice(2).find((a) => !a.startsWith('-'));
  const cmd = program.commands.find((c) => c.name() === name || c.aliases().includes(name ?? ''));
  return `see dse ${cmd ? `${cmd.name()} ` : ''}--help`;
}

function isEntryModule(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryModule()) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
