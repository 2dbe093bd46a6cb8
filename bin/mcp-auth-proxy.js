#!/usr/bin/env node
// Shim: the compiled CLI lives in dist/ (shipped in the package; in a clone,
// `npm run build` makes it, and `npm test` builds it first).
let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !/dist[\\/]cli[\\/]main\.js/.test(String(error.message))) throw error;
  process.stderr.write('error: mcp-auth-proxy is not built here (no dist/)\nhint: run `npm run build` in this clone first.\n');
  process.exit(1);
}
await main();
