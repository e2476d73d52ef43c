import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * `@aws-sdk/credential-provider-node` as Lambda bundles get it (an esbuild alias in
 * infra/bundling.ts): the SDK's default credential chain, cut to its first link.
 *
 * Lambda gives a function its role's credentials in the environment (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), and the default chain tries the environment
 * first, so in Lambda it always stops there. Its other links (SSO, INI profiles, STS web
 * identity, credential processes, container and instance metadata) and the STS, SSO and sign-in
 * clients they carry are ≈ 100 KB that every cold start would parse for nothing. Everything that
 * is not bundled (the CLI, tests, local backends) keeps the full chain.
 */
export function defaultProvider(init: Parameters<typeof fromEnv>[0] = {}): ReturnType<typeof fromEnv> {
  return fromEnv(init);
}
