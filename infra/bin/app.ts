import { buildApp } from '../app-builder.ts';

// Run by the CDK CLI through cdk.json (`npx tsx infra/bin/app.ts`): no build step. The stage comes
// from `-c stage=dev|prod` (default dev); see infra/config.ts.
const { app } = buildApp();
app.synth();
