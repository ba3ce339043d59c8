// The bulk of the checks in selftest.mjs, split out so that each file stays readable in one
// sitting: §4 handshake echo, §5/§7/§8 notifications (tokens, items, decryption), §6 lifecycle,
// and errors and limits. Each function runs against a handler already started by selftest.mjs,
// in the order selftest.mjs calls them; fixtures come from selftest-fixtures.mjs.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import {
  tmp, APP_ID, TENANT, CHANGE_TRACKING, CLIENT_STATE, check, jwks, curl, getReport,
  signToken, v1Claims, v2Claims, encryptResource, item,
} from './selftest-fixtures.mjs';

export async function handshakeChecks(base) {
  // ---- §4 handshake ----
  const guid = crypto.randomUUID();
  const handshakeCases = [
    // What Graph actually sends: form encoding, `+` for space, lowercase hex.
    ['graph style', `Validation%3a+Testing+client+application+reachability+for+subscription+Request-Id%3a+${guid}`,
      `Validation: Testing client application reachability for subscription Request-Id: ${guid}`],
    ['plus and %2B', 'a+b%2Bc%2bd++e', 'a b+c+d  e'],
    ['ampersand, angle brackets, quotes', 'x%26y%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%27', 'x&y<script>alert(1)</script>"\''],
    ['literal < and > in the query', 'lt<gt>', 'lt<gt>'],
    ['non-ASCII UTF-8', '%C3%A9t%C3%A9+%E2%82%AC+%F0%9F%98%80+%E4%B8%AD', 'été € 😀 中'],
    ['%20 and = inside value', 'a%20b=c%3D', 'a b=c='],
    ['invalid percent sequences kept literally', '100%25+%zz+%4', '100% %zz %4'],
    ['empty token', '', ''],
  ];
  for (const [label, encoded, expected] of handshakeCases) {
    for (const route of ['notifications', 'lifecycle']) {
      await check(`handshake echo on /${route}: ${label}`, async () => {
        const r = await curl('POST', `${base}/${route}?validationToken=${encoded}`, {
          body: '',
          contentType: 'text/plain; charset=utf-8',
        });
        assert.equal(r.status, 200);
        assert.equal(r.contentType, 'text/plain');
        assert.deepEqual(r.body, Buffer.from(expected, 'utf8'));
        if (!/%(?![0-9A-Fa-f]{2})/.test(encoded)) {
          // The WHATWG form decoder (URLSearchParams) agrees on every well-formed case.
          assert.equal(new URLSearchParams(`validationToken=${encoded}`).get('validationToken'), expected);
        }
      });
    }
  }
  await check('handshake echo of non-UTF-8 bytes is byte for byte', async () => {
    const r = await curl('POST', `${base}/notifications?validationToken=%FF%FEok`, { body: '' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, Buffer.from([0xff, 0xfe, 0x6f, 0x6b]));
  });
  await check('handshake with other query parameters (Graph keeps the notificationUrl query)', async () => {
    const r = await curl('POST', `${base}/notifications?tenant=abc&validationToken=tok%2Ben+1&x=y`, { body: '' });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString('utf8'), 'tok+en 1');
  });
  await check('handshakes are recorded with path, decoded token and raw token', async () => {
    const rep = await getReport(base);
    const graphStyle = rep.handshakes[0];
    assert.equal(graphStyle.path, '/notifications');
    assert.equal(graphStyle.token, handshakeCases[0][2]);
    assert.equal(graphStyle.rawToken, handshakeCases[0][1]);
    assert.equal(graphStyle.contentType, 'text/plain; charset=utf-8');
    assert.equal(graphStyle.bodyBytes, 0);
    assert.equal(rep.handshakes[1].path, '/lifecycle');
    assert.equal(rep.handshakes.length, handshakeCases.length * 2 + 2);
    assert.equal(rep.posts, 0);
    assert.equal(rep.notifications.length, 0);
  });
  await check('GET with validationToken is 404 (Graph validates with POST)', async () => {
    const r = await curl('GET', `${base}/notifications?validationToken=abc`);
    assert.equal(r.status, 404);
  });

  await curl('POST', `${base}/report/clear`);
}

