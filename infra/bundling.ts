import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, buildSync } from 'esbuild';
import { REPO_ROOT, repoPath } from './repo-root.ts';

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
  /**
   * Source maps carry the mappings (file, line, column, names) but not a copy of every source.
   * With `NODE_OPTIONS=--enable-source-maps` (see {@link lambdaNodeOptions}) Node reads and parses
   * the map at import, so the copies (≈ 3/4 of the map) would cost every cold start; stack traces
   * point into the sources without them (only the source line Node prints under an uncaught error
   * is lost).
   */
  sourcesContent: false,
  /** Prefer ESM builds of dependencies: they tree-shake, CommonJS builds do not. */
  mainFields: ['module', 'main'],
  /**
   * ESM output has no `require`; CommonJS dependencies bundled into it still call it (for Node
   * built-ins). The banner gives them one.
   */
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  /**
   * The AWS SDK is bundled at the version package-lock.json pins instead of whatever the Lambda
   * runtime happens to ship. Two packages stay out:
   * - parquet-wasm loads its .wasm from disk, so a single-file bundle cannot carry it, and no
   *   function writes Parquet (assemble exports the other formats; `hld briefing export --format
   *   parquet` runs where node_modules exist);
   * - exceljs (≈ 1 MB with jszip, unzipper, bluebird…) is loaded on the first XLSX only and ships
   *   in the workbook layer ({@link WORKBOOK_LAYER}), so CSV/JSON/XML cold starts never carry it;
   * - vega and vega-lite draw the HTML briefing book's charts, which no function renders (the
   *   book is written by `hld briefing export --format html` and `hld serve`, not by assemble):
   *   imported lazily by packages/briefing/book/charts.ts, they never load in Lambda.
   */
  externalModules: ['parquet-wasm', 'exceljs', 'vega', 'vega-lite'],
  /**
   * Modules replaced in the bundle (esbuild `alias`, resolved from the repository root, where
   * `NodejsFunction` runs esbuild). The SDK's default credential chain becomes its first link,
   * the environment, which is where Lambda puts the role's credentials: the rest of the chain and
   * the STS/SSO clients it carries (≈ 100 KB) never run in Lambda (see
   * packages/storage/lambda-credential-provider.ts).
   */
  alias: {
    '@aws-sdk/credential-provider-node': './packages/storage/lambda-credential-provider.ts',
  },
} as const;

/**
 * The `NODE_OPTIONS` of a function: `--enable-source-maps` maps stack traces to the sources, and
 * makes Node read and parse the bundle's source map at every cold start (measured in
 * bench/bundle-size.ts, which runs bundles with the same options). Without it the map still ships
 * in the bundle, for reading a trace afterwards or for turning the option on while debugging.
 */
export function lambdaNodeOptions(options: { readonly sourceMaps: boolean }): Record<string, string> {
  return options.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {};
}

/** Bundling options for `NodejsFunction`. */
export function lambdaBundlingOptions(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: LAMBDA_BUNDLE_SETTINGS.target,
    minify: LAMBDA_BUNDLE_SETTINGS.minify,
    sourceMap: LAMBDA_BUNDLE_SETTINGS.sourceMap,
    sourcesContent: LAMBDA_BUNDLE_SETTINGS.sourcesContent,
    mainFields: [...LAMBDA_BUNDLE_SETTINGS.mainFields],
    banner: LAMBDA_BUNDLE_SETTINGS.banner,
    externalModules: [...LAMBDA_BUNDLE_SETTINGS.externalModules],
    esbuildArgs: {
      '--alias': Object.entries(LAMBDA_BUNDLE_SETTINGS.alias).map(
        ([module, target]) => `${module}=${target}`,
      ),
    },
  };
}

