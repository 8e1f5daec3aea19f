/**
 * Node built-ins (and Node-only packages) loaded only when a Node-only path runs, under
 * specifiers a browser bundler does not try to resolve: the ELMo loader must also bundle
 * for web pages, where files arrive as bytes or URLs.
 */

export const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** `node:<name>`, or an error saying what needs Node. */
export async function nodeBuiltin<T>(name: string, what: string): Promise<T> {
  if (!isNode) throw new Error(`${what} needs Node; in a browser pass bytes or a URL`);
  const proc = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process!;
  const builtin = proc.getBuiltinModule?.(`node:${name}`);
  if (builtin) return builtin as T;
  const specifier = ['node', name].join(':');
  return (await import(specifier)) as T;
}

/** A package's Node-only entry point (e.g. `h5wasm/node`), imported by a computed name. */
export async function nodeOnlyImport<T>(parts: string[]): Promise<T> {
  const specifier = parts.join('/');
  return (await import(specifier)) as T;
}
