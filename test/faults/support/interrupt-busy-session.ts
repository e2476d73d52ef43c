// A command interrupted while its requests are in flight: opens a session on the embedded backend
// in the state folder given, keeps DynamoDB writes and reads going through the production client
// factory without a pause, says `busy` on stdout once they run, and waits for a signal. The parent
// sends SIGINT: the session stops the backend under requests nobody awaits any more.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { withSession } from '#packages/cli/session.ts';
import { dynamoDocumentClient } from '#packages/storage/client-factory.ts';

const [stateDir = ''] = process.argv.slice(2);
process.env.HLD_STATE_DIR = stateDir;
process.env.HLD_BACKEND = 'embedded';

await withSession(undefined, async ({ ctx }) => {
  const client = dynamoDocumentClient();
  for (let round = 0; ; round += 1) {
    await Promise.all([
      ...Array.from({ length: 8 }, (_, index) =>
        client.send(
          new PutCommand({
            TableName: ctx.config.ledgerTable,
            Item: { pk: `TEST#busy-${index}`, sk: `ROUND#${round}`, payload: 'x'.repeat(2048) },
          }),
        ),
      ),
      ctx.ledger.listRuns(),
    ]);
    if (round === 0) process.stdout.write('busy\n');
  }
});
