import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The trimmed value, or undefined when unset or blank. */
export function readOptional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function readRequired(env: Env, name: string): string {
  const value = readOptional(env, name);
  if (value === undefined) throw new ConfigError(name, 'not set');
  return value;
}

/** An integer in [min, max]; `fallback` when unset or blank. */
export function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = readOptional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(name, `expected an integer between ${min} and ${max}, got "${raw}"`);
  return value;
}

/** `true` or `false` (any case); `fallback` when unset or blank. */
export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = readOptional(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(name, `expected true or false, got "${env[name]?.trim()}"`);
}

/** A comma-separated list, entries trimmed, empty entries dropped. */
export function readList(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/**
 * A secret given as NAME or as a file named by NAME_FILE (a mounted secret, so it stays out of
 * the environment and `ps`). The file's trailing line breaks are dropped. Undefined when neither
 * is set. Errors name the variable and never contain the secret or the file's contents.
 */
export function readSecret(env: Env, name: string): string | undefined {
  const fileVariable = `${name}_FILE`;
  const inline = env[name] ? env[name] : undefined;
  const path = readOptional(env, fileVariable);
  if (inline !== undefined && path !== undefined)
    throw new ConfigError(name, `set both ${name} and ${fileVariable}; give only one`);
  if (path === undefined) return inline;
  const contents = readFileText(path, fileVariable).replace(/(\r?\n)+$/, '');
  if (!contents) throw new ConfigError(fileVariable, `${path} is empty`);
  return contents;
}

/**
 * Which variable gives the secret readSecret reads, NAME or NAME_FILE (NAME when both, which
 * readSecret refuses naming NAME), for messages about its value; undefined when neither is set.
 */
export function secretVariable(env: Env, name: string): string | undefined {
  if (env[name]) return name;
  return readOptional(env, `${name}_FILE`) !== undefined ? `${name}_FILE` : undefined;
}

/** A file's text; an unreadable file is a ConfigError naming `variable` and the reason (ENOENT, EACCES…). */
export function readFileText(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(variable, `cannot read ${path} (${code})`);
  }
}
