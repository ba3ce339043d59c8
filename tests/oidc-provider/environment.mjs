// The harness's contract with whoever starts it: stdout carries the ready line and nothing else,
// everything that logs goes to stderr, and the OIDC_* environment variables are read and checked
// here (a bad value: a message on stderr, exit code 2, no ready line).
//
// Importing this module redirects console.log/info/debug to stderr, so server.mjs imports it
// FIRST, before node-oidc-provider is loaded (oidc-provider's notices use console.info).

import crypto from 'node:crypto';
import fs from 'node:fs';

// stdout carries the ready line and nothing else: whatever logs (oidc-provider's notices use
// console.info) goes to stderr.
export const stdoutWrite = process.stdout.write.bind(process.stdout);
for (const method of ['log', 'info', 'debug']) {
  console[method] = (...args) => console.error(...args);
}
process.stdout.on('error', () => {});

function fail(message) {
  console.error(`oidc-provider harness: ${message}`);
  process.exit(2);
}

// The settings from the environment; exits with code 2 on a bad value. Called once the provider
// library is loaded, so its start-up warning still comes first on stderr.
export function readEnvironment() {
  const accessTokenFormat = process.env.OIDC_ACCESS_TOKEN_FORMAT || 'opaque';
  if (!['opaque', 'jwt'].includes(accessTokenFormat)) {
    fail(`OIDC_ACCESS_TOKEN_FORMAT must be "opaque" or "jwt", not ${JSON.stringify(accessTokenFormat)}`);
  }

  const intervalText = process.env.OIDC_DEVICE_INTERVAL || '5';
  if (!/^[1-9][0-9]*$/.test(intervalText)) {
    fail(`OIDC_DEVICE_INTERVAL must be a positive whole number of seconds, not ${JSON.stringify(intervalText)}`);
  }
  const deviceInterval = Number(intervalText);

  const verbose = process.env.OIDC_HARNESS_VERBOSE === '1';

  const certificate = process.env.OIDC_CERT_PEM ? readCertificate(process.env.OIDC_CERT_PEM) : undefined;

  return { accessTokenFormat, deviceInterval, verbose, certificate };
}

// OIDC_CERT_PEM: the certificate client's key, as a JWK carrying x5c, x5t and x5t#S256.
function readCertificate(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    fail(`cannot read OIDC_CERT_PEM ${file}: ${err.message}`);
  }
  const block = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
  if (!block) fail(`OIDC_CERT_PEM ${file} holds no CERTIFICATE block`);
  let x509;
  try {
    x509 = new crypto.X509Certificate(block[0]);
  } catch (err) {
    fail(`OIDC_CERT_PEM: the certificate cannot be read: ${err.message}`);
  }
  const publicKey = crypto.createPublicKey(block[0]);
  if (publicKey.asymmetricKeyType !== 'rsa') {
    fail(`OIDC_CERT_PEM: the certificate's key is ${publicKey.asymmetricKeyType}, not RSA`);
  }
  const x5t = crypto.createHash('sha1').update(x509.raw).digest('base64url');
  const x5tS256 = crypto.createHash('sha256').update(x509.raw).digest('base64url');
  return {
    x5t,
    x5tS256,
    jwk: {
      ...publicKey.export({ format: 'jwk' }),
      kid: x5tS256,
      use: 'sig',
      x5c: [x509.raw.toString('base64')],
      x5t,
      'x5t#S256': x5tS256,
    },
  };
}
