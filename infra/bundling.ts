import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * The one set of esbuild settings for every Lambda bundle.
 *
 * `NodejsFunction` (through {@link lambdaBundlingOptions}) and `bench/bundle-size.ts` (through
 * {@link lambdaEsbuildOptions}) both derive from these values, so the benchmark measures exactly
 * what is deployed.
 */
export const LAMBDA_BUNDLE_SETTINGS = {
  /** Lowest runtime the bundle must run on; DESIGN.md never goes below nodejs22.x. */
  target: 'node22',
  minify: true,
  sourceMap: true,
  /** Prefer ESM builds of dependencies: they tree-shake, CommonJS builds do not. */
  mainFields: ['module', 'main'],
  /**
   * ESM output has no `require`; CommonJS dependencies bundled into it still call it (for Node
   * built-ins). The banner gives them one.
   */
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  /**
   * The AWS SDK is bundled at the version package-lock.json pins instead of whatever the Lambda
   * runtime happens to ship. Only parquet-wasm stays out: it loads its .wasm from disk, so a
   * single-file bundle cannot carry it, and no function writes Parquet (assemble exports the
   * other formats; `hld briefing export --format parquet` runs where node_modules exist).
   */
  externalModules: ['parquet-wasm'],
} as const;

/** Bundling options for `NodejsFunction`. */
export function lambdaBundlingOptions(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: LAMBDA_BUNDLE_SETTINGS.target,
    minify: LAMBDA_BUNDLE_SETTINGS.minify,
    sourceMap: LAMBDA_BUNDLE_SETTINGS.sourceMap,
    mainFields: [...LAMBDA_BUNDLE_SETTINGS.mainFields],
    banner: LAMBDA_BUNDLE_SETTINGS.banner,
    externalModules: [...LAMBDA_BUNDLE_SETTINGS.externalModules],
  };
}

/**
 * The esbuild build options `NodejsFunction` passes on the command line for the same settings
 * (`--bundle --platform=node --format=esm --outfile=…/index.mjs …`).
 */
export function lambdaEsbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: LAMBDA_BUNDLE_SETTINGS.target,
    minify: LAMBDA_BUNDLE_SETTINGS.minify,
    sourcemap: LAMBDA_BUNDLE_SETTINGS.sourceMap,
    mainFields: [...LAMBDA_BUNDLE_SETTINGS.mainFields],
    banner: { js: LAMBDA_BUNDLE_SETTINGS.banner },
    external: [...LAMBDA_BUNDLE_SETTINGS.externalModules],
    logLevel: 'silent',
  };
}
