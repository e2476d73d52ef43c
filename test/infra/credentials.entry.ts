import { dynamoClient } from '#packages/storage/client-factory.ts';

/**
 * Bundled by function-bundles.test.ts with the Lambda esbuild settings: prints the access key id
 * the SDK client resolves, as a Lambda function's first request would.
 */
const credentials = await dynamoClient().config.credentials();
process.stdout.write(JSON.stringify({ accessKeyId: credentials.accessKeyId }));