// Returns the v1 token and the resource that the second handler instance reuses.
export async function notificationChecks({ base, sign1, sign2 }) {
  // ---- §5, §7, §8 notifications ----
  const v1 = signToken('sign1.key', 'kid-one', sign1.x5t, v1Claims());
  const v2 = signToken('sign1.key', 'kid-one', sign1.x5t, v2Claims());
  const wrongAud = signToken('sign1.key', 'kid-one', sign1.x5t, v1Claims({ aud: crypto.randomUUID() }));
  const wrongAppid = signToken('sign1.key', 'kid-one', sign1.x5t, v1Claims({ appid: crypto.randomUUID() }));
  const otherTenant = signToken('sign1.key', 'kid-one', sign1.x5t,
    v1Claims({ iss: 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/' }));
  const issNoSlash = signToken('sign1.key', 'kid-one', sign1.x5t, v1Claims({ iss: `https://sts.windows.net/${TENANT}` }));
  const expired = signToken('sign1.key', 'kid-one', sign1.x5t,
    v1Claims({ iat: Math.floor(Date.now() / 1000) - 7200, nbf: Math.floor(Date.now() / 1000) - 7200 }),
    { expiresInSeconds: -3600 });
  const notYet = signToken('sign1.key', 'kid-one', sign1.x5t,
    v1Claims({ nbf: Math.floor(Date.now() / 1000) + 3600 }), { expiresInSeconds: 7200 });
  const forged = signToken('rogue.key', 'kid-one', sign1.x5t, v1Claims());
  const unknownKid = signToken('rogue.key', 'kid-unknown', 'x', v1Claims());
  const hs256 = signToken(null, 'kid-one', sign1.x5t, v1Claims(), { alg: 'HS256' });
  const rotated = signToken('sign2.key', 'kid-two', sign2.x5t, v1Claims());

  const goodResource = {
    '@odata.type': '#Microsoft.Graph.ChatMessage',
    id: '1565293727947',
    body: { contentType: 'html', content: '<p>héllo € 😀</p>' },
    createdDateTime: '2019-08-08T19:48:47.947Z',
  };
  const encOk = encryptResource(goodResource, 'enc.crt');
  const encTamperedSig = { ...encryptResource(goodResource, 'enc.crt') };
  {
    const sig = Buffer.from(encTamperedSig.dataSignature, 'base64');
    sig[0] ^= 1;
    encTamperedSig.dataSignature = sig.toString('base64');
  }
  const encTamperedData = { ...encryptResource(goodResource, 'enc.crt') };
  {
    const d = Buffer.from(encTamperedData.data, 'base64');
    d[d.length - 1] ^= 1;
    encTamperedData.data = d.toString('base64');
  }
  const encWrongCert = encryptResource(goodResource, 'other.crt', { certificateId: 'other' });
  const encBadBase64 = { ...encryptResource(goodResource, 'enc.crt'), dataKey: 'not base64!' };

  const items = [
    item({ id: 'n1', encryptedContent: encOk, changeType: 'created', resource: "chats('19:a@thread.v2')/messages('1565293727947')" }),
    item({ id: 'n2', encryptedContent: encTamperedSig }),
    item({ id: 'n3', encryptedContent: encTamperedData }),
    item({ id: 'n4', encryptedContent: encWrongCert }),
    item({ id: 'n5', encryptedContent: encBadBase64 }),
    item({ clientState: 'wrong' }),
  ];
  delete items[5].id;
  const noClientState = item({ changeType: 'deleted' });
  delete noClientState.clientState;
  items.push(noClientState);

  const tokenList = [v1, v2, wrongAud, wrongAppid, otherTenant, issNoSlash, expired, notYet, forged, unknownKid, hs256, 'not.a.jwt'];
  const post1 = await curl('POST', `${base}/notifications`, {
    body: JSON.stringify({ value: items, validationTokens: tokenList }),
    contentType: 'application/json',
  });
  await check('notification POST answered 202 with an empty body', () => {
    assert.equal(post1.status, 202);
    assert.equal(post1.body.length, 0);
  });

  // Key rotation: the second key appears in the JWKS after the handler cached the first.
  jwks.keys = [sign1, sign2];
  const post2 = await curl('POST', `${base}/notifications`, {
    body: JSON.stringify({ value: [item({ id: 'n8' })], validationTokens: [rotated] }),
    contentType: 'application/json; charset=utf-8',
  });
  const post3 = await curl('POST', `${base}/notifications`, {
    body: JSON.stringify({ value: [item({ id: 'n9', changeType: 'updated' })] }),
    contentType: 'application/json',
  });
  const post4 = await curl('POST', `${base}/notifications`, {
    body: JSON.stringify({ value: [item({ id: 'n10' })], validationTokens: null }),
    contentType: 'application/json',
  });
  await check('application/json with and without charset both accepted', () => {
    assert.equal(post2.status, 202);
    assert.equal(post3.status, 202);
    assert.equal(post4.status, 202);
  });

  const rep = await getReport(base);
  const byId = (id) => rep.notifications.find((n) => n.id === id);
  const tok = (i) => byId('n1').tokens[i];

  await check('report counts: 4 posts, 10 notifications, no handshakes', () => {
    assert.equal(rep.posts, 4);
    assert.equal(rep.notifications.length, 10);
    assert.equal(rep.handshakes.length, 0);
    assert.deepEqual(rep.notifications.map((n) => n.postIndex), [0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
  });
  await check('v1 token (docs shape) is valid, with header and claims recorded', () => {
    const t = tok(0);
    assert.equal(t.valid, true, t.error);
    assert.equal(t.error, undefined);
    assert.deepEqual(t.header, { alg: 'RS256', kid: 'kid-one', x5t: sign1.x5t, typ: 'JWT' });
    assert.deepEqual(t.claims, {
      iss: `https://sts.windows.net/${TENANT}/`,
      aud: APP_ID,
      appid: CHANGE_TRACKING,
      ver: '1.0',
      tid: TENANT,
      lifetimeSeconds: 3600,
    });
  });
  const expectInvalid = (i, label, pattern) =>
    check(`token invalid: ${label}`, () => {
      const t = tok(i);
      assert.equal(t.valid, false);
      assert.match(t.error, pattern);
    });
  await expectInvalid(1, 'v2 shape (issuer)', /jwt issuer invalid/);
  await check('v2 token claims recorded (appid null, ver 2.0)', () => {
    assert.equal(tok(1).claims.appid, null);
    assert.equal(tok(1).claims.ver, '2.0');
    assert.equal(tok(1).claims.iss, `https://login.microsoftonline.com/${TENANT}/v2.0`);
  });
  await expectInvalid(2, 'wrong audience', /jwt audience invalid/);
  await expectInvalid(3, 'appid not Change Tracking', /appid claim .* is not the Microsoft Graph Change Tracking app/);
  await expectInvalid(4, 'issuer of another tenant', /jwt issuer invalid/);
  await expectInvalid(5, 'issuer without trailing slash', /jwt issuer invalid/);
  await expectInvalid(6, 'expired', /jwt expired/);
  await expectInvalid(7, 'not yet valid', /jwt not active/);
  await expectInvalid(8, 'signed by a key not in the JWKS (same kid)', /invalid signature/);
  await expectInvalid(9, 'unknown kid', /Unable to find a signing key that matches 'kid-unknown'/);
  await expectInvalid(10, 'HS256', /invalid algorithm/);
  await expectInvalid(11, 'not a JWT', /not a decodable JWT/);
  await check('every item of a POST carries that POST\'s tokens', () => {
    for (const n of rep.notifications.slice(0, 7)) assert.equal(n.tokens.length, tokenList.length);
    assert.equal(byId('n9').tokens.length, 0);
    assert.equal(byId('n1').validationTokensField, 'array');
    assert.equal(byId('n9').validationTokensField, 'absent');
    assert.equal(byId('n10').validationTokensField, 'null');
  });
  await check('token signed with a rotated key is valid (unknown kid triggers a JWKS refetch)', () => {
    const t = byId('n8').tokens[0];
    assert.equal(t.valid, true, t.error);
    assert.equal(t.header.kid, 'kid-two');
  });
  await check('item fields recorded', () => {
    const n = byId('n1');
    assert.equal(n.subscriptionId, items[0].subscriptionId);
    assert.equal(n.changeType, 'created');
    assert.equal(n.resource, "chats('19:a@thread.v2')/messages('1565293727947')");
    assert.equal(n.tenantId, TENANT);
    assert.deepEqual(n.resourceData, items[0].resourceData);
    assert.equal(n.subscriptionExpirationDateTime, '2026-03-20T11:00:00.0000000-07:00');
    assert.equal(n.contentType, 'application/json');
    assert.deepEqual(n.keys, [
      'changeType', 'clientState', 'encryptedContent', 'id', 'resource', 'resourceData',
      'subscriptionExpirationDateTime', 'subscriptionId', 'tenantId',
    ]);
    assert.equal(n.encryptionCertificateId, 'cert-1');
    assert.equal(n.encryptionCertificateThumbprint, encOk.encryptionCertificateThumbprint);
    assert.equal(byId('n8').contentType, 'application/json; charset=utf-8');
  });
  await check('clientState: match true, mismatch false, missing false', () => {
    assert.equal(byId('n1').clientStateMatches, true);
    assert.equal(rep.notifications[5].clientStateMatches, false);
    assert.equal(rep.notifications[5].id, null);
    assert.equal(rep.notifications[6].clientStateMatches, false);
    assert.ok(!rep.notifications[6].keys.includes('clientState'));
  });
  await check('encryptedContent decrypted per §7', () => {
    assert.equal(byId('n1').decryptError, undefined);
    assert.deepEqual(byId('n1').decrypted, goodResource);
  });
  await check('tampered dataSignature: decryptError, nothing decrypted', () => {
    assert.match(byId('n2').decryptError, /dataSignature does not match/);
    assert.equal(byId('n2').decrypted, undefined);
  });
  await check('tampered data: decryptError (HMAC), nothing decrypted', () => {
    assert.match(byId('n3').decryptError, /dataSignature does not match/);
    assert.equal(byId('n3').decrypted, undefined);
  });
  await check('dataKey for another certificate: decryptError', () => {
    assert.match(byId('n4').decryptError, /RSA-OAEP decryption failed/);
  });
  await check('non-base64 dataKey: decryptError', () => {
    assert.match(byId('n5').decryptError, /dataKey is not standard padded base64/);
  });
  await check('items without encryptedContent have neither decrypted nor decryptError', () => {
    assert.ok(!('decrypted' in byId('n9')) && !('decryptError' in byId('n9')));
  });

  return { v1, goodResource };
}

export async function lifecycleAndErrorChecks(base) {
  // ---- §6 lifecycle ----
  await curl('POST', `${base}/report/clear`);
  const lifecycleItems = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'].map((e) => ({
    subscriptionId: crypto.randomUUID(),
    subscriptionExpirationDateTime: '2026-03-20T11:00:00.0000000Z',
    tenantId: TENANT,
    clientState: CLIENT_STATE,
    lifecycleEvent: e,
  }));
  lifecycleItems[2].clientState = 'nope';
  const lc = await curl('POST', `${base}/lifecycle`, {
    body: JSON.stringify({ value: lifecycleItems }),
    contentType: 'application/json',
  });
  await check('lifecycle POST answered 202 and recorded', async () => {
    assert.equal(lc.status, 202);
    const r = await getReport(base);
    assert.equal(r.posts, 1);
    assert.equal(r.notifications.length, 0);
    assert.deepEqual(r.lifecycle.map((l) => l.lifecycleEvent), ['reauthorizationRequired', 'subscriptionRemoved', 'missed']);
    assert.deepEqual(r.lifecycle.map((l) => l.clientStateMatches), [true, true, false]);
    assert.equal(r.lifecycle[0].subscriptionId, lifecycleItems[0].subscriptionId);
    assert.deepEqual(r.lifecycle[0].keys, ['clientState', 'lifecycleEvent', 'subscriptionExpirationDateTime', 'subscriptionId', 'tenantId']);
  });

  // ---- errors ----
  await curl('POST', `${base}/report/clear`);
  await check('malformed JSON: 400, nothing recorded', async () => {
    const r = await curl('POST', `${base}/notifications`, { body: '{"value":[', contentType: 'application/json' });
    assert.equal(r.status, 400);
    const r2 = await curl('POST', `${base}/lifecycle`, { body: 'nope', contentType: 'application/json' });
    assert.equal(r2.status, 400);
    const rep2 = await getReport(base);
    assert.equal(rep2.posts, 0);
    assert.equal(rep2.notifications.length + rep2.lifecycle.length + rep2.handshakes.length, 0);
  });
  await check('JSON without a value array: 400', async () => {
    const r = await curl('POST', `${base}/notifications`, { body: '{"values":[]}', contentType: 'application/json' });
    assert.equal(r.status, 400);
  });
  await check('body over 4 MB: 413', async () => {
    const big = path.join(tmp, 'big.json');
    fs.writeFileSync(big, JSON.stringify({ value: [{ pad: 'x'.repeat(4 * 1024 * 1024) }] }));
    const r = await curl('POST', `${base}/notifications`, { file: big, contentType: 'application/json' });
    assert.equal(r.status, 413);
    // A client that does not ask first (no `Expect: 100-continue`) still reads its 413: the body
    // is drained before the answer, never reset mid-send.
    const direct = await curl('POST', `${base}/notifications`, {
      file: big,
      contentType: 'application/json',
      headers: ['Expect:'],
    });
    assert.equal(direct.status, 413);
    // Without a Content-Length (chunked), the limit is enforced while reading.
    const c = await curl('POST', `${base}/notifications`, {
      file: big,
      contentType: 'application/json',
      headers: ['Transfer-Encoding: chunked'],
    });
    assert.equal(c.status, 413);
    const rep2 = await getReport(base);
    assert.equal(rep2.posts, 0);
    assert.deepEqual(rep2.rejected.map((x) => x.status), [400, 400, 400, 413, 413, 413]);
  });
  await check('body of exactly 4 MB accepted', async () => {
    const edge = path.join(tmp, 'edge.json');
    const shell = JSON.stringify({ value: [{ pad: '' }] });
    fs.writeFileSync(edge, JSON.stringify({ value: [{ pad: 'x'.repeat(4 * 1024 * 1024 - shell.length) }] }));
    assert.equal(fs.statSync(edge).size, 4 * 1024 * 1024);
    const r = await curl('POST', `${base}/notifications`, { file: edge, contentType: 'application/json' });
    assert.equal(r.status, 202);
  });
  await check('unknown routes and methods: 404', async () => {
    assert.equal((await curl('GET', `${base}/`)).status, 404);
    assert.equal((await curl('GET', `${base}/notifications`)).status, 404);
    assert.equal((await curl('PUT', `${base}/notifications`, { body: '{}' })).status, 404);
    assert.equal((await curl('POST', `${base}/notifications/`, { body: '{"value":[]}' })).status, 404);
    assert.equal((await curl('POST', `${base}/report`)).status, 404);
    assert.equal((await curl('GET', `${base}/report/clear`)).status, 404);
  });
  await check('POST /report/clear empties the report', async () => {
    assert.equal((await curl('POST', `${base}/report/clear`)).status, 204);
    assert.deepEqual(await getReport(base), { handshakes: [], notifications: [], lifecycle: [], posts: 0, rejected: [] });
  });
}
