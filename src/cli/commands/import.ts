// `mcp-auth-proxy import --client NAME [--write | --undo]`: moves the MCP
// servers of an agent's config behind the proxy. It reads the agent's file,
// finds the secrets in it (env values, Authorization and API-key headers,
// tokens in URLs and arguments) and prints the plan; --write stores them in
// the keychain, adds the servers to the user config (stdio entries as
// command servers), points the agent's entries at the proxy and keeps a
// sealed backup that --undo restores byte for byte.
import { proxyBase } from '../../clients/proxy-url.js';
import { loadConfig } from '../../config/load.js';
import { userConfigFile } from '../../config/paths.js';
import { clientToken } from '../../daemon/client-token.js';
import { AppError, EXIT_USAGE } from '../../errors.js';
import { readAgentFile, defaultPath, entriesOf, clientInfo } from '../../import/agent-file.js';
import type { ImportedEntry } from '../../import/found.js';
import { planImport } from '../../import/plan.js';
import { openStores } from '../../secrets/stores.js';
import { configWarnings, print, type CommandContext } from '../context.js';
import { tellDaemons } from '../notify-daemons.js';
import { INSECURE_WARNING, noKeychain } from '../store-secret.js';

export interface ImportOptions {
  client: string;
  write?: boolean;
  undo?: boolean;
  force?: boolean;
  file?: string;
  insecureStorage?: boolean;
  json?: boolean;
  config?: string;
  listen?: string;
}

export async function importCommand(ctx: CommandContext, names: string[], options: ImportOptions): Promise<void> {
  const info = clientInfo(options.client);
  const path = options.file ?? defaultPath(info.id, ctx.env);
  if (!path) throw new AppError('NO_CONFIG_PATH', `${info.displayName} keeps no config file on this platform`, { hint: 'Pass --file PATH.', exitCode: EXIT_USAGE });
  const stores = openStores(ctx.env);
  if (options.undo) {
    if (options.write) throw new AppError('USAGE', '--undo and --write do not go together', { exitCode: EXIT_USAGE });
    const { undoImport } = await import('../../import/undo.js');
    const record = await undoImport({ env: ctx.env, stores, client: info.id, ...(options.file ? { file: path } : {}), force: Boolean(options.force) });
    if (options.json) return print(ctx, JSON.stringify({ restored: record.file, importedAt: record.at, servers: record.servers }, null, 2));
    print(ctx, `Restored ${record.file} as it was before the import of ${record.at}.`);
    print(ctx, `The servers it added (${record.servers.join(', ')}) stay in your mcp-auth-proxy config, and their secrets in the keychain; \`mcp-auth-proxy logout NAME\` removes a secret.`);
    return;
  }
  const { config } = await loadConfig({ cwd: ctx.cwd, env: ctx.env, ...(options.config ? { configFile: options.config } : {}), flags: options.listen ? { listen: options.listen } : {}, warn: configWarnings(ctx) });
  const base = proxyBase(config.listen);
  const file = await readAgentFile(info.id, path);
  const plans = planImport(file, entriesOf(file), { proxyBase: base, ...(names.length ? { only: names } : {}) });
  // The values found are secrets: nothing printed from here on may show one.
  for (const plan of plans) for (const secret of plan.secrets) ctx.redactor.add(secret.value);
  const unknown = names.filter((name) => !plans.some((p) => p.entry.key === name));
  if (unknown.length) throw new AppError('UNKNOWN_ENTRY', `${path} has no server ${unknown.map((n) => `"${n}"`).join(', ')}`, { hint: `It has: ${entriesOf(file).map((e) => e.key).join(', ') || '(none)'}`, exitCode: EXIT_USAGE });
  const imported = plans.filter((plan) => plan.server !== undefined);
  if (!options.json) describePlan(ctx, file.displayName, path, plans, base, file.takesHttp);
  const stranded = plans.filter((plan) => plan.holdsSecret && plan.skip !== undefined);
  if (!options.write) {
    if (options.json) return print(ctx, JSON.stringify({ client: info.id, file: path, entries: plans.map(planJson), written: false }, null, 2));
    print(ctx);
    print(ctx, imported.length === 0 ? 'Nothing to import.' : `Nothing was changed. Run again with --write to do this (the file is backed up, sealed; \`mcp-auth-proxy import --client ${info.id} --undo\` restores it).`);
    return;
  }
  if (imported.length === 0) throw new AppError('NOTHING_TO_IMPORT', `No entry of ${path} holds a secret the proxy can take over`, { hint: 'Nothing was changed.' });
  if (stranded.length > 0 && names.length === 0) {
    throw new AppError('SECRET_WOULD_STAY', `${stranded.map((p) => `"${p.entry.key}"`).join(', ')} holds a secret the import cannot move (${stranded.map((p) => p.skip).join('; ')}), so the file would keep it`, {
      hint: 'Nothing was changed. Move that one by hand, or name the entries to import: `mcp-auth-proxy import --client NAME --write ENTRY...`.',
    });
  }
  if (options.insecureStorage) ctx.stderr.write(`${INSECURE_WARNING}\n`);
  else await stores.keychain.get('mcp-auth-proxy-probe').catch((error: unknown) => Promise.reject(noKeychain(error)));
  const token = config.clientToken && file.takesHttp ? await clientToken(ctx.env) : undefined;
  const { applyImport } = await import('../../import/apply.js');
  const { record, storedIn } = await applyImport(file, imported, { env: ctx.env, stores, insecureStorage: Boolean(options.insecureStorage), force: Boolean(options.force), proxyBase: base, ...(token ? { headers: { 'X-MCP-Proxy-Token': token } } : {}) });
  // Running daemons read the config again for servers they do not serve yet.
  for (const name of record.servers) await tellDaemons(ctx, name);
  if (options.json) return print(ctx, JSON.stringify({ client: info.id, file: path, entries: plans.map(planJson), written: true, backup: record.backup, servers: record.servers, secretsIn: storedIn }, null, 2));
  print(ctx);
  print(ctx, `Stored ${record.secrets.length} secret${record.secrets.length === 1 ? '' : 's'} in the ${storedIn}; added ${record.servers.join(', ')} to ${userConfigFile(ctx.env)}.`);
  print(ctx, `Rewrote ${record.file}; its old content is sealed in ${record.backup} (\`mcp-auth-proxy import --client ${info.id} --undo\` restores it).`);
  print(ctx, `Next: \`mcp-auth-proxy start --detach\` (or \`reload\` a running one), then restart ${file.displayName}.`);
}

