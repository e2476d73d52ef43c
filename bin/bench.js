#!/usr/bin/env node
// `npm run bench`: the benchmark suite (bench/run.ts). TypeScript runs through tsx's loader, as for
// bin/hld.js; each measurement then runs in a fresh `node --import tsx` child process.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
await import('../bench/run.ts');
