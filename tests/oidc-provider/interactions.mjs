// The sign-in and consent steps, which node-oidc-provider leaves to the host application:
// GET /interaction/{uid} shows the sign-in or consent page, POST /interaction/{uid}/login,
// /confirm and /abort finish the interaction and redirect (303) to the resume URL. Kept apart from
// the configuration because it is the one place that decides who signs in and what is granted
// (README.md: "Pages and forms", deviations 4 and 11).

import { errors } from 'oidc-provider';

import { GRAPH, OIDC_SCOPES, findUser, isGraphScope, splitScope, usersBySub } from './tenant.mjs';
import { consentPage, errorPage, loginPage } from './pages.mjs';

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// Koa middleware for `provider.use()`: answers /interaction/{uid}[/login|/confirm|/abort] and
// passes every other request on.
export function interactionRoutes(provider) {
  return async function interactionRoutes(ctx, next) {
    const match = ctx.path.match(/^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?\/?$/);
    if (!match) return next();
    const [, uid, action] = match;
    ctx.set('cache-control', 'no-store');
    ctx.type = 'html';
    try {
      if (!action && ctx.method !== 'GET') { ctx.status = 405; ctx.body = errorPage('method_not_allowed', 'use GET'); return; }
      if (action && ctx.method !== 'POST') { ctx.status = 405; ctx.body = errorPage('method_not_allowed', 'use POST'); return; }

      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== uid) {
        throw new errors.SessionNotFound('the interaction cookie names another interaction');
      }
      const { prompt, params } = details;
      const client = await provider.Client.find(params.client_id);
      const clientName = client?.clientName || params.client_id;
      const isLogin = prompt.name === 'login' || prompt.name === 'select_account';

      if (!action) {
        if (isLogin) {
          const hinted = findUser(params.login_hint);
          ctx.body = loginPage(uid, { client: clientName, value: hinted?.login ?? '' });
        } else if (prompt.name === 'consent') {
          const user = usersBySub.get(details.session?.accountId);
          ctx.body = consentPage(uid, { client: clientName, user: user?.preferredUsername ?? details.session?.accountId, scope: params.scope ?? '' });
        } else {
          ctx.status = 400;
          ctx.body = errorPage('invalid_request', `unexpected prompt ${prompt.name}`);
        }
        return;
      }

      const form = await readForm(ctx.req);

      if (action === 'abort') {
        const description = isLogin
          ? 'The user canceled the sign-in.'
          : 'AADSTS65004: User declined to consent to access the app.';
        const to = await provider.interactionResult(ctx.req, ctx.res, {
          error: 'access_denied',
          error_description: description,
        }, { mergeWithLastSubmission: false });
        ctx.status = 303;
        ctx.redirect(to);
        return;
      }

      if (action === 'login') {
        if (!isLogin) throw new errors.InvalidRequest(`this interaction asks for ${prompt.name}, not a sign-in`);
        const user = findUser(form.get('login'));
        if (!user) {
          ctx.body = loginPage(uid, { client: clientName, value: form.get('login') ?? '', error: `No such user: ${form.get('login') ?? ''}` });
          return;
        }
        const result = { login: { accountId: user.sub, amr: ['pwd'], remember: true } };
        if (prompt.name === 'select_account') result.select_account = {};
        const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
        ctx.status = 303;
        ctx.redirect(to);
        return;
      }

      // confirm
      if (prompt.name !== 'consent') throw new errors.InvalidRequest(`this interaction asks for ${prompt.name}, not consent`);
      const accountId = details.session?.accountId;
      const submitted = new Set(splitScope((form.get('grant') ?? '').replace(/\s+/g, ' ')));
      const requested = splitScope(params.scope);
      // A fresh grant each time: exactly what was submitted now is granted (no earlier rejections
      // or grants of this session carried over).
      const grant = new provider.Grant({ accountId, clientId: params.client_id });
      const statics = new Set(OIDC_SCOPES);
      const oidcGranted = requested.filter((s) => statics.has(s) && submitted.has(s));
      const oidcRejected = requested.filter((s) => statics.has(s) && !submitted.has(s));
      const graphGranted = requested.filter((s) => isGraphScope(s) && submitted.has(s));
      const graphRejected = requested.filter((s) => isGraphScope(s) && !submitted.has(s));
      if (oidcGranted.length) grant.addOIDCScope(oidcGranted.join(' '));
      if (oidcRejected.length) grant.rejectOIDCScope(oidcRejected.join(' '));
      if (graphGranted.length) grant.addResourceScope(GRAPH, graphGranted.join(' '));
      if (graphRejected.length) grant.rejectResourceScope(GRAPH, graphRejected.join(' '));
      if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
      const grantId = await grant.save();
      const to = await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      ctx.status = 303;
      ctx.redirect(to);
    } catch (err) {
      const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) console.error('oidc-provider harness: interaction error:', err);
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = errorPage(err.error || 'server_error', err.error_description || err.message);
    }
  };
}
