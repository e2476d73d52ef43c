#!/usr/bin/env node
// The `hld` command. TypeScript sources run through tsx's loader, so there is no build step.
import { register } from 'tsx/esm/api';

// The SDK is pinned; its notice about Node 22 is for upgrades, not for this run (see README).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('../packages/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
