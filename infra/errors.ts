/**
 * Errors the CDK app raises at synth time. Each says what is wrong, where, and what to do, so
 * a failed `cdk synth` is actionable without reading the construct code.
 */

/** The stage configuration (infra/config.ts or a `-c` override) is invalid. */
export class StageConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StageConfigError';
  }
}

/** A pipeline stage asks for access the stack refuses to grant (e.g. a whole bucket). */
export class StageAccessError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StageAccessError';
  }
}

/** The pipeline definition cannot be turned into cloud resources as written. */
export class PipelineWiringError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PipelineWiringError';
  }
}
