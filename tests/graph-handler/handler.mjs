// A Microsoft Graph change-notification webhook handler written from Microsoft's documentation
// (digested in /work/shared/reference/graph-change-notifications.md, sections 4-8). The Rust tests
// use it as an independent judge of what the emulator delivers. See README.md.
//
// Only the ready line goes to stdout; everything else is logged to stderr.

import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import jwt from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';

// Microsoft Graph Change Tracking, the application that signs validationTokens (reference §8).
const CHANGE_TRACKING_APP_ID = '0bf30f3b-4a52-48df-9a82-234910c4a086';
const DEFAULT_JWKS_URI = 'https://login.microsoftonline.com/common/discovery/v2.0/keys';
const MAX_BODY_BYTES = 4 * 1024 * 1024;
// A body over the limit is read and discarded up to this size before the 413 is sent, so a client
// still writing does not see its connection reset before it reads the answer. Beyond it the 413
// goes out at once and the connection closes (a client still writing may then see a reset: a
// judge of Graph's deliveries has no reason to read 32 MiB of anything).
const DRAIN_BYTES = 32 * 1024 * 1024;

const log = (...args) => console.error('[graph-handler]', ...args);

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

const config = {
  appId: process.env.HANDLER_APP_ID || '',
  tenantId: process.env.HANDLER_TENANT_ID || '',
  jwksUri: process.env.HANDLER_JWKS_URI || DEFAULT_JWKS_URI,
  clientState: process.env.HANDLER_CLIENT_STATE ?? null,
  privateKey: null,
};
if (config.clientState === '') config.clientState = null;

if (!config.appId) log('warning: HANDLER_APP_ID is not set; every validationToken will fail the audience check');
if (!config.tenantId) log('warning: HANDLER_TENANT_ID is not set; every validationToken will fail the issuer check');

if (process.env.HANDLER_PRIVATE_KEY) {
  try {
    // createPrivateKey accepts PEM "PRIVATE KEY" (PKCS#8) and "RSA PRIVATE KEY" (PKCS#1).
    config.privateKey = crypto.createPrivateKey(fs.readFileSync(process.env.HANDLER_PRIVATE_KEY));
    if (config.privateKey.asymmetricKeyType !== 'rsa') {
      throw new Error(`key type is ${config.privateKey.asymmetricKeyType}, not rsa`);
    }
  } catch (err) {
    log(`cannot load HANDLER_PRIVATE_KEY (${process.env.HANDLER_PRIVATE_KEY}): ${err.message}`);
    process.exit(2);
  }
}

const expectedIssuer = `https://sts.windows.net/${config.tenantId}/`;

const jwksClient = jwksRsa({
  jwksUri: config.jwksUri,
  cache: true, // keys cached per kid; an unknown kid triggers a fresh fetch (reference §8)
  cacheMaxAge: 24 * 60 * 60 * 1000,
  rateLimit: false,
  timeout: 10_000,
});

// ---------------------------------------------------------------------------------------------
// Report state
// ---------------------------------------------------------------------------------------------

let report = freshReport();
const pending = new Set(); // processing started after a 202, awaited by GET /report

function freshReport() {
  return { handshakes: [], notifications: [], lifecycle: [], posts: 0, rejected: [] };
}

function track(promise) {
  pending.add(promise);
  promise.finally(() => pending.delete(promise));
}

async function settled() {
  while (pending.size > 0) await Promise.allSettled([...pending]);
}

// ---------------------------------------------------------------------------------------------
// §4: validation handshake
// ---------------------------------------------------------------------------------------------

// Decodes one application/x-www-form-urlencoded component to bytes, the way Graph's query
// string is encoded (Graph sends e.g. `Validation%3a+Testing+client+application+...`, where `+`
// is a space and `%2B` a plus). Invalid `%` sequences are kept literally, as the WHATWG URL
// standard does. Returns a Buffer so the echo is byte for byte even if the bytes are not UTF-8.
function formDecodeToBytes(component) {
  // Node's HTTP parser hands the request target over as latin1, so this restores the raw bytes.
  const raw = Buffer.from(component, 'latin1');
  const out = [];
  const hex = (b) =>
    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (b === 0x2b) {
      out.push(0x20);
    } else if (b === 0x25 && i + 2 < raw.length && hex(raw[i + 1]) && hex(raw[i + 2])) {
      out.push(parseInt(String.fromCharCode(raw[i + 1], raw[i + 2]), 16));
      i += 2;
    } else {
      out.push(b);
    }
  }
  return Buffer.from(out);
}

