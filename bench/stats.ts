/** Median and spread of benchmark runs. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function spread(values: readonly number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Peak resident set size of this process in MB (Linux VmHWM), or NaN elsewhere. */
export async function peakRssMB(): Promise<number> {
  try {
    const { readFile } = await import('node:fs/promises');
    const status = await readFile('/proc/self/status', 'utf8');
    const kilobytes = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return round(kilobytes / 1024, 1);
  } catch {
    return Number.NaN;
  }
}
