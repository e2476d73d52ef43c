import { en } from 'zod/locales';
import { config } from 'zod/mini';

/**
 * The zod the contracts are written in: `zod/mini` with zod's English issue messages. Import it
 * as a namespace (`import * as z from '#contracts/zod.ts'`).
 *
 * zod/mini builds the same schemas as zod classic (the `zod/v4/core` classes, so `_zod.def`,
 * `z.toJSONSchema` and the issues are the same) in a fraction of the bundle, which every Lambda
 * that validates rows loads at cold start (see BENCHMARKS.md). The namespace import matters:
 * `import { z } from 'zod/mini'` is one object holding every export (all locales included), which
 * esbuild cannot tree-shake. Unlike classic, mini installs no locale: every issue would read
 * "Invalid input", and quarantine reports quote zod's messages.
 */
config(en());

export * from 'zod/mini';
