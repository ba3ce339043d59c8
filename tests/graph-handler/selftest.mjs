// Self-test for handler.mjs, with no emulator: throwaway keys and certificates from the openssl
// CLI, a local JWKS server, tokens signed with jsonwebtoken, encryptedContent built per §7 with
// node:crypto, and requests sent with curl. Run: `node selftest.mjs`. Exits 1 on any failure.
// This file is the entry point: it sets up, runs the checks in order and reports. Fixtures live
// in selftest-fixtures.mjs and most checks in selftest-cases.mjs (split to keep files short).

import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import {
  tmp, APP_ID, TENANT, CLIENT_STATE, tally, check, makeKeys, jwkFor, jwks, slowKeys, startJwksServer,
  startHandler, curl, getReport, encryptResource, item, withTimeout, cleanUp, dumpHandlerStderr,
} from './selftest-fixtures.mjs';
import { handshakeChecks, notificationChecks, lifecycleAndErrorChecks } from './selftest-cases.mjs';

async function main() {
  await makeKeys();

  await check('openssl produced a PKCS#8 and a PKCS#1 key', () => {
    assert.match(fs.readFileSync(path.join(tmp, 'enc.key'), 'utf8'), /-----BEGIN PRIVATE KEY-----/);
    assert.match(fs.readFileSync(path.join(tmp, 'enc-pkcs1.key'), 'utf8'), /-----BEGIN RSA PRIVATE KEY-----/);
  });

  const sign1 = jwkFor('kid-one', 'sign1.crt');
  const sign2 = jwkFor('kid-two', 'sign2.crt');
  jwks.keys = [sign1];
  const authority = await startJwksServer();

  const { child, readyLine, info } = await startHandler({
    HANDLER_APP_ID: APP_ID,
    HANDLER_TENANT_ID: TENANT,
    HANDLER_JWKS_URI: `${authority}/common/discovery/v2.0/keys`,
    HANDLER_PRIVATE_KEY: path.join(tmp, 'enc.key'),
    HANDLER_CLIENT_STATE: CLIENT_STATE,
  });
  const base = info.base;
  console.log(`ready line: ${readyLine}`);

  await check('ready line shape', () => {
    assert.deepEqual(Object.keys(info), ['base', 'notificationUrl', 'lifecycleUrl']);
    assert.match(info.base, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(info.notificationUrl, `${base}/notifications`);
    assert.equal(info.lifecycleUrl, `${base}/lifecycle`);
  });

  await handshakeChecks(base);
  const { v1, goodResource } = await notificationChecks({ base, sign1, sign2 });
  await lifecycleAndErrorChecks(base);

  // ---- second instance: PKCS#1 key, no clientState, slow JWKS (202 must not wait) ----
  const second = await startHandler({
    HANDLER_APP_ID: APP_ID,
    HANDLER_TENANT_ID: TENANT,
    HANDLER_JWKS_URI: `${authority}/slow/common/discovery/v2.0/keys`,
    HANDLER_PRIVATE_KEY: path.join(tmp, 'enc-pkcs1.key'),
  });
  await check('202 is sent before token validation (the keys are held until after the 202)', async () => {
    const r = await curl('POST', second.info.notificationUrl, {
      body: JSON.stringify({ value: [item({ id: 's1', encryptedContent: encryptResource(goodResource, 'enc.crt') })], validationTokens: [v1] }),
      contentType: 'application/json',
    });
    assert.equal(r.status, 202);
    slowKeys.release();
    const rep2 = await getReport(second.info.base);
    assert.equal(rep2.notifications[0].tokens[0].valid, true, rep2.notifications[0].tokens[0].error);
  });
  await check('PKCS#1 private key decrypts; clientState not configured gives null', async () => {
    const rep2 = await getReport(second.info.base);
    assert.deepEqual(rep2.notifications[0].decrypted, goodResource);
    assert.equal(rep2.notifications[0].clientStateMatches, null);
  });
  await check('SIGTERM stops the handler', async () => {
    second.child.kill('SIGTERM');
    const { code, signal } = await withTimeout(second.child.exited, 5000, 'no exit after SIGTERM');
    assert.ok(code === 0 || signal === 'SIGTERM', `exit ${code} ${signal}`);
  });

  // ---- shutdown of the first instance by closing stdin ----
  await check('nothing but the ready line on stdout', () => {
    assert.equal(child.stdoutRest, '');
    assert.equal(second.child.stdoutRest, '');
  });
  await check('closing stdin stops the handler', async () => {
    child.stdin.end();
    const { code } = await withTimeout(child.exited, 5000, 'no exit after stdin closed');
    assert.equal(code, 0);
  });
}

try {
  await main();
} catch (err) {
  tally.failures += 1;
  console.log(`FAIL setup: ${err.stack || err}`);
} finally {
  cleanUp();
}
console.log(`\n${tally.passes} passed, ${tally.failures} failed`);
if (tally.failures > 0) {
  dumpHandlerStderr();
}
process.exit(tally.failures > 0 ? 1 : 0);
