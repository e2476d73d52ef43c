import { beforeAll, describe, expect, it } from 'vitest';
import { BRIEFING_API_ACCESS } from '#infra/constructs/briefing-api.ts';
import { stateMachineLogDeliveryPolicyOf, tracingPolicyOf } from '#infra/constructs/shared-policies.ts';
import { partitionKeysAllowed } from '#infra/constructs/stage-access-policy.ts';
import { PIPELINE, type StageAccess } from '#packages/pipeline/definition.ts';
import { BRIEFING_KEYS, LEDGER_INDEX_KEYS, LEDGER_KEYS } from '#packages/storage/partition-keys.ts';
import type { BucketId, TableId } from '#packages/storage/resources.ts';
import {
  logicalIdOf,
  property,
  referencedLogicalId,
  resourcesOfType,
  type SynthesizedStack,
  synthesizeStack,
} from './evidence-stack.fixture.ts';
import {
  allIdentityStatements,
  asList,
  evaluate,
  flattenReference,
  globToRegExp,
  isAllowed,
  type PolicyStatementJson,
  resourcePolicyStatements,
  roleOfFunction,
  roleStatements,
} from './iam-policy.ts';

let synthesized: SynthesizedStack;

beforeAll(() => {
  synthesized = synthesizeStack({ stage: 'prod' });
}, 120_000);

/** Everything the function of `stageId` (or 'api') may do. */
function permissionsOf(stageId: string): PolicyStatementJson[] {
  const { json, config } = synthesized;
  const functionName =
    stageId === 'api' ? `${config.namePrefix}-api-handler` : `${config.namePrefix}-${stageId}`;
  return roleStatements(json, roleOfFunction(json, functionName));
}

/** An object ARN in the flattened form the evaluator compares (`<RawBucket….Arn>/raw/x`). */
function objectArn(bucket: BucketId, key: string): string {
  return `<${logicalIdOf(synthesized.stack.storage.buckets[bucket])}.Arn>/${key}`;
}

/** A table ARN (or one of its index ARNs) in the flattened form. */
function tableArn(table: TableId, index?: string): string {
  const arn = `<${logicalIdOf(synthesized.stack.tables.tables[table])}.Arn>`;
  return index ? `${arn}/index/${index}` : arn;
}

/** One real key per partition-key pattern of packages/storage/partition-keys.ts. */
const EXAMPLE_KEYS: Readonly<Record<TableId, readonly string[]>> = {
  ledger: ['FILE#4f2a', 'SOURCE#pilot/pilots.json', 'LOCK#refresh', 'RUN#run-1', 'AUDIT#hld2013', 'OTHER#x'],
  briefings: ['B#hld2013#v3#7', 'D#hld2013', 'DATASETS', 'OTHER#x'],
};
const INDEX_KEYS = [...Object.values(LEDGER_INDEX_KEYS), 'OTHER'];
const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:Scan',
  'dynamodb:BatchGetItem',
  'dynamodb:TransactWriteItems',
] as const;

/** Every stage's access, and the API's, by the id `permissionsOf` takes. */
function declaredAccess(): [string, StageAccess][] {
  return [
    ...PIPELINE.stages.map((stage): [string, StageAccess] => [stage.id, stage.access]),
    ['api', BRIEFING_API_ACCESS],
  ];
}

function eventBusArn(): string {
  return `<${logicalIdOf(synthesized.stack.pipeline.eventBus)}.Arn>`;
}