function describePlan(ctx: CommandContext, client: string, path: string, plans: ImportedEntry[], base: string, takesHttp: boolean): void {
  print(ctx, `${client}: ${path}`);
  if (plans.length === 0) print(ctx, '  no MCP servers in it');
  for (const plan of plans) {
    const where = plan.entry.project ? ` (project ${plan.entry.project})` : '';
    print(ctx, `  ${plan.entry.key}${where}: ${plan.kind} ${plan.shown}`);
    for (const secret of plan.secrets) print(ctx, `    ${secret.where} → keychain:${secret.account}`);
    for (const note of plan.notes) print(ctx, `    note: ${note}`);
    if (plan.skip) print(ctx, `    left as it is: ${plan.skip}`);
    else print(ctx, `    becomes ${plan.kind === 'stdio' ? 'command server' : 'server'} "${plan.name}"; ${client} ${takesHttp ? `calls ${base}/${plan.name}/mcp` : `launches \`mcp-auth-proxy stdio ${plan.name}\``}`);
  }
}

function planJson(plan: ImportedEntry): Record<string, unknown> {
  return {
    entry: plan.entry.key,
    ...(plan.entry.project ? { project: plan.entry.project } : {}),
    kind: plan.kind,
    shown: plan.shown,
    ...(plan.skip ? { skip: plan.skip } : { server: plan.name, config: plan.server }),
    secrets: plan.secrets.map((s) => ({ where: s.where, account: s.account })),
    notes: plan.notes,
  };
}
