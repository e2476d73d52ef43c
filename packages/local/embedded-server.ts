/**
 * The embedded emulators in a process of their own (HLD_EMBEDDED_OUT_OF_PROCESS): started by
 * backends.ts under the watchdog of processes.ts as
 *   node [--import tsx] packages/local/embedded-server.ts <state folder or ''> <dynamo port> <s3 port> <buckets>
 * (buckets comma-separated, created when fauxqs is built). It is ready when the DynamoDB port
 * answers. It serves until SIGTERM (or SIGINT), then closes both servers; state on disk is
 * written through.
 *
 * fauxqs is built as soon as the ports are open, not on the first S3 request as in hld's own
 * process (where a read command may never ask S3 anything): here the build (about 0.5 s) runs
 * while hld bootstraps its tables, instead of holding up its first upload.
 */
import { startEmbeddedEmulators } from './embedded-emulators.ts';

const [stateDir = '', dynamoPort = '', s3Port = '', buckets = ''] = process.argv.slice(2);
const emulators = await startEmbeddedEmulators(
  stateDir || undefined,
  { dynamo: Number(dynamoPort), s3: Number(s3Port) },
  buckets.split(',').filter((name) => name !== ''),
);
for (const notice of emulators.notices) process.stderr.write(`hld: ${notice}\n`);
// A failed build answers the requests waiting for it with S3's InternalError, and the next
// request builds again (fauxqs-on-demand.ts): nothing to report from here.
emulators.buildS3().catch(() => {});
const stop = () => {
  void emulators.stop().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
