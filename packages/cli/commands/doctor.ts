import { contentHash, itemHash } from '#contracts/briefing/hash.ts';
import { readArrowTable } from '#packages/arrow/read.ts';
import { writeExportsToBucket } from '#packages/briefing/exports/bucket.ts';
import { exportPrefix, exportsIntact } from '#packages/briefing/exports/layout.ts';
import type { DiskS3Store } from '#packages/local/disk-s3-store.ts';
import { describeHolder, holderIsDead, releaseLockOfDeadHolder } from '#packages/local/stale-lock.ts';
import { BUCKET_EXPORT_FORMATS } from '#packages/pipeline/assemble.ts';
import { normaliseFile, snapshotIdFor } from '#packages/pipeline/normalise.ts';
import { REFRESH_LOCK } from '#packages/pipeline/refresh-lock.ts';
import { latestAcceptedUploads } from '#packages/pipeline/source-pointers.ts';
import type { DamagedItem } from '#packages/storage/briefing-store.ts';
import type { FileRecord } from '#packages/storage/ledger.ts';
import { EXIT, type Output } from '../output.ts';
import type { Session } from '../session.ts';

/** One thing `hld doctor` found wrong, and what became of it. */
export interface Finding {
  readonly area:
    | 'objects'
    | 'raw'
    | 'sources'
    | 'curated'
    | 'versions'
    | 'exports'
    | 'locks'
    | 'runs'
    | 'index';
  readonly problem: string;
  /** What doctor did about it (absent when it could not, or was asked not to). */
  readonly repaired?: string;
  /** What a person has to do, when doctor cannot repair it. */
  readonly action?: string;
  /** Housekeeping (e.g. unreferenced bytes): reported, but the state is sound without it. */
  readonly housekeeping?: boolean;
}

interface Doctor {
  readonly session: Session;
  readonly repair: boolean;
  readonly findings: Finding[];
}

/**
 * `hld doctor`: check the state (objects ↔ ledger ↔ briefing versions, locks, runs) and repair
 * what can be repaired; `--dry-run` only reports. Repairs never invent data: raw objects are
 * re-linked from bytes that hash to the ledger's SHA-256, curated tables are rebuilt from raw,
 * exports from the version's items, and a lock is released only when its holder is dead.
 * Exit 0 when nothing is left wrong, 1 when something is (each with what to do).
 */
export async function doctorCommand(
  session: Session,
  out: Output,
  options: { dryRun: boolean },
): Promise<number> {
  const doctor: Doctor = { session, repair: !options.dryRun, findings: [] };
  const store = session.backend.objectStore;
  if (store) checkStoredObjects(doctor, store);
  await checkRawObjects(doctor, store);
  await checkSourcePointers(doctor);
  await checkCuratedTables(doctor);
  await checkVersions(doctor);
  await checkLocksAndRuns(doctor);
  if (store && session.backend.name === 'embedded') {
    await checkIndex(doctor);
    removeUnreferencedBlobs(doctor, store);
  }
  const remaining = doctor.findings.filter((finding) => !finding.repaired && !finding.housekeeping);
  const healthy = remaining.length === 0;
  out.result(
    { healthy, repaired: doctor.repair, findings: doctor.findings, state: session.stateDir ?? null },
    () =>
      [
        `State: ${session.stateDir ?? `${session.backend.name} (nothing on this machine)`}`,
        ...(doctor.findings.length === 0
          ? ['Everything checked is consistent: objects, ledger, briefing versions, locks and runs.']
          : []),
        ...doctor.findings.map(
          (finding) =>
            `${finding.repaired ? 'repaired' : options.dryRun ? 'found   ' : 'PROBLEM '} [${finding.area}] ${finding.problem}` +
            (finding.repaired ? `\n           → ${finding.repaired}` : '') +
            // A repaired finding leaves nothing to do: its action was the way to repair it by hand.
            (finding.action && !finding.repaired ? `\n           → to do: ${finding.action}` : ''),
        ),
        ...(options.dryRun && doctor.findings.length > 0
          ? ['', 'Nothing was changed (--dry-run); run hld doctor to repair.']
          : []),
      ].join('\n'),
  );
  return healthy ? EXIT.ok : EXIT.problems;
}

