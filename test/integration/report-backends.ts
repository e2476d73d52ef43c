import { integrationBackends } from '../support/backends.ts';

/** Print, once per run, which backends the integration suite runs on and why any is skipped. */
export default function reportBackends(): void {
  const lines = integrationBackends().map(
    (backend) => `  ${backend.available ? 'RUN ' : 'SKIP'} ${backend.name.padEnd(10)} ${backend.reason}`,
  );
  process.stdout.write(`\nIntegration backends:\n${lines.join('\n')}\n\n`);
}
