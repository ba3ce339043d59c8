// A test authority for the app's OAuth flows: node-oidc-provider (panva's certified OpenID
// Provider) configured to look like the Microsoft identity platform v2.0 endpoints.
//
//   node tests/oidc-provider/server.mjs
//
// Environment:
//   OIDC_ACCESS_TOKEN_FORMAT  opaque (default) | jwt: format of the Graph access tokens
//   OIDC_CERT_PEM             path of a PEM holding an RSA X.509 CERTIFICATE; registers the
//                             certificate client (private_key_jwt) with its public key
//   OIDC_DEVICE_INTERVAL      device-code polling interval in seconds (default 5)
//   OIDC_HARNESS_VERBOSE      1: log every request to stderr
//
// Listens on 127.0.0.1 on a free port, prints ONE line of JSON to stdout when ready (see
// README.md) and nothing else to stdout. Exits when stdin closes, and on SIGTERM/SIGINT.
// README.md lists every way this differs from stock node-oidc-provider and why.
//
// This file is the entry point: the provider's configuration, and start-up / shutdown. The rest:
//   environment.mjs   stdout/stderr discipline, the OIDC_* variables
//   tenant.mjs        fixed identities: tenant, clients, users, Graph scopes
//   pages.mjs         the HTML pages and html() escaping
//   interactions.mjs  /interaction/{uid}: sign-in and consent
//   adjust.mjs        request/response rewriting into Microsoft's URL and answer shapes

// environment.mjs must stay the first import: it sends console output to stderr before
// node-oidc-provider loads.
import { readEnvironment, stdoutWrite } from './environment.mjs';

import crypto from 'node:crypto';
import http from 'node:http';

import Provider, { errors, interactionPolicy } from 'oidc-provider';

import { adjustResponses, requestLog, rewrite } from './adjust.mjs';
import { interactionRoutes } from './interactions.mjs';
import {
  confirmDevicePage, deviceSuccessPage, enterCodePage, errorPage, logoutPage, signedOutPage,
} from './pages.mjs';
import {
  CERTIFICATE_CLIENT_ID, CLIENT_SECRET, GRAPH, GRAPH_PERMISSIONS, OIDC_SCOPES, PUBLIC_CLIENT_ID,
  SECRET_CLIENT_ID, TENANT, USERS, isGraphScope, splitScope, usersBySub,
} from './tenant.mjs';

// After the imports, so that node-oidc-provider's start-up warning comes first on stderr.
const {
  accessTokenFormat, deviceInterval: DEVICE_INTERVAL, verbose, certificate,
} = readEnvironment();

// The Graph resource server: its scopes are the generous list in tenant.mjs plus every Graph scope
// named by the request or by the code / refresh token / device code being redeemed.
function graphResourceServer(ctx) {
  const scopes = new Set(GRAPH_PERMISSIONS.map((name) => `${GRAPH}/${name}`));
  const add = (value) => splitScope(value).filter(isGraphScope).forEach((s) => scopes.add(s));
  const oidc = ctx?.oidc;
  add(oidc?.params?.scope);
  for (const name of ['AuthorizationCode', 'RefreshToken', 'RotatedRefreshToken', 'DeviceCode']) {
    add(oidc?.entities?.[name]?.scope);
  }
  return {
    scope: [...scopes].join(' '),
    audience: GRAPH,
    accessTokenTTL: 60 * 60,
    accessTokenFormat,
    ...(accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// The provider: created once the port is known, because the issuer names it.

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', resolve);
});
const BASE = `http://127.0.0.1:${server.address().port}`;
const ISSUER = `${BASE}/${TENANT}/v2.0`;
const OAUTH = `/${TENANT}/oauth2/v2.0`;

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: crypto.randomBytes(12).toString('base64url'),
  alg: 'RS256',
  use: 'sig',
};

// prompt=select_account (Microsoft's value) is a requestable prompt of its own, shown as the
// sign-in page; stock node-oidc-provider rejects it as an unsupported prompt value.
const policy = interactionPolicy.base();
policy.add(new interactionPolicy.Prompt(
  { name: 'select_account', requestable: true },
  (ctx) => (ctx.oidc.params.login_hint === undefined ? {} : { login_hint: ctx.oidc.params.login_hint }),
), 0);

const loopbacks = ['localhost', '127.0.0.1', '[::1]'].flatMap((host) => [`http://${host}`, `http://${host}/`]);

