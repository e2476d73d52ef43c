#!/usr/bin/env node
// `npm run bench`: the benchmark suite (bench/run.ts), on the Node the stack deploys Lambda on
// (Node 24, found or fetched by bench/runtimes.ts) and then on the machine's own Node for
// comparison (`--runtime deployed|machine|both`, default both). Each suite runs in its own
// process on that binary; each measurement then runs in a fresh child of it. TypeScript runs
// through tsx's loader, as for bin/hld.js.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

if (process.env.BENCH_SUITE_RUNTIME) {
  await import('../bench/run.ts');
} else {
  const { deployedRuntime, machineRuntime } = await import('../bench/runtimes.ts');
  const args = process.argv.slice(2);
  const at = args.indexOf('--runtime');
  const wanted = at >= 0 ? args[at + 1] : 'both';
  const suiteArgs = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;
  const runtimes = [];
  if (wanted === 'deployed' || wanted === 'both') {
    const deployed = deployedRuntime(ROOT);
    if ('missing' in deployed) {
      process.stderr.write(`bench: ${deployed.missing}; cannot measure the deployed runtime\n`);
      process.exit(1);
    }
    runtimes.push(deployed);
  }
  if (wanted === 'machine' || wanted === 'both') {
    const machine = machineRuntime();
    if (machine && !runtimes.some((runtime) => runtime.version === machine.version)) runtimes.push(machine);
    else if (!machine)
      process.stderr.write('bench: no node on PATH outside node_modules; machine run skipped\n');
    else process.stderr.write(`bench: the machine's Node is ${machine.version} too; measured once\n`);
  }
  let status = 0;
  for (const runtime of runtimes) {
    process.stderr.write(
      `\n=== ${runtime.label} runtime: Node ${runtime.version} (${runtime.execPath}, ${runtime.how})\n`,
    );
    const run = spawnSync(runtime.execPath, [join(ROOT, 'bin', 'bench.js'), ...suiteArgs], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, BENCH_SUITE_RUNTIME: runtime.label },
    });
    status ||= run.status ?? 1;
  }
  if (runtimes.length === 2 && status === 0) {
    // Side by side: each benchmark's median on the deployed runtime and on the machine's Node.
    const { readFileSync } = await import('node:fs');
    const read = (label) =>
      JSON.parse(readFileSync(join(ROOT, 'bench', '.data', `results-${label}.json`), 'utf8')).results;
    const machine = new Map(read('machine').map((entry) => [entry.name, entry]));
    const rows = read('deployed').map((entry) => {
      const other = machine.get(entry.name);
      return [
        entry.name,
        `${entry.value} ${entry.unit}`,
        other ? `${other.value} ${other.unit}` : '',
        other?.value ? (entry.value / other.value).toFixed(2) : '',
      ];
    });
    const header = [
      'benchmark',
      `Node ${runtimes[0].version} (deployed)`,
      `Node ${runtimes[1].version} (machine)`,
      'deployed ÷ machine',
    ];
    const widths = header.map((title, column) =>
      Math.max(title.length, ...rows.map((row) => row[column].length)),
    );
    const format = (row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ');
    process.stderr.write(
      `\n${[format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(format)].join('\n')}\n`,
    );
  }
  process.exit(status);
}
