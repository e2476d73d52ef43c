import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from '#infra/repo-root.ts';

/**
 * Arrows only point down: the import graph of the code (packages/, data-contracts/, functions/,
 * infra/) read from the sources, checked against the floors of docs/architecture.md.
 */

/** The floors, lowest first; a room imports only from lower floors and from the rooms `SIDEWAYS` allows. */
const FLOORS: readonly (readonly string[])[] = [
  ['data-contracts'],
  ['packages/settings', 'packages/storage', 'packages/formats', 'packages/contracts', 'packages/arrow'],
  ['packages/columnar', 'packages/csv-engine'],
  ['packages/briefing', 'packages/pipeline'],
  ['packages/api', 'packages/local', 'packages/cli', 'functions', 'infra'],
];

/** Imports within one floor that are allowed, as `from → to` (always towards the lower room). */
const SIDEWAYS = new Set([
  'packages/storage → packages/settings',
  'packages/formats → packages/settings',
  'packages/contracts → packages/formats',
  'packages/arrow → packages/contracts',
  'packages/csv-engine → packages/columnar',
  'packages/pipeline → packages/briefing',
  'packages/cli → packages/api',
  'packages/cli → packages/local',
  'functions → packages/api',
]);

const ROOT = repoPath('.');

/** The room a repository path belongs to (`packages/<room>`, or a top-level folder), if any. */
function roomOf(path: string): string | undefined {
  const parts = relative(ROOT, path).split('/');
  if (parts[0] === 'packages') return parts.length > 2 ? `packages/${parts[1]}` : undefined;
  if (['data-contracts', 'functions', 'infra'].includes(parts[0] ?? '')) return parts[0];
  return undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'samples' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** `#packages/x/…`, `#contracts/…`, `#functions/…`, `#infra/…` and relative specifiers, as paths. */
function target(specifier: string, from: string): string | undefined {
  const aliases: Record<string, string> = {
    '#packages/': 'packages/',
    '#contracts/': 'data-contracts/',
    '#functions/': 'functions/',
    '#infra/': 'infra/',
  };
  for (const [alias, folder] of Object.entries(aliases)) {
    if (specifier.startsWith(alias)) return join(ROOT, folder, specifier.slice(alias.length));
  }
  return specifier.startsWith('.') ? resolve(dirname(from), specifier) : undefined;
}

interface ImportEdge {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

/** Every import (static, re-export, type-only, dynamic with a literal) from one room to another. */
function importEdges(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const pattern = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  for (const root of ['packages', 'data-contracts', 'functions', 'infra']) {
    for (const file of sourceFiles(repoPath(root))) {
      const from = roomOf(file);
      if (!from) continue;
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(pattern)) {
        const path = specifier === undefined ? undefined : target(specifier, file);
        const to = path === undefined ? undefined : roomOf(path);
        if (to && to !== from) edges.push({ file: relative(ROOT, file), from, to });
      }
    }
  }
  return edges;
}

const floorOf = (room: string) => FLOORS.findIndex((floor) => floor.includes(room));

/** The edges that break the floors: upwards, sideways without leave, or from/to a room with no floor. */
function violations(edges: readonly ImportEdge[]): string[] {
  return edges
    .filter(({ from, to }) => {
      const [source, destination] = [floorOf(from), floorOf(to)];
      if (source < 0 || destination < 0) return true;
      return destination > source || (destination === source && !SIDEWAYS.has(`${from} → ${to}`));
    })
    .map(({ file, from, to }) => `${file}: ${from} → ${to}`);
}

const EDGES = importEdges();
const edgesFrom = (rooms: readonly string[]) => EDGES.filter((edge) => rooms.includes(edge.from));

describe('the import graph', () => {
  it('reads the imports it checks (it sees the pipeline import the briefing builder and the handlers import the pipeline)', () => {
    expect(EDGES).toContainEqual(
      expect.objectContaining({ from: 'packages/pipeline', to: 'packages/briefing' }),
    );
    expect(EDGES).toContainEqual(expect.objectContaining({ from: 'functions', to: 'packages/pipeline' }));
    expect(violations([{ file: 'x.ts', from: 'packages/storage', to: 'packages/pipeline' }])).toEqual([
      'x.ts: packages/storage → packages/pipeline',
    ]);
  });

  it('points only down the floors of docs/architecture.md, every room having a floor', () => {
    const rooms = new Set(EDGES.flatMap((edge) => [edge.from, edge.to]));

    expect([...rooms].filter((room) => floorOf(room) < 0)).toEqual([]);
    expect(violations(EDGES)).toEqual([]);
  });

  it('keeps data-contracts free of packages/', () => {
    expect(edgesFrom(['data-contracts']).map((edge) => `${edge.file} → ${edge.to}`)).toEqual([]);
  });

  it('keeps storage and formats free of the pipeline, the briefing, the CLI, the API and the local backends', () => {
    const above = [
      'packages/pipeline',
      'packages/briefing',
      'packages/cli',
      'packages/api',
      'packages/local',
    ];
    const found = edgesFrom(['packages/storage', 'packages/formats']).filter((edge) =>
      above.includes(edge.to),
    );

    expect(found).toEqual([]);
  });

  it('keeps the pipeline free of the CLI, the local backends and the infrastructure', () => {
    const found = edgesFrom(['packages/pipeline']).filter((edge) =>
      ['packages/cli', 'packages/local', 'infra'].includes(edge.to),
    );

    expect(found).toEqual([]);
  });

  it('keeps the Lambda handlers free of the infrastructure', () => {
    expect(edgesFrom(['functions']).filter((edge) => edge.to === 'infra')).toEqual([]);
  });
});
