import type { StackProps } from 'aws-cdk-lib';
import type { PipelineDefinition } from '#packages/pipeline/definition.ts';
import type { StageConfig } from './config.ts';

export interface EvidenceStackProps extends StackProps {
  /** The stage's configuration (infra/config.ts). */
  readonly config: StageConfig;
  /**
   * The pipeline to deploy.
   * @default PIPELINE (packages/pipeline/definition.ts)
   */
  readonly definition?: PipelineDefinition;
  /**
   * Handler module of the briefing API, relative to the repository root.
   * @default 'functions/api/handler.ts'
   */
  readonly apiEntry?: string;
  /**
   * Whether to deploy the briefing API. Turn off only for emulators without API Gateway v2
   * (LocalStack's free tier); the pipeline itself does not need it.
   * @default true
   */
  readonly briefingApi?: boolean;
}