function note(doctor: Doctor, finding: Finding, repair?: () => string | undefined): void {
  if (!doctor.repair || !repair) {
    doctor.findings.push(finding);
    return;
  }
  const repaired = repair();
  doctor.findings.push(repaired ? { ...finding, repaired } : finding);
}

async function noteAsync(
  doctor: Doctor,
  finding: Finding,
  repair?: () => Promise<string | undefined>,
): Promise<void> {
  if (!doctor.repair || !repair) {
    doctor.findings.push(finding);
    return;
  }
  try {
    const repaired = await repair();
    doctor.findings.push(repaired ? { ...finding, repaired } : finding);
  } catch (error) {
    doctor.findings.push({
      ...finding,
      action: `${finding.action ?? ''} (repair failed: ${(error as Error).message})`.trim(),
    });
  }
}

/** The embedded store's own files: unreadable records, missing or damaged blobs. */
function checkStoredObjects(doctor: Doctor, store: DiskS3Store): void {
  for (const bucket of store.bucketNames()) {
    const { records, unreadable } = store.scanBucket(bucket);
    for (const path of unreadable) {
      note(
        doctor,
        { area: 'objects', problem: `${path}: an object record of ${bucket} cannot be read` },
        () => {
          return `moved aside to ${store.moveAside(path)}; the object is re-linked from the ledger below if it can be`;
        },
      );
    }
    for (const record of records) {
      if (store.blobIntact(record.sha256)) continue;
      const missing = !blobExists(store, record.sha256);
      note(
        doctor,
        {
          area: 'objects',
          problem: `s3://${bucket}/${record.key}: its bytes ${missing ? 'are missing' : `no longer match their SHA-256 (${store.blobPath(record.sha256)})`}`,
        },
        () => {
          const moved = missing ? undefined : store.moveAside(store.blobPath(record.sha256));
          store.deleteObject(bucket, record.key);
          return `${moved ? `damaged bytes moved aside to ${moved}; ` : ''}the object is dropped and rebuilt below if it can be`;
        },
      );
    }
  }
  // Any index of the earlier layout still there after start is one that could not be parsed.
  for (const path of store.legacyIndexPaths()) {
    note(
      doctor,
      { area: 'objects', problem: `${path}: an index of the earlier layout cannot be parsed` },
      () => {
        return `moved aside to ${store.moveAside(path)}; its objects are re-linked from the ledger below if they can be`;
      },
    );
  }
}

function blobExists(store: DiskS3Store, sha256: string): boolean {
  return store.blobNames().includes(sha256);
}

/** Every file the ledger knows has its raw bytes (re-linked or copied back when they can be found). */
async function checkRawObjects(doctor: Doctor, store: DiskS3Store | undefined): Promise<void> {
  const { raw, config } = doctor.session.ctx;
  for (const file of await doctor.session.ctx.ledger.listFiles()) {
    if (await rawIsIntact(file, doctor, store)) continue;
    await noteAsync(
      doctor,
      {
        area: 'raw',
        problem: `${file.sourceName} (${file.sha256.slice(0, 12)}): its raw copy s3://${config.rawBucket}/${file.rawKey} is missing`,
        action: `ingest the file again (hld ingest <path to ${file.sourceName.split('/').pop()}> --kind ${file.kind}); its bytes are nowhere else`,
      },
      async () => {
        if (store?.blobIntact(file.sha256)) {
          store.linkObject(config.rawBucket, file.rawKey, file.sha256, { metadata: { sha256: file.sha256 } });
          return 're-linked from the stored bytes whose SHA-256 the ledger records';
        }
        if ((await raw.exists(file.uploadKey)) && (await raw.sha256(file.uploadKey)) === file.sha256) {
          await raw.copy(file.uploadKey, file.rawKey);
          return `copied back from the upload ${file.uploadKey}, which holds the same bytes`;
        }
        return undefined;
      },
    );
  }
}

