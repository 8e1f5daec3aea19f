#!/usr/bin/env node
import { type Command, parseCommandArgs, UsageError } from './args';
import { trainCommand } from './train';
import { evaluateCommand } from './evaluate';
import { predictCommand } from './predict';
import { embedCommand } from './embed';
import { pretrainCommand } from './pretrain';

const COMMANDS: Command[] = [trainCommand, evaluateCommand, predictCommand, embedCommand, pretrainCommand];

const OVERVIEW = `seqflow — recurrent text classifiers and ELMo embeddings

usage: seqflow <command> [options]     (seqflow <command> --help for its options)

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n')}

Exit codes: 0 success, 1 bad data or a failed run, 2 wrong usage.`;

/** Runs the CLI and returns its exit code (tests call this in-process). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${OVERVIEW}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`seqflow: unknown command "${name}"\n\n${OVERVIEW}\n`);
    return 2;
  }
  try {
    const values = parseCommandArgs(command, rest);
    if (values.help) {
      process.stdout.write(`usage: ${command.usage}\n`);
      return 0;
    }
    return await command.run(values);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`seqflow ${command.name}: ${err.message}\n\nusage: ${command.usage}\n`);
      return 2;
    }
    process.stderr.write(`seqflow ${command.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.SEQFLOW_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`seqflow: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
