// Which process to start, and with what environment. Pure but for `isExecutable`.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Launch {
  command: string;
  args: string[];
}

/**
 * `grok.server.path` (with `grok.server.args`) when set; else `grok-lsp` on PATH; else
 * `python3` (or `python`) on PATH running `-m grok_lsp`; `undefined` when there is none of these.
 */
export function findServer(
  server: { path: string; args: string[] }, // grok.server.*
  env: NodeJS.ProcessEnv,
  isExecutable: (file: string) => boolean,
  platform: NodeJS.Platform = process.platform,
): Launch | undefined {
  const find = (name: string): string | undefined => onPath(name, env, isExecutable, platform);
  const command = server.path || find('grok-lsp');
  if (command) {
    return { command, args: server.args };
  }
  const python = find('python3') ?? find('python');
  return python ? { command: python, args: ['-m', 'grok_lsp', ...server.args] } : undefined;
}

/** The first `name` on PATH, as `which` finds it (on Windows: `;`, PATHEXT, any case of `Path`). */
export function onPath(
  name: string,
  env: NodeJS.ProcessEnv,
  isExecutable: (file: string) => boolean,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const windows = platform === 'win32';
  const variable = (key: string): string | undefined =>
    env[Object.keys(env).find((k) => (windows ? k.toUpperCase() : k) === key) ?? key];
  const paths = windows ? path.win32 : path.posix;
  const suffixes = windows ? (variable('PATHEXT') ?? '.COM;.EXE;.BAT;.CMD').toLowerCase().split(';') : [''];
  const dirs = (variable('PATH') ?? '').split(paths.delimiter).filter(Boolean);
  return dirs.flatMap((dir) => suffixes.map((suffix) => paths.join(dir, name + suffix))).find(isExecutable);
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The extension host's environment, plus the key from secret storage (when set) as `XAI_API_KEY`:
 * the only way the key reaches the server (never argv, never initializationOptions). */
export function serverEnv(env: NodeJS.ProcessEnv, storedKey: string | undefined): NodeJS.ProcessEnv {
  return storedKey ? { ...env, XAI_API_KEY: storedKey } : { ...env };
}