async function rawIsIntact(
  file: FileRecord,
  doctor: Doctor,
  store: DiskS3Store | undefined,
): Promise<boolean> {
  const { raw, config } = doctor.session.ctx;
  if (store) {
    const record = store.recordOf(config.rawBucket, file.rawKey);
    return record?.sha256 === file.sha256 && store.blobIntact(record.sha256);
  }
  return raw.exists(file.rawKey);
}

/**
 * Accepted uploads no name points at. Ingest records a file as accepted, then points its name at
 * it: a command stopped in between (Ctrl-C, a kill) leaves rows `hld status` counts as accepted
 * that no refresh publishes. A name with no pointer at all is pointed at its latest accepted
 * upload (nothing else can be current). A name pointing at an upload older than an accepted one
 * is reported, not repaired: a later upload of older bytes is legitimately current, and only the
 * person knows which upload they meant last.
 */
async function checkSourcePointers(doctor: Doctor): Promise<void> {
  const { ctx } = doctor.session;
  const pointers = new Map((await ctx.ledger.listSources()).map((pointer) => [pointer.sourceName, pointer]));
  for (const [sourceName, file] of latestAcceptedUploads(await ctx.ledger.listFiles())) {
    const pointer = pointers.get(sourceName);
    const rows = `${file.rowsAccepted} accepted row${file.rowsAccepted === 1 ? '' : 's'}`;
    if (!pointer) {
      await noteAsync(
        doctor,
        {
          area: 'sources',
          problem: `${sourceName}: upload ${file.sha256.slice(0, 12)} (${rows}, received ${file.receivedAt}) is accepted, but the name points at nothing, so no refresh publishes it (an ingest stopped before it pointed the name)`,
          action: `run hld doctor without --dry-run or hld refresh (both point it), or ingest ${sourceName.split('/').pop()} again`,
        },
        async () => {
          const pointed = await ctx.ledger.pointSource({
            sourceName,
            kind: file.kind,
            sha256: file.sha256,
            receivedAt: file.receivedAt,
          });
          return pointed
            ? `pointed ${sourceName} at ${file.sha256.slice(0, 12)}; the next refresh publishes it`
            : undefined;
        },
      );
      continue;
    }
    const pointedSince = pointer.uploadedAt ?? pointer.receivedAt;
    if (
      pointer.sha256 !== file.sha256 &&
      pointedSince < file.receivedAt &&
      pointer.receivedAt < file.receivedAt
    ) {
      doctor.findings.push({
        area: 'sources',
        problem: `${sourceName} points at ${pointer.sha256.slice(0, 12)} (uploaded ${pointedSince}), but a later upload, ${file.sha256.slice(0, 12)} (${rows}, received ${file.receivedAt}), was accepted and never made current (an ingest stopped before it pointed the name)`,
        action: `if that later upload is the one you meant, ingest ${sourceName.split('/').pop()} again; it becomes current and the next refresh publishes it`,
      });
    }
  }
}

