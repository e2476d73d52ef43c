#!/usr/bin/env node
// The `hld` command. TypeScript sources run on Node.js's own type stripping (22.18+, 24), so there
// is no build step; on an older Node.js (20) they run through tsx's loader.
import module from 'node:module';
import { fileURLToPath } from 'node:url';

// V8's code cache, and on Node 24 the type-stripped sources, are kept between runs: the second
// `hld --help` starts as fast as Node itself, and a read command spends about a third less CPU
// (BENCHMARKS.md, "Read commands start without the S3 emulator"). The cache is kept inside the
// project (node_modules/.cache) with paths relative to it (portable, Node 24.12+), so it still
// holds after the folder is moved or copied (a CI cache, a container image); older Node releases
// take a folder only, and key the cache by absolute paths. NODE_COMPILE_CACHE overrides the folder,
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const compileCache = fileURLToPath(new URL('../node_modules/.cache/hld/compile-cache', import.meta.url));
const portable = major > 24 || (major === 24 && minor >= 12);
const cache = module.enableCompileCache?.(portable ? { directory: compileCache, portable } : compileCache);
// The same cache for the Node.js processes hld starts (the embedded emulators' child): without it
// that child compiled fauxqs, dynalite and its own sources again on every command, and answered
// 0.8-1 s later (BENCHMARKS.md, "hld refresh around its stage").
if (cache?.directory && process.env.NODE_COMPILE_CACHE === undefined) {
  process.env.NODE_COMPILE_CACHE = compileCache;
  if (portable) process.env.NODE_COMPILE_CACHE_PORTABLE = '1';
}

// The SDK is pinned; its notice about Node 22 is for upgrades, not for this run (see README).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Node 24 runs every command on its own type stripping (the sources are erasable TypeScript:
// tsconfig's erasableSyntaxOnly). A Node.js without it (20) goes through tsx's loader.
if (!process.features.typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { main } = await import('../packages/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
