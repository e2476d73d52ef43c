/**
 * What the two Lambda adapters (lambda-adapter.ts for event stages, refresh-step-adapter.ts for
 * refresh steps) share, kept apart so neither bundle carries the other.
 *
 * A handler is built from its stage's declaration (`stages/<id>.stage.ts`: id, access, limits)
 * and its runner, imported statically. The runner is not taken from the declaration's `load()`:
 * esbuild wraps every module reached through a dynamic `import()` in a lazy initialiser and
 * tree-shakes it far less (measured: +53 KB for the lock function, +130 KB for ingest), which
 * would break the bundle budget. test/unit/pipeline/handlers.test.ts proves, for every stage,
 * that the handler of its entry was built from its declaration and runs the runner `load()`
 * gives the local router.
 */

/** A Lambda handler with the stage it was built from and the runner it runs. */
export type StageHandler<S, R, H> = H & { readonly stage: S; readonly run: R };
