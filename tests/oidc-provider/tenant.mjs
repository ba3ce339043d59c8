// The fixed identities of the test tenant: its GUID and aliases, the client ids, the users, the
// Graph resource and the OpenID Connect scopes, plus the small scope helpers every other module
// shares. Tests rely on these values staying the same from run to run (README.md, "Ready line"),
// so they live here, apart from the provider's configuration. Nothing here reads the environment
// or touches node-oidc-provider.

import crypto from 'node:crypto';

// GUIDs are made up; the client secret is random per run.
export const TENANT = '4f1c6b8e-2d3a-4c5b-9e7f-0a1b2c3d4e5f';
export const TENANT_ALIASES = ['common', 'organizations'];
export const PUBLIC_CLIENT_ID = '3c2a9a4e-5b6d-4f7a-8e9b-0c1d2e3f4a5b';
export const SECRET_CLIENT_ID = '7d8e9f0a-1b2c-4d3e-9f4a-5b6c7d8e9f0a';
export const CERTIFICATE_CLIENT_ID = 'b5a4c3d2-e1f0-4a9b-8c7d-6e5f4a3b2c1d';
export const CLIENT_SECRET = crypto.randomBytes(24).toString('base64url');

export const GRAPH = 'https://graph.microsoft.com';
// Graph permissions always accepted; any other `https://graph.microsoft.com/<Name>` in the
// request is accepted too (see graphResourceServer in server.mjs).
export const GRAPH_PERMISSIONS = [
  'User.Read', 'User.ReadBasic.All', 'Mail.Read', 'Calendars.Read', 'Contacts.Read', 'Chat.Read',
  'ChannelMessage.Read.All', 'Files.Read.All', 'Tasks.ReadWrite', 'Presence.Read.All', '.default',
];
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

// Microsoft's `sub` is not the object id; here it is a stable per-user value (Microsoft's is also
// per application), distinct from `oid`.
function subjectFor(oid) {
  return crypto.createHash('sha256').update(`sub:${TENANT}:${oid}`).digest('base64url').slice(0, 43);
}

export const USERS = [
  {
    login: 'alice',
    oid: '0b6f5c3e-7a1d-4e2b-8c9f-1d2e3f4a5b6c',
    preferredUsername: 'alice@contoso.example',
    name: 'Alice Example',
  },
  {
    login: 'bob',
    oid: '9e8d7c6b-5a4f-4e3d-a2c1-b0a9f8e7d6c5',
    preferredUsername: 'bob@contoso.example',
    name: 'Bob Example',
  },
].map((user) => ({ ...user, sub: subjectFor(user.oid) }));

export const usersBySub = new Map(USERS.map((user) => [user.sub, user]));

// A user by login name or preferred username, case-insensitive; undefined when none matches.
export function findUser(input) {
  const wanted = String(input ?? '').trim().toLowerCase();
  if (!wanted) return undefined;
  return USERS.find((u) => u.login === wanted || u.preferredUsername.toLowerCase() === wanted);
}

export function isGraphScope(scope) {
  return typeof scope === 'string' && scope.startsWith(`${GRAPH}/`) && scope.length > GRAPH.length + 1;
}

export function splitScope(value) {
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}
