// The shape completion scripts are generated from, read off the commander
// program itself, so a new command or option completes without more code:
// each command's options (flag spellings, whether they take a value, its
// choices) and what its positional argument is (a server name, a shell).
import type { Command, Option } from 'commander';

export type ValueKind = { kind: 'none' } | { kind: 'file' } | { kind: 'words'; words: string[] } | { kind: 'servers' } | { kind: 'any' };

export interface OptionModel {
  short?: string;
  long?: string;
  description: string;
  value: ValueKind;
}

export interface CommandModel {
  name: string;
  description: string;
  options: OptionModel[];
  /** The first positional argument's completions. */
  argument: ValueKind;
}

export interface CompletionModel {
  program: string;
  commands: CommandModel[];
}

export function completionModel(program: Command, clients: string[]): CompletionModel {
  return {
    program: program.name(),
    commands: program.commands
      .filter((command) => !(command as unknown as { _hidden?: boolean })._hidden)
      .map((command) => ({
        name: command.name(),
        description: firstSentence(command.description()),
        options: [...command.options.filter((option) => !option.hidden).map((option) => optionModel(option, clients)), { long: '--help', short: '-h', description: 'show help', value: { kind: 'none' } as const }],
        argument: argumentKind(command),
      })),
  };
}

function optionModel(option: Option, clients: string[]): OptionModel {
  return {
    ...(option.short ? { short: option.short } : {}),
    ...(option.long ? { long: option.long } : {}),
    description: firstSentence(option.description),
    value: valueKind(option, clients),
  };
}

function valueKind(option: Option, clients: string[]): ValueKind {
  if (!option.required && !option.optional) return { kind: 'none' };
  if (option.argChoices?.length) return { kind: 'words', words: option.argChoices };
  const name = option.attributeName();
  if (name === 'client') return { kind: 'words', words: clients };
  if (name === 'config' || name === 'file' || name === 'logFile') return { kind: 'file' };
  return { kind: 'any' };
}

function argumentKind(command: Command): ValueKind {
  const argument = command.registeredArguments[0];
  if (!argument) return { kind: 'none' };
  if (argument.argChoices?.length) return { kind: 'words', words: argument.argChoices };
  if (argument.name() === 'server') return { kind: 'servers' };
  if (argument.name() === 'command') return { kind: 'words', words: command.parent?.commands.map((c) => c.name()) ?? [] };
  return { kind: 'any' };
}

/** Up to the first full stop or parenthesis: completion menus are one line. */
function firstSentence(text: string): string {
  return text.split(/[.(;]/)[0]?.trim() ?? '';
}