/**
 * The esbuild build options `NodejsFunction` passes on the command line for the same settings
 * (`--bundle --platform=node --format=esm --outfile=…/index.mjs --alias:… …`, run in the project root).
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
    sourcesContent: LAMBDA_BUNDLE_SETTINGS.sourcesContent,
    mainFields: [...LAMBDA_BUNDLE_SETTINGS.mainFields],
    banner: { js: LAMBDA_BUNDLE_SETTINGS.banner },
    external: [...LAMBDA_BUNDLE_SETTINGS.externalModules],
    alias: { ...LAMBDA_BUNDLE_SETTINGS.alias },
    // NodejsFunction runs esbuild in the project root; the alias targets are relative to it.
    absWorkingDir: REPO_ROOT,
    logLevel: 'silent',
  };
}

/**
 * The workbook layer: exceljs for the functions that read XLSX uploads.
 *
 * Layer content is `nodejs/node_modules/exceljs/`, the folder Lambda puts on `NODE_PATH`, where
 * `require('exceljs')` (packages/formats/xlsx.ts) finds it. It holds one CommonJS file: exceljs at
 * the version package-lock.json pins, bundled with its dependencies and minified (≈ 1 MB instead
 * of a node_modules tree of tens of MB, and one file to read instead of hundreds). It has no source map:
 * bluebird reads a stack trace as it loads, which would make Node parse that map on every first
 * XLSX, and exceljs failures reach the quarantine report as their message.
 */
export const WORKBOOK_LAYER = {
  packageName: 'exceljs',
  /** Where the bundle goes inside the layer (and the layer inside /opt). */
  modulePath: 'nodejs/node_modules/exceljs',
} as const;

/** The esbuild options that write the workbook layer's content under `outputDir`. */
export function workbookLayerEsbuildOptions(outputDir: string): BuildOptions {
  const requireFromRepo = createRequire(repoPath('package.json'));
  return {
    entryPoints: [requireFromRepo.resolve(WORKBOOK_LAYER.packageName)],
    outfile: path.join(outputDir, WORKBOOK_LAYER.modulePath, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: LAMBDA_BUNDLE_SETTINGS.target,
    minify: true,
    logLevel: 'silent',
  };
}

/** Writes the workbook layer's content under `outputDir` (CDK local bundling and the benchmark). */
export function buildWorkbookLayer(outputDir: string): void {
  buildSync(workbookLayerEsbuildOptions(outputDir));
  const requireFromRepo = createRequire(repoPath('package.json'));
  const { version, license } = requireFromRepo(`${WORKBOOK_LAYER.packageName}/package.json`) as {
    version: string;
    license: string;
  };
  const moduleDir = path.join(outputDir, WORKBOOK_LAYER.modulePath);
  mkdirSync(moduleDir, { recursive: true });
  writeFileSync(
    path.join(moduleDir, 'package.json'),
    `${JSON.stringify({ name: WORKBOOK_LAYER.packageName, version, license, main: 'index.js' }, null, 2)}\n`,
  );
}

/**
 * The Parquet layer: parquet-wasm for the functions that write Parquet (`writesParquet`).
 *
 * Layer content is `nodejs/node_modules/parquet-wasm/`: the package's Node build as published
 * (its CommonJS glue and the 4.7 MB `parquet_wasm_bg.wasm` it reads from its own folder, which is
 * why no bundle can carry it) and its licences, at the version package-lock.json pins.
 * `require('parquet-wasm')` (packages/pipeline/parquet-copy.ts) finds it on `NODE_PATH`.
 */
export const PARQUET_LAYER = {
  packageName: 'parquet-wasm',
  modulePath: 'nodejs/node_modules/parquet-wasm',
  /** The files of the package's `node/` build the layer keeps. */
  files: ['parquet_wasm.js', 'parquet_wasm_bg.wasm'],
} as const;

/** Writes the Parquet layer's content under `outputDir` (CDK local bundling and the tests). */
export function buildParquetLayer(outputDir: string): void {
  // parquet-wasm's `exports` do not include package.json: read it from node_modules.
  const packageDir = repoPath(`node_modules/${PARQUET_LAYER.packageName}`);
  const { version, license } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
    license: string;
  };
  const moduleDir = path.join(outputDir, PARQUET_LAYER.modulePath);
  mkdirSync(moduleDir, { recursive: true });
  for (const file of PARQUET_LAYER.files)
    copyFileSync(path.join(packageDir, 'node', file), path.join(moduleDir, file));
  for (const file of readdirSync(packageDir).filter((name) => name.startsWith('LICENSE'))) {
    copyFileSync(path.join(packageDir, file), path.join(moduleDir, file));
  }
  writeFileSync(
    path.join(moduleDir, 'package.json'),
    `${JSON.stringify({ name: PARQUET_LAYER.packageName, version, license, type: 'commonjs', main: 'parquet_wasm.js' }, null, 2)}\n`,
  );
}
