// The policy in the stdio bridge, which carries parsed messages rather than
// bytes: a call the policy denies is answered here and never sent upstream,
// and the answer to a list request loses the entries the local user may not
// use. The same compiled policy and decision as the daemon's.
import { LOCAL_PRINCIPAL } from '../identity/principal.js';
import type { CallerPolicy, Policy } from '../policy/compile.js';
import { LIST_METHODS, type ListSpec } from '../proxy/list-filter.js';
import { deniedResponse, judgedTarget } from '../proxy/policy-step.js';

type Message = { id?: unknown; method?: unknown; params?: Record<string, unknown>; result?: Record<string, unknown> };

export class BridgePolicy {
  private readonly view: CallerPolicy;
  /** List requests sent upstream and not yet answered, by id. */
  private readonly lists = new Map<unknown, ListSpec>();

  constructor(
    policy: Policy,
    private readonly server: string,
  ) {
    this.view = policy.forCaller(LOCAL_PRINCIPAL);
  }

  /**
   * For a message from the agent: the error response when the policy denies
   * it (null for a denied notification: dropped, nothing to answer), or
   * undefined when it goes upstream.
   */
  refusal(message: unknown): object | null | undefined {
    const request = message as Message;
    if (typeof request.method !== 'string') return undefined;
    const list = LIST_METHODS[request.method];
    if (list && request.id !== undefined && request.id !== null) this.lists.set(request.id, list);
    const ref = request.params?.ref as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
    const call = judgedTarget({
      method: request.method,
      hasId: request.id !== undefined,
      ...(typeof request.params?.name === 'string' ? { name: request.params.name } : {}),
      ...(typeof request.params?.uri === 'string' ? { uri: request.params.uri } : {}),
      ...(ref && typeof ref === 'object' ? { ref: { type: text(ref.type), name: text(ref.name), uri: text(ref.uri) } } : {}),
    });
    const name = call?.name;
    if (!call || name === undefined) return undefined;
    const decision = this.view.decide(this.server, name);
    if (decision.allowed) return undefined;
    if (request.id === undefined) return null;
    return deniedResponse(request.id as string | number, call.kind, this.server, name, LOCAL_PRINCIPAL, decision);
  }

  /** A message from the upstream, with the list filtered when it answers a list request. */
  filter<T>(message: T): T {
    const answer = message as Message;
    if (answer.id === undefined) return message;
    const spec = this.lists.get(answer.id);
    if (!spec) return message;
    this.lists.delete(answer.id);
    const entries = answer.result?.[spec.field];
    if (!Array.isArray(entries)) return message;
    const kept = entries.filter((entry) => {
      const name = (entry as Record<string, unknown> | null)?.[spec.key];
      return typeof name === 'string' && this.view.decide(this.server, name).allowed;
    });
    if (kept.length === entries.length) return message;
    return { ...answer, result: { ...answer.result, [spec.field]: kept } } as T;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
