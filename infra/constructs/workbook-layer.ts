import { createRequire } from 'node:module';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { buildWorkbookLayer, WORKBOOK_LAYER } from '../bundling.ts';
import { repoPath } from '../repo-root.ts';
import { LAMBDA_RUNTIME } from './evidence-function.ts';

/**
 * The Lambda layer that gives the stages reading uploads (`readsWorkbooks` in the pipeline
 * definition) the XLSX reader their bundles leave out.
 *
 * Guarantees:
 * - exceljs at the version package-lock.json pins, bundled with its dependencies by the esbuild
 *   in node_modules into one minified CommonJS file (`buildWorkbookLayer` in infra/bundling.ts,
 *   the same build `npm run bundle-size` measures); no Docker;
 * - under `nodejs/node_modules/exceljs`, on the runtime's NODE_PATH, so `require('exceljs')` in
 *   packages/formats/xlsx.ts resolves there exactly as it resolves to node_modules locally;
 * - for {@link LAMBDA_RUNTIME} on arm64, like every function of the stack;
 * - content-addressed: the asset hash is the hash of the built layer, so an unchanged exceljs
 *   publishes no new layer version.
 */
export class WorkbookLayer extends Construct {
  readonly layer: lambda.LayerVersion;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { version } = createRequire(repoPath('package.json'))(
      `${WORKBOOK_LAYER.packageName}/package.json`,
    ) as { version: string };

    this.layer = new lambda.LayerVersion(this, 'Layer', {
      description: `exceljs ${version} (bundled) for the functions that read XLSX uploads`,
      compatibleRuntimes: [LAMBDA_RUNTIME],
      compatibleArchitectures: [lambda.Architecture.ARM_64],
      code: lambda.Code.fromAsset(repoPath(`node_modules/${WORKBOOK_LAYER.packageName}`), {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          local: {
            tryBundle(outputDir: string): boolean {
              buildWorkbookLayer(outputDir);
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
