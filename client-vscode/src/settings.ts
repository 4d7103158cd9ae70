// What the server sees of the `grok` settings section.

/** Keys of the `grok` section that the server must not receive: the extension's own, and a key someone typed into settings.json anyway. */
const CLIENT_ONLY = new Set(['server', 'trace', 'apiKey']);

/**
 * The `grok` section as plain JSON (a `WorkspaceConfiguration` or a configuration answer), minus
 * the extension-only keys and any `apiKey`: the key reaches the server only through its environment.
 */
export function serverSettings(section: unknown): Record<string, unknown> {
  const plain: unknown = JSON.parse(JSON.stringify(section ?? {}));
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return {};
  }
  return Object.fromEntries(Object.entries(plain).filter(([key]) => !CLIENT_ONLY.has(key)));
}
