/**
 * Typed configuration from command-line flags and environment variables.
 *
 * Each role declares its options once (flag, environment variable, parser, default);
 * loadConfig validates everything at start and reports every problem at once, and
 * describeConfig gives the printable form with secrets masked.
 */

export interface OptionSpec<T> {
  /** Long flag name without dashes: `data-dir` for `--data-dir`. */
  readonly flag: string;
  /** Environment variable, e.g. SHARDDB_DATA_DIR. */
  readonly env?: string;
  readonly description: string;
  readonly parse: (raw: string) => T;
  /** Used when neither flag nor env is given; absent means required. */
  readonly default?: T;
  /** Masked when printed. */
  readonly secret?: boolean;
  /** May be left unset (its value is then undefined) although it has no default. */
  readonly optional?: boolean;
}

export type ConfigSpec<C> = { readonly [K in keyof C]: OptionSpec<C[K]> };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses `--name value` and `--name=value`; a bare `--flag` means "true". */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError([`unexpected argument "${arg}"`]);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      flags.set(arg.slice(2), argv[++i]);
    } else {
      flags.set(arg.slice(2), 'true');
    }
  }
  return flags;
}

export function loadConfig<C>(
  spec: ConfigSpec<C>,
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): C {
  const flags = parseFlags(argv);
  const problems: string[] = [];
  const known = new Set<string>();
  const out: Partial<C> = {};
  for (const key of Object.keys(spec) as (keyof C)[]) {
    const option = spec[key];
    known.add(option.flag);
    const raw = flags.get(option.flag) ?? (option.env ? env[option.env] : undefined);
    if (raw === undefined) {
      if (option.default === undefined) {
        if (option.optional) continue;
        problems.push(`--${option.flag}${option.env ? ` (or ${option.env})` : ''} is required`);
      } else {
        out[key] = option.default;
      }
      continue;
    }
    try {
      out[key] = option.parse(raw);
    } catch (err) {
      problems.push(`--${option.flag}: ${(err as Error).message}`);
    }
  }
  for (const flag of flags.keys()) {
    if (!known.has(flag)) problems.push(`unknown flag --${flag}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as C;
}

export function describeConfig<C>(spec: ConfigSpec<C>, config: C): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(spec) as (keyof C)[]) {
    const value = config[key];
    out[String(key)] = spec[key].secret && value !== undefined && value !== '' ? '***' : value;
  }
  return out;
}

// Parsers shared by every role.
export const parsers = {
  string: (raw: string): string => raw,
  nonEmpty: (raw: string): string => {
    if (raw.trim() === '') throw new Error('must not be empty');
    return raw;
  },
  int:
    (min: number, max: number) =>
    (raw: string): number => {
      if (!/^-?\d+$/.test(raw.trim())) throw new Error(`"${raw}" is not an integer`);
      const n = Number(raw);
      if (n < min || n > max) throw new Error(`${n} is outside ${min}..${max}`);
      return n;
    },
  bool: (raw: string): boolean => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new Error(`"${raw}" is not a boolean`);
  },
  /** host:port */
  address: (raw: string): string => {
    parseAddress(raw);
    return raw;
  },
  /** Comma-separated host:port list. */
  addressList: (raw: string): string[] => {
    const list = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (list.length === 0) throw new Error('needs at least one host:port');
    list.forEach(parseAddress);
    return list;
  },
};

export function parseAddress(address: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(address);
  if (!m || m[1] === '') throw new Error(`"${address}" is not host:port`);
  const port = Number(m[2]);
  if (port < 0 || port > 65535) throw new Error(`port ${port} out of range`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}

/** The cluster-secret options every role takes (one of them is required: see roleProcess.ts). */
export const secretOptions = {
  secret: {
    flag: 'secret',
    env: 'SHARDDB_CLUSTER_SECRET',
    description: 'cluster secret',
    parse: parsers.string,
    default: '',
    secret: true,
  },
  secretFile: {
    flag: 'secret-file',
    env: 'SHARDDB_CLUSTER_SECRET_FILE',
    description: 'file holding the cluster secret',
    parse: parsers.string,
    default: '',
  },
} satisfies ConfigSpec<{ secret: string; secretFile: string }>;

/** Where shards and proxies find the meta cluster. */
export const metaAddressOption = {
  flag: 'meta',
  env: 'SHARDDB_META',
  description: 'comma-separated host:port of the meta nodes',
  parse: parsers.addressList,
  default: ['127.0.0.1:7001'],
} satisfies OptionSpec<string[]>;