describe('EvidenceStack least privilege', () => {
  it('lets ingest keep uploads in raw, but never write to the curated bucket', () => {
    const ingest = permissionsOf('ingest');

    expect(isAllowed(ingest, 's3:PutObject', objectArn('raw', 'raw/pilot/abc'))).toBe(true);
    expect(isAllowed(ingest, 's3:PutObject', objectArn('curated', 'tables/pilot/abc.arrow'))).toBe(false);
    expect(isAllowed(ingest, 's3:PutObject', objectArn('curated', 'anything'))).toBe(false);
    expect(isAllowed(ingest, 's3:PutObject', objectArn('exports', 'briefings/x.json'))).toBe(false);
  });

  it('lets normalise read raw, write curated tables and the quarantine report of a pending file, but never delete from raw or write its uploads or copies', () => {
    const normalise = permissionsOf('normalise');

    expect(isAllowed(normalise, 's3:GetObject', objectArn('raw', 'raw/pilot/abc'))).toBe(true);
    expect(isAllowed(normalise, 's3:PutObject', objectArn('curated', 'tables/pilot/abc.arrow'))).toBe(true);
    expect(isAllowed(normalise, 's3:PutObject', objectArn('raw', 'quarantine/survey/abc.json'))).toBe(true);
    for (const key of ['raw/pilot/abc', 'incoming/pilot/a.csv', 'quarantine/a.json']) {
      expect(isAllowed(normalise, 's3:DeleteObject', objectArn('raw', key))).toBe(false);
    }
    for (const key of ['raw/pilot/abc', 'incoming/pilot/a.csv']) {
      expect(isAllowed(normalise, 's3:PutObject', objectArn('raw', key))).toBe(false);
    }
  });

  it('lets the stages that give a pending file its verdict (normalise, normalise-pending) point its names, and no other stage but ingest', () => {
    const pointers = ['ingest', 'normalise', 'normalise-pending'];
    for (const [stageId] of declaredAccess()) {
      const permissions = permissionsOf(stageId);
      const points = ['dynamodb:PutItem', 'dynamodb:UpdateItem'].some((action) =>
        isAllowed(permissions, action, tableArn('ledger'), { leadingKeys: ['SOURCE#survey/big.csv'] }),
      );

      expect(points, `${stageId} points a source`).toBe(pointers.includes(stageId));
    }
    expect(
      isAllowed(permissionsOf('normalise-pending'), 'dynamodb:Query', tableArn('ledger', 'byType'), {
        leadingKeys: ['FILE'],
      }),
    ).toBe(true);
  });

  it('never lets assemble write to the raw bucket', () => {
    const assemble = permissionsOf('assemble');

    expect(isAllowed(assemble, 's3:PutObject', objectArn('exports', 'briefings/v2/MDA.json'))).toBe(true);
    for (const key of ['raw/pilot/abc', 'incoming/pilot/a.csv', 'quarantine/a.json']) {
      expect(isAllowed(assemble, 's3:PutObject', objectArn('raw', key))).toBe(false);
      expect(isAllowed(assemble, 's3:GetObject', objectArn('raw', key))).toBe(false);
    }
  });

  it('keeps every stage inside the prefixes its definition lists', () => {
    for (const stage of PIPELINE.stages) {
      const permissions = permissionsOf(stage.id);
      for (const bucket of ['raw', 'curated', 'exports'] as const) {
        const listed = stage.access.buckets[bucket];
        const outside = objectArn(bucket, 'outside-every-prefix/x');

        expect(isAllowed(permissions, 's3:GetObject', outside), `${stage.id} reads ${bucket}`).toBe(false);
        expect(isAllowed(permissions, 's3:PutObject', outside), `${stage.id} writes ${bucket}`).toBe(false);
        if (!listed?.delete) {
          expect(
            isAllowed(permissions, 's3:DeleteObject', objectArn(bucket, 'raw/x')),
            `${stage.id} deletes`,
          ).toBe(false);
        }
      }
    }
  });

  it('lets exactly the stages with putEvents put events on the pipeline bus', () => {
    for (const stage of PIPELINE.stages) {
      const mayPut = isAllowed(permissionsOf(stage.id), 'events:PutEvents', eventBusArn());

      expect(mayPut, stage.id).toBe(Boolean(stage.access.putEvents));
    }
    expect(isAllowed(permissionsOf('api'), 'events:PutEvents', eventBusArn())).toBe(false);
  });

  it('keeps the API read-only: no S3 write or delete, no table write', () => {
    const api = permissionsOf('api');
    const { stack } = synthesized;
    const briefingsTable = `<${logicalIdOf(stack.tables.tables.briefings)}.Arn>`;

    expect(isAllowed(api, 's3:GetObject', objectArn('exports', 'briefings/v2/MDA.json'))).toBe(true);
    expect(isAllowed(api, 's3:PutObject', objectArn('exports', 'briefings/v2/MDA.json'))).toBe(false);
    expect(isAllowed(api, 's3:DeleteObject', objectArn('exports', 'briefings/v2/MDA.json'))).toBe(false);
    expect(isAllowed(api, 'dynamodb:Query', briefingsTable)).toBe(true);
    expect(isAllowed(api, 'dynamodb:PutItem', briefingsTable)).toBe(false);
    expect(isAllowed(api, 'dynamodb:UpdateItem', briefingsTable)).toBe(false);
  });

  it('lets functions write logs only to their own log group', () => {
    const ingest = permissionsOf('ingest');
    const ownLogGroup = `<${logicalIdOf(synthesized.stack.pipeline.functionOf('ingest').logGroup)}.Arn>`;
    const otherLogGroup = `<${logicalIdOf(synthesized.stack.pipeline.functionOf('assemble').logGroup)}.Arn>`;

    expect(isAllowed(ingest, 'logs:PutLogEvents', ownLogGroup)).toBe(true);
    expect(isAllowed(ingest, 'logs:PutLogEvents', otherLogGroup)).toBe(false);
  });

  it('allows each table action on exactly the partition keys the definition lists for the stage (dynamodb:LeadingKeys)', () => {
    for (const [stageId, access] of declaredAccess()) {
      const permissions = permissionsOf(stageId);
      for (const table of ['ledger', 'briefings'] as const) {
        const declared = access.tables[table];
        for (const action of TABLE_ACTIONS) {
          for (const key of EXAMPLE_KEYS[table]) {
            const expected =
              declared !== undefined &&
              partitionKeysAllowed(declared, action).some((pattern) => globToRegExp(pattern).test(key));

            expect(
              isAllowed(permissions, action, tableArn(table), { leadingKeys: [key] }),
              `${stageId} ${action} ${table} ${key}`,
            ).toBe(expected);
          }
        }
      }
    }
  });

  it('allows index queries only on the index keys the definition lists for the stage', () => {
    for (const [stageId, access] of declaredAccess()) {
      const permissions = permissionsOf(stageId);
      const declared = access.tables.ledger?.indexQueries?.byType ?? [];
      for (const key of INDEX_KEYS) {
        expect(
          isAllowed(permissions, 'dynamodb:Query', tableArn('ledger', 'byType'), { leadingKeys: [key] }),
          `${stageId} queries byType ${key}`,
        ).toBe(declared.includes(key));
      }
      expect(isAllowed(permissions, 'dynamodb:Scan', tableArn('ledger', 'byType'))).toBe(false);
    }
  });

  it('keeps the ledger’s records apart: only the lock steps touch runs, only they and the steps that renew the lease (normalise-pending, assemble) write locks, only assemble writes the audit trail, nobody deletes a file, source or audit record', () => {
    const lockSteps = ['lock', 'unlock', 'refresh-failed'];
    const leaseHeartbeats = ['normalise-pending', 'assemble'];
    for (const [stageId] of declaredAccess()) {
      const permissions = permissionsOf(stageId);
      const writes = (key: string) =>
        ['dynamodb:PutItem', 'dynamodb:UpdateItem'].some((action) =>
          isAllowed(permissions, action, tableArn('ledger'), { leadingKeys: [key] }),
        );

      expect(writes('LOCK#refresh'), `${stageId} writes the lock`).toBe(
        lockSteps.includes(stageId) || leaseHeartbeats.includes(stageId),
      );
      expect(writes('RUN#run-1'), `${stageId} writes a run`).toBe(lockSteps.includes(stageId));
      expect(writes('AUDIT#hld2013'), `${stageId} writes the audit trail`).toBe(stageId === 'assemble');
      for (const key of ['FILE#4f2a', 'SOURCE#pilot/pilots.json', 'AUDIT#hld2013', 'RUN#run-1']) {
        expect(
          isAllowed(permissions, 'dynamodb:DeleteItem', tableArn('ledger'), { leadingKeys: [key] }),
          `${stageId} deletes ${key}`,
        ).toBe(false);
      }
    }
    expect(LEDGER_KEYS.lock).toBe('LOCK#*');
  });

  it('lets the API read briefings, the file records lineage names and the runs of the ledger index, and nothing else of the ledger', () => {
    const api = permissionsOf('api');

    expect(isAllowed(api, 'dynamodb:Query', tableArn('briefings'), { leadingKeys: ['B#hld2013#v3#7'] })).toBe(
      true,
    );
    expect(
      isAllowed(api, 'dynamodb:GetItem', tableArn('briefings'), { leadingKeys: [BRIEFING_KEYS.datasets] }),
    ).toBe(true);
    expect(isAllowed(api, 'dynamodb:Query', tableArn('ledger', 'byType'), { leadingKeys: ['RUN'] })).toBe(
      true,
    );
    expect(isAllowed(api, 'dynamodb:Query', tableArn('ledger', 'byType'), { leadingKeys: ['FILE'] })).toBe(
      false,
    );
    expect(isAllowed(api, 'dynamodb:GetItem', tableArn('ledger'), { leadingKeys: ['FILE#4f2a'] })).toBe(true);
    expect(isAllowed(api, 'dynamodb:Query', tableArn('ledger'), { leadingKeys: ['FILE#4f2a'] })).toBe(true);
    expect(isAllowed(api, 'dynamodb:PutItem', tableArn('ledger'), { leadingKeys: ['FILE#4f2a'] })).toBe(
      false,
    );
    // The run records behind the index entries are read (BatchGetItem), never written.
    expect(isAllowed(api, 'dynamodb:BatchGetItem', tableArn('ledger'), { leadingKeys: ['RUN#run-1'] })).toBe(
      true,
    );
    expect(isAllowed(api, 'dynamodb:PutItem', tableArn('ledger'), { leadingKeys: ['RUN#run-1'] })).toBe(
      false,
    );
    expect(isAllowed(api, 'dynamodb:GetItem', tableArn('ledger'), { leadingKeys: ['SOURCE#pilot/x'] })).toBe(
      false,
    );
  });

  it('grants no wildcard action, and wildcard resources only for X-Ray and log delivery, each in one shared policy, none on a role', () => {
    const { json } = synthesized;
    const statements = allIdentityStatements(json).filter((statement) => statement.Effect === 'Allow');
    const managed = resourcesOfType(json, 'AWS::IAM::ManagedPolicy').map(([id, policy]) => ({
      id,
      statements: (property(policy, 'PolicyDocument') as { Statement: PolicyStatementJson[] }).Statement,
    }));
    const everyAllow = [...statements, ...managed.flatMap((policy) => policy.statements)];
    const starOnRoles = statements.filter((statement) =>
      asList(statement.Resource).some((resource) => flattenReference(resource) === '*'),
    );
    const starPolicies = managed.filter((policy) =>
      policy.statements.some((statement) => asList(statement.Resource).some((resource) => resource === '*')),
    );

    expect(
      everyAllow.flatMap((statement) => asList(statement.Action)).filter((action) => action.includes('*')),
    ).toEqual([]);
    expect(starOnRoles).toEqual([]);
    expect(starPolicies.map((policy) => policy.id).sort()).toEqual(
      [
        logicalIdOf(tracingPolicyOf(synthesized.stack)),
        logicalIdOf(stateMachineLogDeliveryPolicyOf(synthesized.stack)),
      ].sort(),
    );
    for (const policy of starPolicies) {
      for (const action of policy.statements.flatMap((statement) => asList(statement.Action))) {
        expect(action).toMatch(/^(logs|xray):/);
      }
    }
  });

  it('lets only Step Functions, for this state machine, assume its role; and the scheduler only for this stack’s schedule group', () => {
    const { json, stack } = synthesized;
    const trust = (roleId: string) =>
      (property(json.Resources[roleId], 'AssumeRolePolicyDocument') as { Statement: PolicyStatementJson[] })
        .Statement;
    const assume = (roleId: string, service: string, sourceArn: string) =>
      evaluate(trust(roleId), {
        principal: { service },
        action: 'sts:AssumeRole',
        resource: '*',
        context: { 'aws:SourceAccount': '<AWS::AccountId>', 'aws:SourceArn': sourceArn },
      });
    const stateMachineRole = logicalIdOf(stack.refresh.stateMachine.role);
    const schedulerRole = referencedLogicalId(
      (property(resourcesOfType(json, 'AWS::Scheduler::Schedule')[0]?.[1], 'Target') as { RoleArn: unknown })
        .RoleArn,
    );
    const machines = 'arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine';

    expect(
      assume(
        stateMachineRole,
        'states.amazonaws.com',
        `${machines}:${synthesized.config.namePrefix}-refresh`,
      ),
    ).toBe('allow');
    expect(assume(stateMachineRole, 'states.amazonaws.com', `${machines}:another-machine`)).toBe(
      'implicit-deny',
    );
    expect(
      assume(
        schedulerRole ?? '',
        'scheduler.amazonaws.com',
        `<${logicalIdOf(stack.refresh.scheduleGroup)}.Arn>`,
      ),
    ).toBe('allow');
    expect(
      assume(
        schedulerRole ?? '',
        'scheduler.amazonaws.com',
        'arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule-group/default',
      ),
    ).toBe('implicit-deny');
  });

  it('lets no one but the stages with putEvents and the refresh state machine put events on the pipeline bus', () => {
    const { json, stack } = synthesized;
    const busId = logicalIdOf(stack.pipeline.eventBus);
    const busPolicy = resourcePolicyStatements(json, 'AWS::Events::EventBusPolicy', 'EventBusName', busId);
    const put = (roleArn: string) =>
      evaluate(busPolicy, {
        principal: { arn: roleArn },
        action: 'events:PutEvents',
        resource: `<${busId}.Arn>`,
        context: { 'aws:PrincipalArn': roleArn },
      });
    const roleArn = (stageId: string) => `<${logicalIdOf(stack.pipeline.functionOf(stageId).role)}.Arn>`;

    for (const stage of PIPELINE.stages) {
      expect(put(roleArn(stage.id)), stage.id).toBe(stage.access.putEvents ? 'implicit-deny' : 'deny');
    }
    expect(put(`<${logicalIdOf(stack.refresh.stateMachine.role)}.Arn>`)).toBe('implicit-deny');
    expect(put('arn:aws:iam::111122223333:role/administrator')).toBe('deny');
  });
});