// Finds the first `validationToken` parameter (name compared exactly, after decoding) in a raw
// query string. Returns null when absent, else {raw, bytes}.
function findValidationToken(query) {
  if (query === null) return null;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    if (formDecodeToBytes(rawName).toString('utf8') === 'validationToken') {
      return { raw: rawValue, bytes: formDecodeToBytes(rawValue) };
    }
  }
  return null;
}

function handleHandshake(req, res, path, found) {
  // Answer 200, Content-Type text/plain, body = the URL-decoded token byte for byte. The body
  // is never interpreted; nosniff keeps a browser from rendering it as markup.
  res.writeHead(200, {
    'Content-Type': 'text/plain',
    'Content-Length': found.bytes.length,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(found.bytes);
  report.handshakes.push({
    path,
    token: found.bytes.toString('utf8'),
    rawToken: found.raw,
    contentType: req.headers['content-type'] ?? null,
    bodyBytes: req.bodyLength,
  });
  log(`handshake on ${path}: echoed ${found.bytes.length} bytes`);
}

// ---------------------------------------------------------------------------------------------
// §8: validationTokens
// ---------------------------------------------------------------------------------------------

function getSigningKey(header, callback) {
  if (typeof header.kid !== 'string' || header.kid === '') {
    callback(new Error('token header has no kid'));
    return;
  }
  jwksClient.getSigningKey(header.kid, (err, key) => {
    if (err) callback(err);
    else callback(null, key.getPublicKey());
  });
}

async function validateToken(token) {
  const result = { valid: false, header: null, claims: null };
  let decoded = null;
  try {
    decoded = typeof token === 'string' ? jwt.decode(token, { complete: true }) : null;
  } catch {
    decoded = null;
  }
  if (decoded && typeof decoded.header === 'object' && decoded.header !== null) {
    const h = decoded.header;
    result.header = { alg: h.alg ?? null, kid: h.kid ?? null, x5t: h.x5t ?? null, typ: h.typ ?? null };
  }
  if (decoded && typeof decoded.payload === 'object' && decoded.payload !== null) {
    const p = decoded.payload;
    result.claims = {
      iss: p.iss ?? null,
      aud: p.aud ?? null,
      appid: p.appid ?? null,
      ver: p.ver ?? null,
      tid: p.tid ?? null,
      lifetimeSeconds:
        typeof p.exp === 'number' && typeof p.nbf === 'number' ? p.exp - p.nbf : null,
    };
  }
  try {
    if (typeof token !== 'string') throw new Error('validation token is not a string');
    if (!decoded) throw new Error('validation token is not a decodable JWT');
    const payload = await new Promise((resolve, reject) => {
      jwt.verify(
        token,
        getSigningKey,
        {
          algorithms: ['RS256'],
          audience: config.appId,
          issuer: expectedIssuer,
          // exp and nbf are checked by jsonwebtoken; clockTolerance left at its default (0),
          // as in Microsoft's Node.js sample.
        },
        (err, claims) => (err ? reject(err) : resolve(claims)),
      );
    });
    if (typeof payload.exp !== 'number') throw new Error('token has no numeric exp claim');
    if (typeof payload.nbf !== 'number') throw new Error('token has no numeric nbf claim');
    if (payload.appid !== CHANGE_TRACKING_APP_ID) {
      throw new Error(
        `appid claim ${JSON.stringify(payload.appid ?? null)} is not the Microsoft Graph Change Tracking app ${CHANGE_TRACKING_APP_ID}`,
      );
    }
    result.valid = true;
  } catch (err) {
    result.error = `${err.name && err.name !== 'Error' ? err.name + ': ' : ''}${err.message}`;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// §7: encryptedContent
// ---------------------------------------------------------------------------------------------

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function strictBase64(value, field) {
  if (typeof value !== 'string') throw new Error(`encryptedContent.${field} is not a string`);
  if (!BASE64.test(value)) throw new Error(`encryptedContent.${field} is not standard padded base64`);
  return Buffer.from(value, 'base64');
}

function decryptContent(encryptedContent, privateKey) {
  if (typeof encryptedContent !== 'object' || encryptedContent === null || Array.isArray(encryptedContent)) {
    throw new Error('encryptedContent is not an object');
  }
  if (!privateKey) throw new Error('no private key configured (HANDLER_PRIVATE_KEY)');
  const dataKey = strictBase64(encryptedContent.dataKey, 'dataKey');
  const data = strictBase64(encryptedContent.data, 'data');
  const signature = strictBase64(encryptedContent.dataSignature, 'dataSignature');

  // Step 2: RSA-OAEP with SHA-1 and MGF1-SHA-1.
  let key;
  try {
    key = crypto.privateDecrypt(
      { key: privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      dataKey,
    );
  } catch (err) {
    throw new Error(`dataKey RSA-OAEP decryption failed: ${err.message}`);
  }
  if (key.length !== 32) throw new Error(`symmetric key is ${key.length} bytes, not 32`);

  // Step 3: HMAC-SHA256 over the decoded data, compared in constant time; no decryption on mismatch.
  const mac = crypto.createHmac('sha256', key).update(data).digest();
  if (signature.length !== mac.length || !crypto.timingSafeEqual(signature, mac)) {
    throw new Error('dataSignature does not match HMAC-SHA256 of data; not decrypted');
  }

  // Step 4: AES-256-CBC, PKCS#7 padding, IV = first 16 bytes of the key.
  let plain;
  try {
    const decipher = crypto.createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(true);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch (err) {
    throw new Error(`AES-256-CBC decryption failed: ${err.message}`);
  }
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw new Error('decrypted content is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`decrypted content is not JSON: ${err.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// §5 and §6: notification and lifecycle POSTs
// ---------------------------------------------------------------------------------------------

function clientStateMatch(item) {
  if (config.clientState === null) return null;
  return item.clientState === config.clientState;
}

function itemKeys(item) {
  return typeof item === 'object' && item !== null && !Array.isArray(item) ? Object.keys(item).sort() : [];
}

function field(item, name) {
  return typeof item === 'object' && item !== null && !Array.isArray(item) && name in item ? item[name] : null;
}

// Records the items at once (in arrival order, decrypting where needed) and returns a promise
// that fills in the POST's validationToken results.
function processPost(kind, body, meta) {
  const postIndex = report.posts;
  report.posts += 1;
  const target = kind === 'notifications' ? report.notifications : report.lifecycle;
  const items = body.value;
  const tokenField = !Object.prototype.hasOwnProperty.call(body, 'validationTokens')
    ? 'absent'
    : body.validationTokens === null
      ? 'null'
      : Array.isArray(body.validationTokens)
        ? 'array'
        : typeof body.validationTokens;
  const rawTokens = Array.isArray(body.validationTokens) ? body.validationTokens : [];

  const records = items.map((item) => {
    const common = {
      postIndex,
      contentType: meta.contentType,
      subscriptionId: field(item, 'subscriptionId'),
      tenantId: field(item, 'tenantId'),
      subscriptionExpirationDateTime: field(item, 'subscriptionExpirationDateTime'),
      clientStateMatches: clientStateMatch(item ?? {}),
      keys: itemKeys(item),
      validationTokensField: tokenField,
      tokens: [],
    };
    if (kind !== 'notifications') {
      return { ...common, lifecycleEvent: field(item, 'lifecycleEvent') };
    }
    const rec = {
      ...common,
      id: field(item, 'id'),
      changeType: field(item, 'changeType'),
      resource: field(item, 'resource'),
      resourceData: field(item, 'resourceData'),
      lifecycleEvent: field(item, 'lifecycleEvent'),
    };
    const enc = field(item, 'encryptedContent');
    if (enc !== null) {
      rec.encryptionCertificateId = field(enc, 'encryptionCertificateId');
      rec.encryptionCertificateThumbprint = field(enc, 'encryptionCertificateThumbprint');
      try {
        rec.decrypted = decryptContent(enc, config.privateKey);
      } catch (err) {
        rec.decryptError = err.message;
      }
    }
    return rec;
  });
  target.push(...records);

  return Promise.all(rawTokens.map((t) => validateToken(t))).then((tokens) => {
    for (const rec of records) rec.tokens = tokens;
    log(
      `${kind}: ${items.length} item(s), ${tokens.length} token(s) (${tokens.filter((t) => t.valid).length} valid)`,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------------------------

function sendJson(res, status, value) {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

function sendEmpty(res, status) {
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}

function reject(res, path, status, reason) {
  report.rejected.push({ path, status, reason });
  log(`rejected ${path}: ${status} ${reason}`);
  if (status === 413) res.setHeader('Connection', 'close');
  sendEmpty(res, status);
}

function declaredLength(req) {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) ? declared : null;
}

// Reads the body up to MAX_BODY_BYTES. Resolves to a Buffer, or to null after answering 413.
// A body declared too large was already refused before it was sent when the client asked
// `Expect: 100-continue` (see checkContinue below); otherwise it is drained, then refused.
function readBody(req, res, path) {
  return new Promise((resolve, reject_) => {
    const declared = declaredLength(req);
    let reason = declared !== null && declared > MAX_BODY_BYTES
      ? `declared body of ${declared} bytes exceeds 4 MB`
      : null;
    if (reason !== null && declared > DRAIN_BYTES) {
      reject(res, path, 413, reason);
      resolve(null);
      return;
    }
    const chunks = [];
    let size = 0;
    let answered = false;
    const refuse = () => {
      if (answered) return;
      answered = true;
      reject(res, path, 413, reason);
      resolve(null);
    };
    req.on('data', (chunk) => {
      size += chunk.length;
      if (reason === null && size > MAX_BODY_BYTES) {
        reason = 'body exceeds 4 MB';
        chunks.length = 0;
      }
      if (reason === null) chunks.push(chunk);
      else if (size > DRAIN_BYTES) refuse();
    });
    req.on('end', () => {
      if (reason === null) resolve(Buffer.concat(chunks));
      else refuse();
    });
    req.on('error', reject_);
  });
}

function isJsonObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function route(req, res) {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? null : target.slice(q + 1);

  if (req.method === 'GET' && path === '/report') {
    await settled();
    sendJson(res, 200, report);
    return;
  }
  if (req.method === 'POST' && path === '/report/clear') {
    req.resume();
    await settled();
    report = freshReport();
    sendEmpty(res, 204);
    return;
  }
  if (req.method !== 'POST' || (path !== '/notifications' && path !== '/lifecycle')) {
    req.resume();
    sendEmpty(res, 404);
    return;
  }

  const kind = path === '/notifications' ? 'notifications' : 'lifecycle';
  const body = await readBody(req, res, path);
  if (body === null) return;
  req.bodyLength = body.length;

  const found = findValidationToken(query);
  if (found) {
    handleHandshake(req, res, path, found);
    return;
  }

  let parsed;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (err) {
    reject(res, path, 400, `malformed JSON: ${err.message}`);
    return;
  }
  if (!isJsonObject(parsed) || !Array.isArray(parsed.value)) {
    reject(res, path, 400, 'body is not an object with a "value" array');
    return;
  }

  // §5/§6: acknowledge first, then process.
  sendEmpty(res, 202);
  const meta = { contentType: req.headers['content-type'] ?? null };
  track(
    processPost(kind, parsed, meta).catch((err) => {
      log(`processing failed: ${err.stack || err}`);
    }),
  );
}

const server = http.createServer((req, res) => {
  route(req, res).catch((err) => {
    log(`request failed: ${err.stack || err}`);
    if (!res.headersSent) sendEmpty(res, 500);
    else res.destroy();
  });
});

// A client that asks before sending a body too large is refused before it sends it; any other
// request continues as usual.
server.on('checkContinue', (req, res) => {
  const declared = declaredLength(req);
  const path = (req.url ?? '/').split('?')[0];
  const readsBody = req.method === 'POST' && (path === '/notifications' || path === '/lifecycle');
  if (readsBody && declared !== null && declared > MAX_BODY_BYTES) {
    reject(res, path, 413, `declared body of ${declared} bytes exceeds 4 MB`);
    return;
  }
  res.writeContinue();
  server.emit('request', req, res);
});

function shutdown(reason) {
  log(`exiting (${reason})`);
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
}

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const base = `http://127.0.0.1:${port}`;
  process.stdout.write(
    JSON.stringify({ base, notificationUrl: `${base}/notifications`, lifecycleUrl: `${base}/lifecycle` }) + '\n',
  );
  log(`listening on ${base}; app ${config.appId || '(unset)'}, issuer ${expectedIssuer}, jwks ${config.jwksUri}, private key ${config.privateKey ? 'loaded' : 'none'}, clientState ${config.clientState === null ? 'not checked' : 'checked'}`);
});

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.stdin.on('end', () => shutdown('stdin closed'));
process.stdin.on('close', () => shutdown('stdin closed'));
process.stdin.on('error', () => shutdown('stdin error'));
process.stdin.resume();
