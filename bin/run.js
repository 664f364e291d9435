#!/usr/bin/env node
// `juba serve` with a plain argv starts without oclif (dist/cli/serve-fast.js): a server is up
// sooner and idles smaller. Everything else, `juba serve --help` included, goes through oclif.
const argv = process.argv.slice(2);
const served = argv[0] === 'serve' && (await (await import('../dist/cli/serve-fast.js')).fastServe(argv.slice(1)));
if (!served) {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
