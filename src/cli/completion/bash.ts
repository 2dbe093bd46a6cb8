// The bash completion script (`source <(mcp-auth-proxy completion bash)`):
// commands, each command's options, option values (choices, clients, files)
// and server names, which it asks `mcp-auth-proxy completion --servers` for
// when one is wanted (the config as it is in the current directory).
import type { CompletionModel, ValueKind } from './model.js';

export function bashScript(model: CompletionModel): string {
  const fn = `_${model.program.replace(/[^A-Za-z0-9]/g, '_')}`;
  const cases = model.commands.map((command) => {
    const valueCases = command.options
      .filter((o) => o.value.kind !== 'none')
      .map((o) => `        ${[o.short, o.long].filter(Boolean).join('|')}) ${reply(o.value, model.program)}; return ;;`);
    const flags = command.options.flatMap((o) => [o.long, o.short]).filter(Boolean).join(' ');
    return [
      `    ${command.name})`,
      ...(valueCases.length ? ['      case "$prev" in', ...valueCases, '      esac'] : []),
      `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${flags}" -- "$cur")); return; fi`,
      `      [[ $args -eq 0 ]] && { ${reply(command.argument, model.program)}; }`,
      '      ;;',
    ].join('\n');
  });
  // Options that take a value, any command: the word after one is that value, not a positional argument.
  const valued = [...new Set(model.commands.flatMap((c) => c.options.filter((o) => o.value.kind !== 'none').flatMap((o) => [o.short, o.long])).filter(Boolean))].join(' ');
  return `# bash completion for ${model.program}; load it with:
#   source <(${model.program} completion bash)
# or save it as ~/.local/share/bash-completion/completions/${model.program}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmd="" args=0 i word valued=" ${valued} "
  COMPREPLY=()
  # The command is the first word that is not an option; count the positional words after it.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if [[ -z "$cmd" ]]; then
      [[ "$word" != -* ]] && cmd="$word"
    elif [[ "$word" != -* && "$valued" != *" \${COMP_WORDS[i-1]} "* ]]; then
      args=$((args + 1))
    fi
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${model.commands.map((c) => c.name).join(' ')} --help --version" -- "$cur"))
    return
  fi
  case "$cmd" in
${cases.join('\n')}
  esac
}
complete -F ${fn} ${model.program}
`;
}

function reply(value: ValueKind, program: string): string {
  switch (value.kind) {
    case 'words':
      return `COMPREPLY=($(compgen -W "${value.words.join(' ')}" -- "$cur"))`;
    case 'servers':
      return `COMPREPLY=($(compgen -W "$(${program} completion --servers 2>/dev/null)" -- "$cur"))`;
    case 'file':
      return 'COMPREPLY=($(compgen -f -- "$cur"))';
    default:
      return 'COMPREPLY=()';
  }
}
