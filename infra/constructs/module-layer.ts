import { readFileSync } from 'node:fs';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { repoPath } from '../repo-root.ts';
import { LAMBDA_RUNTIME } from './evidence-function.ts';

export interface ModuleLayerProps {
  /** The npm package the layer carries (its pinned version goes into the description). */
  readonly packageName: string;
  /** What the layer is for, after "<package> <version> … for". */
  readonly purpose: string;
  /** Writes the layer's content (`nodejs/node_modules/<package>/…`) under the given folder. */
  readonly build: (outputDir: string) => void;
}

/**
 * A Lambda layer holding one npm package that the function bundles leave out, for the functions
 * that need it (the workbook layer: exceljs; the Parquet layer: parquet-wasm).
 *
 * Guarantees:
 * - the package at the version package-lock.json pins, written by `build` from node_modules
 *   (infra/bundling.ts, the same code the tests and `npm run bundle-size` use); no Docker;
 * - under `nodejs/node_modules/<package>`, on the runtime's NODE_PATH, so `require('<package>')`
 *   resolves there exactly as it resolves to node_modules locally;
 * - for {@link LAMBDA_RUNTIME} on arm64, like every function of the stack;
 * - content-addressed: the asset hash is the hash of the built layer, so an unchanged package
 *   publishes no new layer version.
 */
export class ModuleLayer extends Construct {
  readonly layer: lambda.LayerVersion;

  constructor(scope: Construct, id: string, props: ModuleLayerProps) {
    super(scope, id);
    // Read from node_modules: a package's `exports` may leave package.json out (parquet-wasm does).
    const { version } = JSON.parse(
      readFileSync(repoPath(`node_modules/${props.packageName}/package.json`), 'utf8'),
    ) as { version: string };

    this.layer = new lambda.LayerVersion(this, 'Layer', {
      description: `${props.packageName} ${version} for ${props.purpose}`,
      compatibleRuntimes: [LAMBDA_RUNTIME],
      compatibleArchitectures: [lambda.Architecture.ARM_64],
      code: lambda.Code.fromAsset(repoPath(`node_modules/${props.packageName}`), {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          local: {
            tryBundle(outputDir: string): boolean {
              props.build(outputDir);
              return true;
            },
          },
          // Required by the type, never pulled: local bundling above either succeeds or throws.
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
        },
      }),
    });
  }
}
