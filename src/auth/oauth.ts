// `oauth`: the current access token from the server's TokenManager as
// `Authorization: Bearer`. The manager keeps it fresh; prepare() lets a
// request wait for a refresh in progress instead of sending a lapsed token.
import { insufficientScope } from '../oauth/scope.js';
import type { TokenManager } from '../oauth/token-manager.js';
import type { Signer } from './scheme.js';

export function createOAuthSigner(manager: TokenManager): Signer {
  return {
    type: 'oauth',
    needsBody: false,
    headerNames: ['authorization'],
    sign: () => manager.authorization(),
    prepare: () => manager.prepare(),
    refreshAfterUnauthorized: (sent) => manager.refreshAfterUnauthorized(sent),
    acceptedAfterRefresh: (sent) => manager.accepted(sent),
    insufficientScope: (challenge) => {
      const scope = insufficientScope(challenge);
      if (scope) manager.requireScope(scope);
      return scope;
    },
    state: () => {
      const status = manager.status();
      return { ready: status.loggedIn, ...(status.reason ? { reason: status.reason } : {}), details: { ...status } };
    },
    close: () => manager.close(),
  };
}
