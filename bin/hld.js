#!/usr/bin/env node
// The `hld` command. TypeScript sources run through tsx's loader, so there is no build step. On a
// Node.js that strips types itself (22.18+, 24), the loader is registered only when a command
// that needs it runs: `hld --help`, `--version` and `completion` load commander and the command
// tree alone, and the read commands of ACTIONS_WITHOUT_LOADER (packages/cli/main.ts) run on
// Node's own type stripping.
import module from 'node:module';

// V8's code cache, and on Node 24 the type-stripped sources, are kept between runs (in the OS
// temporary folder): the second `hld --help` starts as fast as Node itself.
module.enableCompileCache?.();

// The SDK is pinned; its notice about Node 22 is for upgrades, not for this run (see README).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let registered = false;
const prepare = async () => {
  if (registered) return;
  registered = true;
  const { register } = await import('tsx/esm/api');
  register();
};
if (!process.features.typescript) await prepare();
const { main } = await import('../packages/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), { prepare });
