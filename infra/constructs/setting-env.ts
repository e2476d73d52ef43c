import { Token } from 'aws-cdk-lib';
import { type Setting, settingEnv } from '#packages/settings/settings.ts';

/**
 * `{ NAME: value }` of an `HLD_*` setting for a function's environment. A value known at synth is
 * checked against the setting's range (the stack cannot set what the runtime would refuse); a
 * token (a bucket name CloudFormation gives) is passed through.
 */
export function settingEnvironment<T>(setting: Setting<T>, value: T): Record<string, string> {
  if (typeof value === 'string' && Token.isUnresolved(value)) return { [setting.name]: value };
  return settingEnv(setting, value);
}