/** Every current source has the curated tables of its current contracts, readable. */
async function checkCuratedTables(doctor: Doctor): Promise<void> {
  const { ctx } = doctor.session;
  const checked = new Set<string>();
  for (const source of await ctx.ledger.listSources()) {
    if (checked.has(source.sha256)) continue;
    checked.add(source.sha256);
    const file = await ctx.ledger.getFile(source.sha256);
    if (!file) {
      doctor.findings.push({
        area: 'curated',
        problem: `${source.sourceName} points at ${source.sha256.slice(0, 12)}, which the ledger does not know`,
        action: `ingest ${source.sourceName.split('/').pop()} again`,
      });
      continue;
    }
    if (file.status !== 'accepted') continue;
    const snapshotId = snapshotIdFor(file.kind);
    const snapshot = await ctx.ledger.getSnapshot(file.sha256, snapshotId);
    if (!snapshot) continue; // not normalised yet under these contracts: the next refresh does it
    const damaged: string[] = [];
    for (const table of snapshot.tables) {
      try {
        readArrowTable(await ctx.curated.get(table.key));
      } catch (error) {
        damaged.push(`${table.key} (${(error as Error).name})`);
      }
    }
    if (damaged.length === 0) continue;
    await noteAsync(
      doctor,
      {
        area: 'curated',
        problem: `${source.sourceName}: curated table(s) missing or damaged: ${damaged.join(', ')}`,
        action: 'restore the raw file first (see above), then run hld doctor again',
      },
      async () => {
        await ctx.ledger.forgetSnapshot(file.sha256, snapshotId);
        const rebuilt = await normaliseFile(file, ctx);
        // Only an accepted file is rebuilt here, and an accepted file is never refused again.
        if (rebuilt.status === 'refused') throw new Error(`${file.sha256} is refused: nothing to rebuild`);
        return `rebuilt from raw (${rebuilt.snapshot.tables.map((table) => `${table.table}: ${table.rows} rows`).join(', ')})`;
      },
    );
  }
}

/** `country#MDA (2 of 3 parts: 0, 2)`, for each damaged item (the first five, then how many more). */
function damagedList(damaged: readonly DamagedItem[]): string {
  const named = damaged
    .slice(0, 5)
    .map(
      (entry) =>
        `${entry.item} (${entry.found.length} of ${entry.expected} parts: ${entry.found.join(', ') || 'none'})`,
    );
  return `${named.join(', ')}${damaged.length > 5 ? ` and ${damaged.length - 5} more` : ''}`;
}

/**
 * Every item of every kept version has all its parts (a lost part row makes readers refuse the
 * version, never show a shorter briefing). Returns the live version's damaged items.
 */
async function checkItemParts(doctor: Doctor, live: number | undefined): Promise<DamagedItem[]> {
  const { briefings, config } = doctor.session.ctx;
  const versions = (await briefings.listVersions(config.dataset)).map((record) => record.version);
  let liveDamage: DamagedItem[] = [];
  const intact: number[] = [];
  for (const version of versions.sort((a, b) => a - b)) {
    const damaged = await briefings.damagedItems(config.dataset, version);
    if (damaged.length === 0) {
      if (version !== live) intact.push(version);
      continue;
    }
    if (version === live) {
      liveDamage = damaged;
      continue;
    }
    doctor.findings.push({
      area: 'versions',
      problem: `${config.dataset}: kept v${version} has ${damaged.length} item(s) missing parts: ${damagedList(damaged)}`,
      action: `do not roll back to v${version} or diff with it (its items cannot be read); retention deletes it as newer versions are published`,
    });
  }
  if (live !== undefined && liveDamage.length > 0) {
    const fallback = intact.at(-1);
    doctor.findings.push({
      area: 'versions',
      problem: `${config.dataset}: CURRENT v${live} has ${liveDamage.length} item(s) missing parts, so no reader can show it: ${damagedList(liveDamage)}`,
      action:
        `run hld refresh (it publishes the same content again as a new version)` +
        (fallback === undefined
          ? ''
          : `, or first roll back to intact v${fallback} (hld briefing rollback ${fallback} --why "v${live} damaged")`),
    });
  }
  return liveDamage;
}

