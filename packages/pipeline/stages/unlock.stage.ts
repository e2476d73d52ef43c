import type { RefreshStepDefinition, StageDeclaration } from '../definition.ts';
import { LOCK_RELEASE_ACCESS } from './lock-release-access.ts';

/**
 * The `unlock` refresh step: release the refresh lock and record the run.
 *
 * A declaration only (no code): the CDK app and the local router read it through definition.ts,
 * which adds how to load the runner; the stage's handler (its `entry`) is built from it and the
 * runner, so its bundle carries this stage and no other.
 */
export const UNLOCK_STEP: StageDeclaration<RefreshStepDefinition> = {
  kind: 'refresh-step',
  id: 'unlock',
  description: 'Release the refresh lock and record the run',
  entry: 'functions/refresh-unlock/handler.ts',
  emits: [],
  onFailure: false,
  access: LOCK_RELEASE_ACCESS,
  memorySizeMb: 256,
  timeoutSeconds: 30,
};
