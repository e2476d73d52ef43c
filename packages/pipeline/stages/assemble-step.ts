import { pipelineContext } from '../context.ts';
import type { RefreshStepRunner } from '../definition.ts';
import { assembleBriefing } from '../refresh.ts';

/** assemble: build version N+1 from the curated tables and move CURRENT to it. */
export const assembleStep: RefreshStepRunner = (state) => assembleBriefing(state, pipelineContext());
