import type { RefreshStepDefinition, StageDeclaration } from '../definition.ts';
import { LOCK_RELEASE_ACCESS } from './lock-release-access.ts';

/**
 * The `refresh-failed` refresh step: release the lock after a failed refresh and record the failure.
 *
 * A declaration only (no code): the CDK app and the local router read it through definition.ts,
 * which adds how to load the runner; the stage's handler (its `entry`) is built from it and the
 * runner, so its bundle carries this stage and no other.
 */
export const REFRESH_FAILED_STEP: StageDeclaration<RefreshStepDefinition> = {
  kind: 'refresh-step',
  id: 'refresh-failed',
  description: 'Release the lock after a failed refresh and record the failure',
  entry: 'functions/refresh-failed/handler.ts',
  emits: [],
  onFailure: true,
  access: LOCK_RELEASE_ACCESS,
  memorySizeMb: 256,
  timeoutSeconds: 30,
};