const clients = [
  {
    client_id: PUBLIC_CLIENT_ID,
    client_name: 'Graph Webhook Studio (public desktop client)',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
    // Native clients: http loopback redirect URIs match with any port (RFC 8252 §7.3).
    redirect_uris: loopbacks,
  },
  {
    client_id: SECRET_CLIENT_ID,
    client_name: 'Graph Webhook Studio (confidential client, secret)',
    client_secret: CLIENT_SECRET,
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
];
if (certificate) {
  clients.push({
    client_id: CERTIFICATE_CLIENT_ID,
    client_name: 'Graph Webhook Studio (confidential client, certificate)',
    token_endpoint_auth_method: 'private_key_jwt',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    jwks: { keys: [certificate.jwk] },
  });
}

const configuration = {
  clients,
  jwks: { keys: [signingKey] },
  cookies: {
    keys: [crypto.randomBytes(32).toString('base64url')],
  },
  routes: {
    authorization: `${OAUTH}/authorize`,
    token: `${OAUTH}/token`,
    device_authorization: `${OAUTH}/devicecode`,
    code_verification: `${OAUTH}/deviceauth`,
    jwks: `/${TENANT}/discovery/v2.0/keys`,
    userinfo: `${OAUTH}/userinfo`,
    revocation: `${OAUTH}/revoke`,
    end_session: `${OAUTH}/logout`,
    introspection: `${OAUTH}/introspect`,
    registration: `${OAUTH}/register`,
    pushed_authorization_request: `${OAUTH}/par`,
    backchannel_authentication: `${OAUTH}/backchannel`,
    challenge: `${OAUTH}/challenge`,
    credential: `${OAUTH}/credential`,
  },
  scopes: OIDC_SCOPES,
  claims: {
    // Microsoft puts oid, tid and ver in every ID token.
    openid: ['sub', 'oid', 'tid', 'ver'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
  },
  // Scope-requested claims (profile) go in the ID token even when the access token is for Graph.
  conformIdTokenClaims: false,
  async findAccount(ctx, sub) {
    const user = usersBySub.get(sub);
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          oid: user.oid,
          tid: TENANT,
          ver: '2.0',
          name: user.name,
          preferred_username: user.preferredUsername,
          email: user.preferredUsername,
        };
      },
    };
  },
  // Microsoft-ish extra claims in (JWT) access tokens; stored as `extra` on opaque ones.
  async extraTokenClaims(ctx, token) {
    if (token.resourceServer?.identifier() !== GRAPH) return undefined;
    const extra = { tid: TENANT };
    const user = token.accountId ? usersBySub.get(token.accountId) : undefined;
    if (user) {
      extra.oid = user.oid;
      const scp = splitScope(token.scope).filter(isGraphScope).map((s) => s.slice(GRAPH.length + 1));
      if (scp.length) extra.scp = scp.join(' ');
    }
    return extra;
  },
  // Stock node-oidc-provider drops offline_access from every authorization request that does not
  // say prompt=consent (OIDC Core §11). Microsoft keeps it. This validator runs after that drop
  // (extra parameter validators run last) and puts offline_access back, in its requested place,
  // when it was requested, the response type includes code and the client may use refresh
  // tokens.
  extraParams: {
    async scope(ctx, _value, client) {
      if (ctx.oidc.route !== 'authorization') return;
      const raw = typeof ctx.query.scope === 'string' ? ctx.query.scope : undefined;
      const requested = [...new Set(splitScope(raw))];
      if (!requested.includes('offline_access')) return;
      const current = new Set(splitScope(ctx.oidc.params.scope));
      if (current.has('offline_access')) return;
      if (!client.grantTypeAllowed('refresh_token')) return;
      if (!splitScope(ctx.oidc.params.response_type).includes('code')) return;
      ctx.oidc.params.scope = requested.filter((s) => current.has(s) || s === 'offline_access').join(' ');
    },
  },
  rotateRefreshToken: true,
  interactions: {
    policy,
    url(ctx, interaction) {
      return `/interaction/${interaction.uid}`;
    },
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    revocation: {
      enabled: true,
      async allowedPolicy(ctx, client, token) {
        if (token.clientId !== client.clientId) {
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        }
        return true;
      },
    },
    userinfo: { enabled: true },
    // Microsoft's v2.0 endpoints have no PAR endpoint.
    pushedAuthorizationRequests: { enabled: false },
    resourceIndicators: {
      enabled: true,
      // No `resource` parameter on Microsoft v2.0: the Graph scopes' prefix names the resource.
      async defaultResource(ctx, client, oneOf) {
        if (oneOf) return oneOf.includes(GRAPH) ? GRAPH : oneOf;
        if (splitScope(ctx.oidc.params?.scope).some(isGraphScope)) return GRAPH;
        return undefined;
      },
      // ...and the token endpoint answers with a Graph access token without being told.
      async useGrantedResource() {
        return true;
      },
      async getResourceServerInfo(ctx, resourceIndicator) {
        if (resourceIndicator !== GRAPH) throw new errors.InvalidTarget();
        return graphResourceServer(ctx);
      },
    },
    deviceFlow: {
      enabled: true,
      async userCodeInputSource(ctx, form, out, err) {
        const xsrf = ctx.oidc.session?.state?.secret ?? form.match(/name="xsrf" value="([^"]*)"/)?.[1] ?? '';
        const action = ctx.oidc.urlFor('code_verification');
        ctx.type = 'html';
        ctx.body = enterCodePage({ action, xsrf, out, err });
      },
      async userCodeConfirmSource(ctx, form, client, deviceInfo, userCode) {
        const action = ctx.oidc.urlFor('code_verification');
        const xsrf = ctx.oidc.session.state.secret;
        const submitted = ctx.oidc.params.user_code;
        ctx.type = 'html';
        ctx.body = confirmDevicePage({ action, xsrf, submitted, client: client.clientName || client.clientId, userCode });
      },
      async successSource(ctx) {
        ctx.type = 'html';
        ctx.body = deviceSuccessPage(ctx.oidc.client.clientName || ctx.oidc.client.clientId);
      },
    },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        // The stock form keeps its "yes" button outside the form; pages.mjs puts logout=yes inside.
        ctx.type = 'html';
        ctx.body = logoutPage(ctx.host, form);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.type = 'html';
        ctx.body = signedOutPage();
      },
    },
  },
  enabledJWA: {
    clientAuthSigningAlgValues: ['PS256', 'RS256'],
  },
  // Microsoft identifies the certificate by the assertion's x5t#S256 (or x5t) header and needs
  // sub = iss = the client id; node-oidc-provider alone checks neither.
  async assertJwtClientAuthClaimsAndHeader(ctx, claims, header, client) {
    if (claims.sub !== client.clientId) {
      throw new errors.InvalidClientAuth('sub (JWT subject) must be the client_id');
    }
    if (certificate && client.clientId === CERTIFICATE_CLIENT_ID) {
      const named = header['x5t#S256'] ?? header.x5t;
      if (named === undefined) {
        throw new errors.InvalidClientAuth('the client_assertion header must name the certificate in x5t#S256 or x5t');
      }
      if (header['x5t#S256'] !== undefined ? header['x5t#S256'] !== certificate.x5tS256 : header.x5t !== certificate.x5t) {
        throw new errors.InvalidClientAuth('the certificate named by the client_assertion header is not registered for this client');
      }
    }
  },
  clientBasedCORS() {
    return true;
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = errorPage(out.error, out.error_description);
  },
  ttl: {
    AccessToken: 60 * 60,
    AuthorizationCode: 10 * 60,
    ClientCredentials: 60 * 60,
    DeviceCode: 15 * 60,
    IdToken: 60 * 60,
    RefreshToken: 90 * 24 * 60 * 60,
    Interaction: 60 * 60,
    Session: 24 * 60 * 60,
    Grant: 90 * 24 * 60 * 60,
  },
};

