// Where stock node-oidc-provider's URLs and answers are bent into Microsoft's shapes from the
// outside, by rewriting requests before the provider sees them and responses after it has
// answered: discovery under the issuer, the `common` / `organizations` tenant aliases and their
// multi-tenant discovery document, the device authorization response's `interval` and `message`,
// `slow_down`, and the OpenID Connect scopes in the token response's `scope`. Also the optional
// per-request stderr log. README.md, "every deviation from stock", items 1, 3 and 8 say why.

import { TENANT, TENANT_ALIASES, splitScope } from './tenant.mjs';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
// Slack for timer jitter when judging whether a poll came too early.
const POLL_TOLERANCE_MS = 200;

// ---------------------------------------------------------------------------------------------
// Requests: Microsoft URL shapes the provider's router cannot express: discovery under the
// issuer, and the `common` / `organizations` tenant aliases. Called on the raw Node request;
// marks an alias's discovery request with `req.tenantAlias` for adjustResponses.

export function rewrite(req) {
  const [path, query] = splitUrl(req.url);
  const wellKnown = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration\/?$/.exec(path);
  if (wellKnown && (wellKnown[1] === TENANT || TENANT_ALIASES.includes(wellKnown[1]))) {
    if (wellKnown[1] !== TENANT) req.tenantAlias = wellKnown[1];
    req.url = `/.well-known/openid-configuration${query}`;
    return;
  }
  const alias = /^\/([^/]+)(\/(?:oauth2\/v2\.0|discovery\/v2\.0)\/.*)$/.exec(path);
  if (alias && TENANT_ALIASES.includes(alias[1])) {
    req.url = `/${TENANT}${alias[2]}${query}`;
  }
}

function splitUrl(url) {
  const i = url.indexOf('?');
  return i === -1 ? [url, ''] : [url.slice(0, i), url.slice(i)];
}

// ---------------------------------------------------------------------------------------------
// Responses: Koa middleware for `provider.use()`, adjusting what the provider answered.
// `base` is the server's http://127.0.0.1:port, `deviceInterval` OIDC_DEVICE_INTERVAL.

export function adjustResponses({ base, deviceInterval }) {
  const lastPoll = new Map(); // device_code -> ms of the previous poll

  function forgetOldPolls(now) {
    for (const [code, at] of lastPoll) {
      if (now - at > 30 * 60 * 1000) lastPoll.delete(code);
    }
  }

  return async function adjustResponses(ctx, next) {
    await next();
    const route = ctx.oidc?.route;
    if (!route) return;

    // Discovery asked for under /common/ or /organizations/: Microsoft's multi-tenant document,
    // whose issuer has a {tenantid} placeholder and whose endpoints stay under the alias.
    if (route === 'discovery' && ctx.req.tenantAlias && ctx.status === 200 && ctx.body) {
      const alias = ctx.req.tenantAlias;
      const body = { ...ctx.body };
      for (const [key, value] of Object.entries(body)) {
        if (typeof value === 'string' && value.startsWith(`${base}/${TENANT}/`)) {
          body[key] = `${base}/${alias}/${value.slice(`${base}/${TENANT}/`.length)}`;
        }
      }
      body.issuer = `${base}/{tenantid}/v2.0`;
      ctx.body = body;
      return;
    }

    // Microsoft's device authorization response has `interval` and `message`; stock has neither.
    if (route === 'device_authorization' && ctx.status === 200 && ctx.body?.device_code) {
      ctx.body = {
        ...ctx.body,
        interval: deviceInterval,
        message: `To sign in, use a web browser to open the page ${ctx.body.verification_uri} and enter the code ${ctx.body.user_code} to authenticate.`,
      };
      return;
    }

    if (route !== 'token') return;
    const params = ctx.oidc.params ?? {};
    const grantType = params.grant_type;

    // slow_down: stock node-oidc-provider never sends it. A poll of the same device code sooner
    // than `interval` seconds after the previous poll, while the sign-in is still pending, is
    // answered slow_down instead of authorization_pending.
    if (grantType === DEVICE_GRANT && typeof params.device_code === 'string') {
      const now = Date.now();
      const previous = lastPoll.get(params.device_code);
      lastPoll.set(params.device_code, now);
      forgetOldPolls(now);
      if (
        previous !== undefined
        && now - previous < deviceInterval * 1000 - POLL_TOLERANCE_MS
        && ctx.status === 400
        && ctx.body?.error === 'authorization_pending'
      ) {
        ctx.body = {
          error: 'slow_down',
          error_description: 'you are polling too quickly and should back off at a reasonable rate',
        };
      }
    }

    // The token response's scope: stock lists only the access token's (Graph) scopes; Microsoft's
    // also names the OpenID Connect scopes granted (openid, profile, email, offline_access).
    if (
      ctx.status === 200
      && ctx.body?.access_token
      && ['authorization_code', 'refresh_token', DEVICE_GRANT].includes(grantType)
    ) {
      const { entities } = ctx.oidc;
      const source = entities.AuthorizationCode || entities.DeviceCode || entities.RefreshToken;
      const grant = entities.Grant;
      if (source && grant) {
        const asked = grantType === 'refresh_token' && params.scope ? ctx.oidc.requestParamScopes : source.scopes;
        const oidcScopes = splitScope(grant.getOIDCScopeFiltered(asked));
        const scopes = [...new Set([...splitScope(ctx.body.scope), ...oidcScopes])];
        if (scopes.length) ctx.body = { ...ctx.body, scope: scopes.join(' ') };
      }
    }
  };
}

// OIDC_HARNESS_VERBOSE=1: one stderr line per request (Koa middleware, outermost).
export function requestLog(verbose) {
  return async function requestLog(ctx, next) {
    const started = Date.now();
    try {
      await next();
    } finally {
      if (verbose) {
        console.error(`oidc-provider harness: ${ctx.method} ${ctx.originalUrl} -> ${ctx.status} (${Date.now() - started} ms)`);
      }
    }
  };
}
