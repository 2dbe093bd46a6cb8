// The zsh completion script (`source <(mcp-auth-proxy completion zsh)`, or
// saved as _mcp-auth-proxy on $fpath): commands with their descriptions, each
// command's options through _arguments, and server names from
// `mcp-auth-proxy completion --servers`.
import type { CompletionModel, OptionModel, ValueKind } from './model.js';

export function zshScript(model: CompletionModel): string {
  const fn = `_${model.program.replace(/[^A-Za-z0-9]/g, '_')}`;
  const commands = model.commands.map((c) => `    ${quote(`${c.name}:${c.description}`)}`);
  const cases = model.commands.map((command) => {
    const specs = [...command.options.map(optionSpec), ...(command.argument.kind === 'none' ? [] : [quote(`1:${command.name === 'help' ? 'command' : 'argument'}:${action(command.argument, fn)}`)])];
    return `    ${command.name})\n      _arguments -s ${specs.join(' \\\n        ')}\n      ;;`;
  });
  return `#compdef ${model.program}
# zsh completion for ${model.program}; load it with:
#   source <(${model.program} completion zsh)
# or save it as _${model.program} in a directory on $fpath
${fn}_servers() {
  local -a servers
  servers=(\${(f)"$(${model.program} completion --servers 2>/dev/null)"})
  _describe 'server' servers
}
${fn}() {
  local -a commands
  commands=(
${commands.join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local cmd="\${words[2]}"
  shift words
  (( CURRENT-- ))
  case "$cmd" in
${cases.join('\n')}
  esac
}
if (( $+functions[compdef] )); then
  compdef ${fn} ${model.program}
fi
`;
}

function optionSpec(option: OptionModel): string {
  const names = [option.short, option.long].filter(Boolean) as string[];
  const description = option.description.replace(/[[\]:'\\]/g, ' ');
  const value = option.value.kind === 'none' ? '' : `:value:${action(option.value, '')}`;
  const exclusive = names.length > 1 ? `(${names.join(' ')})` : '';
  const spelled = names.length > 1 ? `{${names.join(',')}}` : (names[0] as string);
  return names.length > 1 ? `'${exclusive}'${spelled}'[${description}]${value}'` : `'${spelled}[${description}]${value}'`;
}

function action(value: ValueKind, fn: string): string {
  switch (value.kind) {
    case 'words':
      return `(${value.words.join(' ')})`;
    case 'servers':
      return `${fn || '_mcp_auth_proxy'}_servers`;
    case 'file':
      return '_files';
    default:
      return ' ';
  }
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
