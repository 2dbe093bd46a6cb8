// The policy as a pure function, (caller, server, name) -> decision + rule id,
// compiled once per config. Precedence: rules are read in order; the first
// rule that is for the caller (its `when`) and names the thing (its `deny`,
// then its `allow`) decides; when none does, `default`. The rules for one
// caller and each server are worked out once and kept, and so are the
// decisions, so a tools/list of hundreds of tools costs map lookups.
import type { PolicyConfig, PolicyRuleConfig } from '../config/policy-schema.js';
import { compileGlob, globMatches, type Glob } from './glob.js';

/** Who is asking: the verified principal in team mode, the local user in local mode. */
export interface Caller {
  user: string;
  groups: readonly string[];
  method: string;
}

export interface Decision {
  readonly allowed: boolean;
  /** The id of the rule that decided; undefined: the default. */
  readonly rule: string | undefined;
  /** The name in that rule's allow or deny that matched. */
  readonly pattern: string | undefined;
}

export interface CompiledRule {
  readonly id: string;
  /** 0-based position in policy.rules. */
  readonly index: number;
  readonly config: PolicyRuleConfig;
  readonly users: readonly Glob[] | undefined;
  readonly groups: readonly Glob[] | undefined;
  readonly methods: ReadonlySet<string> | undefined;
  /** Deny entries first, then allow: within one rule deny is read first. */
  readonly entries: readonly Entry[];
}

interface Entry {
  readonly glob: Glob;
  /** The literal server the pattern names (lower case), or undefined when its server part has a `*`. */
  readonly server: string | undefined;
  readonly decision: Decision;
}

export interface CallerPolicy {
  /** The decision for `name` (tool or prompt name, or resource URI) on `server`. */
  decide(server: string, name: string): Decision;
}

export interface Policy {
  readonly defaultDecision: Decision;
  readonly rules: readonly CompiledRule[];
  /** The decisions for this caller (the same object for callers the same rules are for). */
  forCaller(caller: Caller): CallerPolicy;
}

/**
 * Decisions kept per caller view; past this the cache starts over. Names can
 * come from callers (resource URIs), so the cache is bounded in entries and
 * in name length: a view holds at most about 2 MB, a list of thousands of
 * tools still fits.
 */
const MAX_CACHED = 8_192;
/** Names longer than this are decided each time, not kept. */
const MAX_CACHED_NAME = 256;
/** Distinct sets of rules callers fall under (few in practice: they follow the groups). */
const MAX_VIEWS = 256;

export function compilePolicy(config: PolicyConfig): Policy {
  const defaultDecision: Decision = Object.freeze({ allowed: config.default === 'allow', rule: undefined, pattern: undefined });
  const rules = config.rules.map((rule, index) => compileRule(rule, index));
  /** Views by the rules they hold ("0,3,7"): callers with the same rules share decisions. */
  const views = new Map<string, CallerPolicy>();
  /** Principal objects are reused (cached verifications, the local user): their view at a lookup. */
  const byCaller = new WeakMap<Caller, CallerPolicy>();

  return {
    defaultDecision,
    rules,
    forCaller(caller) {
      const known = byCaller.get(caller);
      if (known) return known;
      const applying = rules.filter((rule) => ruleApplies(rule, caller));
      const key = applying.map((rule) => rule.index).join(',');
      let view = views.get(key);
      if (!view) {
        if (views.size >= MAX_VIEWS) views.clear();
        view = createView(applying, defaultDecision);
        views.set(key, view);
      }
      byCaller.set(caller, view);
      return view;
    },
  };
}

function compileRule(rule: PolicyRuleConfig, index: number): CompiledRule {
  const entry = (pattern: string, allowed: boolean): Entry => {
    const glob = compileGlob(pattern);
    const dot = glob.head.indexOf('.');
    return { glob, server: dot === -1 ? undefined : glob.head.slice(0, dot), decision: Object.freeze({ allowed, rule: rule.id, pattern }) };
  };
  return {
    id: rule.id,
    index,
    config: rule,
    users: rule.when?.users?.map(compileGlob),
    groups: rule.when?.groups?.map(compileGlob),
    methods: rule.when?.methods ? new Set(rule.when.methods) : undefined,
    entries: [...(rule.deny ?? []).map((p) => entry(p, false)), ...(rule.allow ?? []).map((p) => entry(p, true))],
  };
}

/** Why a rule is not for this caller, or undefined when it is: users or groups (either matches), and methods. */
export function ruleMismatch(rule: CompiledRule, caller: Caller): string | undefined {
  if (rule.methods && !rule.methods.has(caller.method)) return `when.methods does not include "${caller.method}"`;
  if (!rule.users && !rule.groups) return undefined;
  const user = caller.user.toLowerCase();
  if (rule.users?.some((glob) => globMatches(glob, user))) return undefined;
  if (rule.groups && caller.groups.some((group) => { const g = group.toLowerCase(); return rule.groups?.some((glob) => globMatches(glob, g)); })) return undefined;
  if (rule.users && rule.groups) return 'neither when.users nor when.groups names the caller';
  return rule.users ? 'when.users does not name the caller' : 'when.groups names none of the caller\'s groups';
}

export function ruleApplies(rule: CompiledRule, caller: Caller): boolean {
  return ruleMismatch(rule, caller) === undefined;
}

/** The entry of `rule` that matches `qualified` (lower case server.name), deny entries first. */
export function matchingEntry(rule: CompiledRule, qualified: string): { pattern: string; allowed: boolean } | undefined {
  for (const entry of rule.entries) if (globMatches(entry.glob, qualified)) return { pattern: entry.glob.source, allowed: entry.decision.allowed };
  return undefined;
}

function createView(applying: readonly CompiledRule[], defaultDecision: Decision): CallerPolicy {
  const all = applying.flatMap((rule) => rule.entries);
  /** Per server (lower case): the entries that can match its names, in order. */
  const perServer = new Map<string, readonly Entry[]>();
  let cache = new Map<string, Decision>();
  const entriesFor = (server: string): readonly Entry[] => {
    let entries = perServer.get(server);
    if (!entries) {
      entries = all.filter((entry) => entry.server === undefined || entry.server === server);
      // Servers come from the proxy's own routes (a bounded set); still, a bound.
      if (perServer.size < MAX_VIEWS) perServer.set(server, entries);
    }
    return entries;
  };
  return {
    decide(server, name) {
      const key = `${server}.${name}`;
      const cached = cache.get(key);
      if (cached) return cached;
      const qualified = key.toLowerCase();
      let decision = defaultDecision;
      for (const entry of entriesFor(server.toLowerCase())) {
        if (globMatches(entry.glob, qualified)) {
          decision = entry.decision;
          break;
        }
      }
      if (key.length <= MAX_CACHED_NAME) {
        if (cache.size >= MAX_CACHED) cache = new Map();
        cache.set(key, decision);
      }
      return decision;
    },
  };
}