/** CURRENT names a version whose items hash to its recorded hash; its exports are all there. */
async function checkVersions(doctor: Doctor): Promise<void> {
  const { briefings, exports, config } = doctor.session.ctx;
  const pointer = await briefings.current(config.dataset);
  if ((await checkItemParts(doctor, pointer?.version)).length > 0) return;
  if (!pointer) return;
  const record = await briefings.getVersion(config.dataset, pointer.version);
  const items = await briefings.listItems(config.dataset, pointer.version);
  const altered = items.filter((item) => itemHash(item) !== item.hash);
  const intact =
    record !== undefined &&
    altered.length === 0 &&
    items.length === record.itemCount &&
    contentHash(items) === record.contentHash &&
    (pointer.contentHash === undefined || pointer.contentHash === record.contentHash);
  if (!record || !intact) {
    const others = (await briefings.listVersions(config.dataset))
      .filter((version) => version.version !== pointer.version)
      .map((version) => version.version);
    doctor.findings.push({
      area: 'versions',
      problem: `${config.dataset}: CURRENT v${pointer.version} is not the version it recorded (${
        record
          ? `${items.length} of ${record.itemCount} items, ${altered.length} altered`
          : 'no version record'
      })`,
      action: others.length
        ? `roll back to an intact version (hld briefing rollback ${Math.max(...others)} --why "v${pointer.version} damaged"), then hld refresh`
        : 'run hld refresh to publish a new version',
    });
    return;
  }
  const prefix = exportPrefix(config.dataset, pointer.version);
  if (await exportsIntact(exports, config.dataset, pointer.version)) return;
  await noteAsync(
    doctor,
    {
      area: 'exports',
      problem: `${config.dataset} v${pointer.version}: exports missing or damaged under ${prefix}`,
    },
    async () => {
      await writeExportsToBucket(items, exports, prefix, BUCKET_EXPORT_FORMATS, {
        dataset: config.dataset,
        version: pointer.version,
        asOf: record.createdAt.slice(0, 10),
      });
      return 'written again from the version\u2019s items';
    },
  );
}

async function checkLocksAndRuns(doctor: Doctor): Promise<void> {
  const { ledger } = doctor.session.ctx;
  const lock = await ledger.getLock(REFRESH_LOCK);
  if (lock && holderIsDead(lock)) {
    await noteAsync(
      doctor,
      { area: 'locks', problem: `the refresh lock is held by ${describeHolder(lock)}` },
      async () => (await releaseLockOfDeadHolder(ledger, REFRESH_LOCK)) ?? undefined,
    );
  }
  const holder = doctor.repair && lock && holderIsDead(lock) ? undefined : lock?.holder;
  for (const run of await ledger.listRuns()) {
    if (run.status !== 'running' || run.runId === holder) continue;
    await noteAsync(
      doctor,
      {
        area: 'runs',
        problem: `run ${run.runId} (started ${run.startedAt}) is recorded as running but holds no lock`,
      },
      async () =>
        (await ledger.failRunThatDied(
          run.runId,
          'it ended without recording an outcome (found by hld doctor)',
        ))
          ? 'recorded as failed'
          : undefined,
    );
  }
}

/** Index entries of the embedded DynamoDB left by a kill between an index write and its item. */
async function checkIndex(doctor: Doctor): Promise<void> {
  const { ledger } = doctor.session.ctx;
  for (const ghost of await ledger.findIndexGhosts()) {
    await noteAsync(
      doctor,
      {
        area: 'index',
        problem: `ledger index entry ${String(ghost.gsi1pk)} ${String(ghost.gsi1sk)} does not match its item`,
      },
      async () => {
        await ledger.removeIndexGhost(ghost);
        return 'index entry brought back in line with the item';
      },
    );
  }
}

function removeUnreferencedBlobs(doctor: Doctor, store: DiskS3Store): void {
  const referenced = new Set<string>();
  for (const bucket of store.bucketNames()) {
    for (const record of store.scanBucket(bucket).records) referenced.add(record.sha256);
  }
  const unreferenced = store.blobNames().filter((sha256) => !referenced.has(sha256));
  if (unreferenced.length === 0) return;
  const finding: Finding = {
    area: 'objects',
    problem: `${unreferenced.length} stored blob(s) that no object names (left by interrupted or replaced writes)`,
    housekeeping: true,
  };
  note(doctor, finding, () => {
    for (const sha256 of unreferenced) store.removeBlob(sha256);
    return 'removed';
  });
}
