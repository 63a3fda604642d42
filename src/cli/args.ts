/** A small command-line parser: positionals, `--flag`, `--name value` and `--name=value`. */

/** A mistake in how a command was called; the CLI prints it with the usage and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  /** Takes a value (`--id abc`), or is a switch (`--local`). */
  value: boolean;
  help: string;
}

export interface CommandSpec {
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** How many positionals it takes: [min, max]. */
  positionals: [number, number];
}

export interface Parsed {
  positionals: string[];
  options: Record<string, string | true>;
}

export function parseArgs(command: string, spec: CommandSpec, argv: string[]): Parsed {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const option = spec.options[name];
    if (option === undefined) {
      throw new UsageError(`Unknown option --${name} for '${command}'.`);
    }
    if (!option.value) {
      options[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) {
      throw new UsageError(`Option --${name} needs a value.`);
    }
    options[name] = value;
  }
  const [min, max] = spec.positionals;
  if (positionals.length < min || positionals.length > max) {
    throw new UsageError(`'${command}' takes ${min === max ? min : `${min} to ${max}`} argument(s); usage: ${spec.usage}`);
  }
  return { positionals, options };
}

export function helpText(spec: CommandSpec): string {
  const lines = [`Usage: ${spec.usage}`, '', spec.summary];
  const entries = Object.entries(spec.options);
  if (entries.length > 0) {
    lines.push('', 'Options:');
    for (const [option, { value, help }] of entries) {
      lines.push(`  --${option}${value ? ' <value>' : ''}`.padEnd(28) + help);
    }
  }
  return lines.join('\n');
}
