// Shared fixtures for selftest.mjs, split out so that each file stays readable in one sitting:
// the pass/fail tally and check(), throwaway keys and certificates from the openssl CLI, the local
// JWKS server, start-up of handler.mjs processes, the curl wrapper, token signing, and §7
// encryptedContent / notification-item builders. It holds no checks of its own.

import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const handlerPath = path.join(here, 'handler.mjs');
export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-handler-selftest-'));

export const APP_ID = '11111111-2222-3333-4444-555555555555';
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CHANGE_TRACKING = '0bf30f3b-4a52-48df-9a82-234910c4a086';
export const CLIENT_STATE = 'secretClientState-<&>+/=';

// Pass/fail tally shared by every check; selftest.mjs prints it and sets the exit status.
export const tally = { passes: 0, failures: 0 };
export async function check(name, fn) {
  try {
    await fn();
    tally.passes += 1;
    console.log(`ok   ${name}`);
  } catch (err) {
    tally.failures += 1;
    console.log(`FAIL ${name}\n     ${String(err.message).split('\n').join('\n     ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Keys and certificates (openssl CLI)
// ---------------------------------------------------------------------------------------------

async function openssl(...args) {
  await run('openssl', args, { cwd: tmp });
}

function certInfo(certFile) {
  const pem = fs.readFileSync(path.join(tmp, certFile), 'utf8');
  const x509 = new crypto.X509Certificate(pem);
  return { pem, der: x509.raw, publicKey: x509.publicKey };
}

export function jwkFor(kid, certFile) {
  const { der, publicKey } = certInfo(certFile);
  const { n, e } = publicKey.export({ format: 'jwk' });
  return {
    kty: 'RSA',
    use: 'sig',
    kid,
    x5t: crypto.createHash('sha1').update(der).digest('base64url'),
    n,
    e,
    x5c: [der.toString('base64')],
  };
}

// Signing keys (PKCS#8 via req -newkey) and encryption keys; one encryption key also as PKCS#1.
export async function makeKeys() {
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'sign1.key', '-out', 'sign1.crt',
    '-days', '2', '-subj', '/CN=selftest signing 1');
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'sign2.key', '-out', 'sign2.crt',
    '-days', '2', '-subj', '/CN=selftest signing 2');
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rogue.key', '-out', 'rogue.crt',
    '-days', '2', '-subj', '/CN=selftest rogue');
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'enc.key', '-out', 'enc.crt',
    '-days', '2', '-subj', '/CN=selftest encryption');
  await openssl('req', '-x509', '-newkey', 'rsa:3072', '-nodes', '-keyout', 'other.key', '-out', 'other.crt',
    '-days', '2', '-subj', '/CN=selftest other encryption');
  await openssl('rsa', '-in', 'enc.key', '-out', 'enc-pkcs1.key', '-traditional');
}

// ---------------------------------------------------------------------------------------------
// JWKS server
// ---------------------------------------------------------------------------------------------

export const jwks = { keys: [] };
// The slow keys are held until the test lets them go: a 202 that arrives while they are held did
// not wait for token validation (no clock involved). Requests after the release are answered at once.
export const slowKeys = {
  held: [],
  released: false,
  release() {
    this.released = true;
    for (const send of this.held.splice(0)) send();
  },
};
const jwksServer = http.createServer((req, res) => {
  const send = () => {
    const body = JSON.stringify(jwks);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(body);
  };
  if (req.url === '/common/discovery/v2.0/keys') send();
  else if (req.url === '/slow/common/discovery/v2.0/keys') {
    if (slowKeys.released) send();
    else slowKeys.held.push(send);
  }
  else {
    res.writeHead(404);
    res.end();
  }
});

// Starts the JWKS server on an ephemeral port and returns its base URL.
export async function startJwksServer() {
  await new Promise((r) => jwksServer.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${jwksServer.address().port}`;
}

// ---------------------------------------------------------------------------------------------
// Handler process
// ---------------------------------------------------------------------------------------------

const children = [];

export function startHandler(env) {
  const child = spawn(process.execPath, [handlerPath], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stderrText = '';
  child.stderr.on('data', (d) => (child.stderrText += d));
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = '';
    let ready = null;
    child.stdoutRest = '';
    child.stdout.on('data', (d) => {
      if (ready) {
        child.stdoutRest += d;
        return;
      }
      out += d;
      const nl = out.indexOf('\n');
      if (nl !== -1) {
        ready = out.slice(0, nl);
        child.stdoutRest += out.slice(nl + 1);
        try {
          resolve({ child, readyLine: ready, info: JSON.parse(ready) });
        } catch (err) {
          reject(new Error(`ready line is not JSON: ${ready}`));
        }
      }
    });
    child.on('exit', (code) => {
      if (!ready) reject(new Error(`handler exited (${code}) before ready:\n${child.stderrText}`));
    });
    setTimeout(() => !ready && reject(new Error('handler not ready after 10 s')), 10_000);
  });
}

// curl wrapper: returns {status, contentType, body (Buffer), seconds}
export async function curl(method, url, { body, contentType, file, headers = [] } = {}) {
  const out = path.join(tmp, `out-${crypto.randomUUID()}`);
  const args = ['-sS', '-g', '-o', out, '-w', '%{http_code}\t%{content_type}\t%{time_total}', '-X', method];
  if (contentType) args.push('-H', `Content-Type: ${contentType}`);
  for (const h of headers) args.push('-H', h);
  if (file !== undefined) args.push('--data-binary', `@${file}`);
  else if (body !== undefined) {
    const f = path.join(tmp, `in-${crypto.randomUUID()}`);
    fs.writeFileSync(f, body);
    args.push('--data-binary', `@${f}`);
  }
  args.push(url);
  const { stdout } = await run('curl', args, { maxBuffer: 1 << 20 });
  const [status, ct, seconds] = stdout.split('\t');
  const data = fs.existsSync(out) ? fs.readFileSync(out) : Buffer.alloc(0);
  return { status: Number(status), contentType: ct, body: data, seconds: Number(seconds) };
}

export async function getReport(base) {
  const r = await curl('GET', `${base}/report`);
  assert.equal(r.status, 200);
  return JSON.parse(r.body.toString('utf8'));
}

// ---------------------------------------------------------------------------------------------
// Graph-shaped material
// ---------------------------------------------------------------------------------------------

export function signToken(keyFile, kid, x5t, claims, { alg = 'RS256', expiresInSeconds = 3600 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iat: now, nbf: now, exp: now + expiresInSeconds, ...claims };
  const key = alg.startsWith('HS') ? 'shared-secret' : fs.readFileSync(path.join(tmp, keyFile));
  return jwt.sign(payload, key, { algorithm: alg, header: { typ: 'JWT', alg, kid, x5t } });
}

export function v1Claims(overrides = {}) {
  return {
    aud: APP_ID,
    iss: `https://sts.windows.net/${TENANT}/`,
    aio: 'E2ZgYJj8',
    appid: CHANGE_TRACKING,
    appidacr: '2',
    idp: `https://sts.windows.net/${TENANT}/`,
    oid: crypto.randomUUID(),
    rh: '0.AAAA',
    sub: crypto.randomUUID(),
    tid: TENANT,
    uti: 'Qw2e3r4t5y',
    ver: '1.0',
    ...overrides,
  };
}

export function v2Claims() {
  return {
    aud: APP_ID,
    iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    azp: CHANGE_TRACKING,
    azpacr: '2',
    oid: crypto.randomUUID(),
    sub: crypto.randomUUID(),
    tid: TENANT,
    ver: '2.0',
  };
}

// §7 encryption, the inverse of what the handler does.
export function encryptResource(resource, certFile, { certificateId = 'cert-1' } = {}) {
  const { der, publicKey } = certInfo(certFile);
  const key = crypto.randomBytes(32);
  const cipher = crypto.createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  const data = Buffer.concat([cipher.update(Buffer.from(JSON.stringify(resource), 'utf8')), cipher.final()]);
  const signature = crypto.createHmac('sha256', key).update(data).digest();
  const dataKey = crypto.publicEncrypt(
    { key: publicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    key,
  );
  return {
    data: data.toString('base64'),
    dataSignature: signature.toString('base64'),
    dataKey: dataKey.toString('base64'),
    encryptionCertificateId: certificateId,
    encryptionCertificateThumbprint: crypto.createHash('sha1').update(der).digest('hex').toUpperCase(),
  };
}

export function item(overrides = {}) {
  const uid = crypto.randomUUID();
  const mid = 'AAMkAGUwNjQ4ZjIxAAA=';
  return {
    subscriptionId: '7f105c7d-2dc5-4530-97cd-4e7ae6534c07',
    subscriptionExpirationDateTime: '2026-03-20T11:00:00.0000000-07:00',
    changeType: 'created',
    resource: `Users/${uid}/Messages/${mid}`,
    clientState: CLIENT_STATE,
    tenantId: TENANT,
    resourceData: {
      '@odata.type': '#Microsoft.Graph.Message',
      '@odata.id': `Users/${uid}/Messages/${mid}`,
      '@odata.etag': 'W/"CQAAABYAAADkrWGo7bouTKlsgTZMr9KwAAAUWRHf"',
      id: mid,
    },
    ...overrides,
  };
}

export function withTimeout(promise, ms, message) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref())]);
}

// Stops any handler still running, closes the JWKS server and removes the temporary directory.
export function cleanUp() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  jwksServer.close();
  jwksServer.closeAllConnections?.();
  fs.rmSync(tmp, { recursive: true, force: true });
}

// On failure, shows what each handler wrote to stderr.
export function dumpHandlerStderr() {
  for (const c of children) if (c.stderrText) console.log(`--- handler ${c.pid} stderr ---\n${c.stderrText}`);
}
