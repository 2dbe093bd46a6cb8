// The fish completion script (`mcp-auth-proxy completion fish | source`, or
// saved in ~/.config/fish/completions/): commands, their options with
// descriptions and values, and server names from
// `mcp-auth-proxy completion --servers`.
import type { CompletionModel, ValueKind } from './model.js';

export function fishScript(model: CompletionModel): string {
  const p = model.program;
  const lines = [
    `# fish completion for ${p}; load it with:`,
    `#   ${p} completion fish | source`,
    `# or save it as ~/.config/fish/completions/${p}.fish`,
    `complete -c ${p} -f`,
    `complete -c ${p} -n __fish_use_subcommand -s h -l help -d 'show help'`,
    `complete -c ${p} -n __fish_use_subcommand -s v -l version -d 'print the version'`,
  ];
  for (const command of model.commands) {
    lines.push(`complete -c ${p} -n __fish_use_subcommand -a ${command.name} -d ${quote(command.description)}`);
    const when = `-n '__fish_seen_subcommand_from ${command.name}'`;
    for (const option of command.options) {
      const names = [option.short ? `-s ${option.short.slice(1)}` : '', option.long ? `-l ${option.long.slice(2)}` : ''].filter(Boolean).join(' ');
      lines.push(`complete -c ${p} ${when} ${names}${values(option.value, p)} -d ${quote(option.description)}`);
    }
    if (command.argument.kind !== 'none') lines.push(`complete -c ${p} ${when}${values(command.argument, p)}`);
  }
  return `${lines.join('\n')}\n`;
}

function values(value: ValueKind, program: string): string {
  switch (value.kind) {
    case 'words':
      return ` -x -a ${quote(value.words.join(' '))}`;
    case 'servers':
      return ` -x -a '(${program} completion --servers 2>/dev/null)'`;
    case 'file':
      return ' -r -F';
    case 'any':
      return ' -x';
    default:
      return '';
  }
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