const provider = new Provider(ISSUER, configuration);

provider.on('server_error', (ctx, err) => {
  console.error(`oidc-provider harness: server_error on ${ctx.method} ${ctx.path}:`, err);
});
// One stderr line per error answered (the error_detail says why; it is not sent to clients),
// except the device-code polls that are merely pending.
for (const event of [
  'authorization.error', 'grant.error', 'device_authorization.error', 'code_verification.error',
  'device_resume.error', 'userinfo.error', 'revocation.error', 'end_session.error',
  'end_session_confirm.error', 'jwks.error', 'discovery.error',
]) {
  provider.on(event, (ctx, err) => {
    if (err.error === 'authorization_pending') return;
    console.error(`oidc-provider harness: ${event} ${ctx.method} ${ctx.path}: ${err.error ?? err.name}: ${err.error_description ?? err.message}${err.error_detail ? ` (${err.error_detail})` : ''}`);
  });
}

provider.use(requestLog(verbose));
provider.use(interactionRoutes(provider));
provider.use(adjustResponses({ base: BASE, deviceInterval: DEVICE_INTERVAL }));

// Microsoft URL shapes the provider's router cannot express (adjust.mjs: rewrite).
const callback = provider.callback();

server.on('request', (req, res) => {
  rewrite(req);
  callback(req, res);
});

// ---------------------------------------------------------------------------------------------
// Ready line, and shutdown.

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections?.();
  setTimeout(() => process.exit(code), 50).unref();
  process.exitCode = code;
}

process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
process.stdin.on('end', () => stop(0));
process.stdin.on('close', () => stop(0));
process.stdin.on('error', () => stop(0));
process.stdin.resume();

stdoutWrite(`${JSON.stringify({
  base: BASE,
  tenant: TENANT,
  issuer: ISSUER,
  publicClientId: PUBLIC_CLIENT_ID,
  secretClientId: SECRET_CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  certificateClientId: certificate ? CERTIFICATE_CLIENT_ID : null,
  users: USERS.map(({ login, oid, preferredUsername, name, sub }) => ({
    login, oid, preferredUsername, name, sub,
  })),
})}\n`);
