// `npm run bench -- <name> [args]`: runs bench/<name>.ts (pipeline, train, elmo, webgl-cells), or all of them.
import * as path from 'node:path';

const names = ['pipeline', 'train', 'elmo', 'webgl-cells'];

async function main(): Promise<void> {
  const [which, ...args] = process.argv.slice(2);
  const selected = which ? [which] : names;
  for (const name of selected) {
    if (!names.includes(name)) throw new Error(`unknown benchmark "${name}" (have: ${names.join(', ')})`);
    // require, not import(): under ts-node (CommonJS) a dynamic import() goes to Node's ESM
    // loader, which refuses .ts files ("Unknown file extension").
    const mod = require(path.join(__dirname, `${name}.ts`)) as { main(args: string[]): Promise<void> };
    await mod.main(args);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
