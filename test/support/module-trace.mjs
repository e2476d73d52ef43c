// Preloaded with `node --import`: prints every module the process resolved, one `[module] <url>`
// line each, on stderr at exit (Node's synchronous module hooks, Node 22.15+ / 24).
import module from 'node:module';

const resolved = new Set();
module.registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    resolved.add(result.url);
    return result;
  },
});
process.on('exit', () => {
  for (const url of resolved) process.stderr.write(`[module] ${url}\n`);
});
