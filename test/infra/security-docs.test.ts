import { existsSync, readFileSync } from 'node:fs';
import { Validations } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import type { StageName } from '#infra/config.ts';
import { repoPath } from '#infra/repo-root.ts';
import { resourcesOfType, synthesizedStages } from './evidence-stack.fixture.ts';

/**
 * docs/security.md claims only what the template and the tests prove: this fails when a test it
 * names is gone, when a guarantee names no test, or when its alarm count or its table of
 * acknowledged cdk-nag findings differs from the synthesized stack (and the same for the alarm
 * count in docs/deploy.md).
 */

const security = readFileSync(repoPath('docs/security.md'), 'utf8');
const deploy = readFileSync(repoPath('docs/deploy.md'), 'utf8');

const stackOf = synthesizedStages();

/** The markdown between a `## heading` and the next `## `. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`docs: no section '## ${heading}'`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** Table rows (not header or separator) of a markdown fragment, as cells. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[-| ]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    )
    .filter((cells) => !['Guarantee', 'Finding'].includes(cells[0] ?? ''));
}

const REFERENCE = /`(test\/[^`]+\.test\.ts)` › “([^”]+)”/g;

/** An acknowledgement id with its logical ids replaced by `<…>`, as the docs table writes it. */
const generalised = (id: string) => id.replace(/^Annotation::/, '').replace(/<[A-Za-z0-9]+\.Arn>/g, '<…>');

function acknowledgementCounts(stage: StageName): Map<string, number> {
  const counts = new Map<string, number>();
  for (const construct of stackOf(stage).app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const id of Object.keys(entry.data as Record<string, string>)) {
        counts.set(generalised(id), (counts.get(generalised(id)) ?? 0) + 1);
      }
    }
  }
  return counts;
}

describe('docs/security.md', () => {
  it('names, for every guarantee, a test that exists in the file it names', () => {
    const rows = tableRows(section(security, 'Guarantees'));

    expect(rows.length).toBeGreaterThan(40);
    for (const [guarantee, proof] of rows) {
      const references = [...(proof ?? '').matchAll(REFERENCE)];
      expect(references.length, `no test for: ${guarantee}`).toBeGreaterThan(0);
      for (const [, file = '', name = ''] of references) {
        expect(existsSync(repoPath(file)), file).toBe(true);
        const source = readFileSync(repoPath(file), 'utf8');
        const quoted = [`'${name}'`, `"${name}"`, `\`${name}\``];
        expect(
          quoted.some((literal) => source.includes(literal)),
          `${file} has no test named “${name}”`,
        ).toBe(true);
      }
    }
  });

  it.each(['dev', 'prod'] as const)('states the number of CloudWatch alarms the %s template has', (stage) => {
    const count = resourcesOfType(stackOf(stage).json, 'AWS::CloudWatch::Alarm').length;
    const stated = [
      ...[...security.matchAll(/\*\*(\d+) CloudWatch alarms\*\*/g)].map((match) => match[1]),
      ...[...deploy.matchAll(/(\d+) CloudWatch alarms/g)].map((match) => match[1]),
      ...[...deploy.matchAll(/(\d+) × \$0\.10/g)].map((match) => match[1]),
    ].map(Number);

    expect(stated.length).toBeGreaterThanOrEqual(3);
    expect(new Set(stated)).toEqual(new Set([count]));
  });

  it.each(['dev', 'prod'] as const)(
    'lists exactly the acknowledged cdk-nag findings of the %s app, with their counts',
    (stage) => {
      const column = stage === 'dev' ? 2 : 3;
      const documented = new Map(
        tableRows(section(security, 'Acknowledged cdk-nag findings'))
          .map((cells) => [(cells[0] ?? '').replace(/^`|`$/g, ''), Number(cells[column])] as const)
          .filter(([, count]) => count > 0),
      );

      expect(documented).toEqual(acknowledgementCounts(stage));
    },
  );
});
