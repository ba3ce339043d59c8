// Generated from the Rust command surface (studio-core). Do not edit by hand:
// run `make bindings` after changing a command or a type it uses.

/**
 * One account.
 */
export type AccountConfig = { 
/**
 * Stable id (secret names derive from it).
 */
id: string, 
/**
 * What people see: the user's sign-in name, or the app's name.
 */
name: string, 
/**
 * How it signs in.
 */
kind: AccountType, 
/**
 * Tenant id, domain, `common`, `organizations` or `consumers`.
 */
tenant: string, 
/**
 * The application (client) id.
 */
clientId: string, 
/**
 * Which cloud.
 */
cloud: Cloud, 
/**
 * Delegated permissions (without the resource prefix), e.g. `Mail.Read`: those asked for
 * until a sign-in answers, then those the authority granted.
 */
scopes: Array<string>, 
/**
 * How an app-only account proves itself.
 */
credential: Credential, 
/**
 * Every scope the last sign-in granted, as the authority wrote them (`scope` of the token
 * response); refreshes ask for exactly these. Empty before a sign-in.
 */
granted: Array<string>, 
/**
 * Who signed in; absent until a sign-in established it (and for accounts added by an older
 * version until they sign in again).
 */
identity?: AccountIdentity, };

/**
 * Who an account is, as the sign-in established it. Two accounts are the same when their cloud,
 * client, tenant id and object key are equal, so two users of one app never collide.
 */
export type AccountIdentity = { 
/**
 * The tenant id (`tid`); the consumers tenant for personal accounts.
 */
tenantId: string, 
/**
 * `oid` for work and school accounts, `sub` for personal ones, the client id for an app.
 */
objectKey: string, 
/**
 * `preferred_username` (or the user principal name); the client id for an app.
 */
username: string, 
/**
 * `name`, when the authority gave one.
 */
displayName?: string, 
/**
 * Where this was read from.
 */
source: IdentitySource, };

/**
 * Who a subscription is created as.
 */
export type AccountKind = "delegatedWork" | "delegatedPersonal" | "application";

/**
 * Names one account (`account_remove`, `account_select`, `account_check`).
 */
export type AccountRef = { 
/**
 * The account's id.
 */
id: string, };

/**
 * Which account is active.
 */
export type AccountStatus = { 
/**
 * No account, the sandbox tenant, or a Microsoft account.
 */
kind: AccountStatusKind, 
/**
 * What to show: a user principal name, an app name or "No account".
 */
label: string, };

/**
 * The kinds of account the status bar distinguishes.
 */
export type AccountStatusKind = "none" | "sandbox" | "delegated" | "application";

/**
 * One account as shown.
 */
export type AccountSummary = { 
/**
 * Its configuration (no secrets in it).
 */
config: AccountConfig, 
/**
 * A label for the cloud ("Global", "Sandbox (this computer)", …).
 */
cloudLabel: string, 
/**
 * Whether it is the account in use.
 */
current: boolean, 
/**
 * What its access token says, when one is in memory.
 */
claims?: Claims, 
/**
 * What went wrong the last time it was checked.
 */
problem?: IpcError, };

/**
 * How an account signs in.
 */
export type AccountType = "sandbox" | "sandboxApp" | "work" | "personal" | "application";

/**
 * Every account.
 */
export type AccountsView = { 
/**
 * In the order they were added.
 */
accounts: Array<AccountSummary>, 
/**
 * Where secrets go.
 */
secretStorage: SecretStorage, 
/**
 * Why the keyring cannot be used right now, when it cannot.
 */
secretProblem?: IpcError, };

/**
 * `account_add_sandbox`.
 */
export type AddSandboxRequest = { 
/**
 * App-only (the sandbox app) instead of a user.
 */
appOnly: boolean, 
/**
 * The sandbox user to sign in as (default Adele).
 */
userPrincipalName?: string, };

/**
 * A Graph API version.
 */
export type ApiVersion = "v1.0" | "beta";

/**
 * Facts about this build and install, shown in Settings and used by the window at start.
 */
export type AppInfo = { 
/**
 * "Graph Webhook Studio".
 */
productName: string, 
/**
 * The crate version, e.g. "0.1.0".
 */
version: string, 
/**
 * Operating system and architecture, e.g. "linux x86_64".
 */
platform: string, 
/**
 * Where durable data lives.
 */
dataDir: string, 
/**
 * Where the settings file lives.
 */
settingsFile: string, 
/**
 * Where log files go.
 */
logDir: string, 
/**
 * Set when the settings file was bad at start and the defaults are in use.
 */
settingsProblem: SettingsProblem | null, };

/**
 * `account_add_app`: an app registration with a secret or a certificate.
 */
export type AppRequest = { 
/**
 * Tenant id or domain (app-only needs a real tenant, not `common`).
 */
tenant: string, 
/**
 * The application (client) id.
 */
clientId: string, 
/**
 * Which cloud.
 */
cloud: CloudChoice, 
/**
 * With `cloud: custom`: the authority host.
 */
customAuthority?: string, 
/**
 * With `cloud: custom`: the Graph host.
 */
customGraph?: string, 
/**
 * A name to show.
 */
name?: string, 
/**
 * The client secret's value.
 */
clientSecret?: string, 
/**
 * A PEM with the certificate and its private key.
 */
certificatePem?: string, };

/**
 * A proposed subscription and what the current account grants, if known.
 */
export type CatalogCheckRequest = { 
/**
 * The subscription as chosen so far.
 */
proposal: Proposal, 
/**
 * Scopes or roles granted to `proposal.accountKind`'s account (from its token).
 */
granted: Array<string>, };

/**
 * The explorer's live answer.
 */
export type CatalogCheckResponse = { 
/**
 * Resolution and problems.
 */
check: Check, 
/**
 * Permission hints for the three account kinds (granted scopes apply to the proposal's).
 */
hints: Array<PermissionHint>, 
/**
 * The request this choice produces.
 */
preview: RequestPreview, };

/**
 * The whole catalog.
 */
export type CatalogData = { 
/**
 * Data version, bumped on every change to the file.
 */
version: number, 
/**
 * When the data was last checked against the docs.
 */
reviewed: string, 
/**
 * Delegated permissions that need admin consent.
 */
delegatedAdminConsent: Array<string>, 
/**
 * Every placeholder, by name.
 */
placeholders: { [key in string]: Placeholder }, 
/**
 * Every resource.
 */
resources: Array<Resource>, };

/**
 * The whole catalog plus each path's permissions, keyed by template.
 */
export type CatalogView = { 
/**
 * The data file's content.
 */
data: CatalogData, 
/**
 * Permissions per template.
 */
permissions: { [key in string]: PathPermissions }, };

/**
 * `cert_export`.
 */
export type CertificateExport = { 
/**
 * Which.
 */
id: string, 
/**
 * PEM text; otherwise base64 DER (what `encryptionCertificate` carries).
 */
pem: boolean, };

/**
 * Names a certificate.
 */
export type CertificateRef = { 
/**
 * Its id.
 */
id: string, };

/**
 * `cert_create`.
 */
export type CertificateRequest = { 
/**
 * 2048 (default), 3072 or 4096.
 */
bits?: number, };

/**
 * A certificate as the window shows it.
 */
export type CertificateView = { 
/**
 * The id sent as `encryptionCertificateId`.
 */
id: string, 
/**
 * RSA key size.
 */
bits: number, 
/**
 * Subject.
 */
subject: string, 
/**
 * When it was made.
 */
createdAt: string, 
/**
 * When it expires.
 */
notAfter: string, 
/**
 * SHA-256 thumbprint, hex.
 */
thumbprint: string, 
/**
 * The one new subscriptions use.
 */
current: boolean, 
/**
 * Subscriptions (of this app) that still reference it.
 */
usedBy: number, };

/**
 * Which change to make.
 */
export type ChangeKind = "created" | "updated" | "deleted";

/**
 * A change a subscription can ask to be told about.
 */
export type ChangeType = "created" | "updated" | "deleted";

/**
 * What checking a proposal found.
 */
export type Check = { 
/**
 * The catalog path the resource matched, if any.
 */
resolved?: Resolved, 
/**
 * Every problem, errors first.
 */
problems: Array<Problem>, 
/**
 * For an unknown resource, the closest catalog paths.
 */
nearest: Array<string>, };

/**
 * How one check of a token came out.
 */
export type CheckOutcome = { "outcome": "passed" } | { "outcome": "failed", 
/**
 * Why.
 */
reason: string, } | { "outcome": "notChecked", 
/**
 * Why.
 */
reason: string, };

/**
 * What the app shows about an account's sign-in.
 */
export type Claims = { 
/**
 * The user's sign-in name (`preferred_username` of the ID token), or the app id.
 */
subject: string, 
/**
 * `name`, when the token has one.
 */
displayName?: string, 
/**
 * The tenant id (`tid`).
 */
tenantId: string, 
/**
 * The user's object id (`oid`; `sub` for personal accounts), or the app id.
 */
objectId: string, 
/**
 * The application (client) id.
 */
appId: string, 
/**
 * When the access token in memory expires, Unix seconds (a double in TypeScript: seconds
 * fit exactly).
 */
expiresAt: number, 
/**
 * The Graph permissions granted (delegated), or the app's `roles`.
 */
permissions: Array<string>, 
/**
 * Whether the permissions are application roles.
 */
appOnly: boolean, };

/**
 * What the clientState check found.
 */
export type ClientStateVerdict = "matches" | "differs" | "missing" | "unknownSubscription";

/**
 * Which Microsoft cloud an account signs in to.
 */
export type Cloud = { "kind": "global" } | { "kind": "usGovernment" } | { "kind": "china" } | { "kind": "custom", 
/**
 * Stands for `https://login.microsoftonline.com`.
 */
authorityHost: string, 
/**
 * Stands for `https://graph.microsoft.com`.
 */
graphBase: string, };

/**
 * Which Microsoft cloud, as the window offers it.
 */
export type CloudChoice = "global" | "usGovernment" | "china" | "custom";

/**
 * `conform_certificate`'s answer.
 */
export type ConformCertificateDone = { "state": "written", 
/**
 * The certificate (PEM): give it to this suite.
 */
certificatePath: string, 
/**
 * Its private key (PKCS#8 PEM): give it to your handler (and to this suite).
 */
keyPath: string, 
/**
 * SHA-1 thumbprint, hex, as `encryptionCertificateThumbprint` will say.
 */
thumbprint: string, } | { "state": "cancelled" };

/**
 * One graded rule.
 */
export type ConformCheck = { 
/**
 * Which rule.
 */
id: ConformCheckId, 
/**
 * Its title, for people.
 */
title: string, 
/**
 * The grade.
 */
status: ConformStatus, 
/**
 * The documented rule, in a sentence.
 */
rule: string, 
/**
 * What happened.
 */
detail: string, 
/**
 * What to change (when the grade is not a pass), or what to look for in the handler's logs.
 */
fix: string | null, 
/**
 * The requests behind the grade (at most a few; a burst is summarised in `detail`).
 */
exchanges: Array<ConformExchange>, };

/**
 * Every check the suite runs, in the order it reports them.
 */
export type ConformCheckId = "handshakeNotification" | "handshakeEncoding" | "handshakeLifecycle" | "tls" | "notificationPlain" | "notificationBatched" | "notificationRich" | "lifecycleReauthorizationRequired" | "lifecycleSubscriptionRemoved" | "lifecycleMissed" | "duplicates" | "forgedValidationToken" | "wrongClientState" | "acknowledgementTime" | "burst";

/**
 * One request to the handler and what came back (never its whole body: an excerpt, as text).
 */
export type ConformExchange = { 
/**
 * What was sent.
 */
kind: ConformExchangeKind, 
/**
 * Where to.
 */
url: string, 
/**
 * The status, or none when there was no answer (refused, reset, timed out).
 */
status: number | null, 
/**
 * Time to the whole answer, milliseconds.
 */
latencyMs: number, 
/**
 * The answer's `Content-Type`.
 */
contentType: string | null, 
/**
 * The first 300 characters of the answer.
 */
bodyExcerpt: string | null, 
/**
 * Why there was no answer.
 */
error: string | null, 
/**
 * The TLS problem, when TLS refused the connection.
 */
tls: ConformTlsProblem | null, 
/**
 * Where a redirect pointed (shown without credentials or query values).
 */
location: string | null, 
/**
 * The notification ids the request carried (for the handler's own logs).
 */
notificationIds: Array<string>, };

/**
 * What was sent to the handler: a handshake, a notification POST or a lifecycle POST.
 */
export type ConformExchangeKind = "handshake" | "notification" | "lifecycle";

/**
 * A whole run.
 */
export type ConformReport = { 
/**
 * The notification URL tested.
 */
url: string, 
/**
 * The lifecycle URL tested, if any.
 */
lifecycleUrl: string | null, 
/**
 * Unix seconds when the run started.
 */
startedAt: number, 
/**
 * How long it took, milliseconds.
 */
durationMs: number, 
/**
 * The worst grade of any check (`skipped` counts as a pass).
 */
outcome: ConformStatus, 
/**
 * Every check, in [`CheckId`] order.
 */
checks: Array<ConformCheck>, 
/**
 * Every notification and lifecycle answer judged by Graph's time rules (what
 * `delivery.acknowledgementTime` grades; absent from reports kept by older versions).
 */
delivery?: DeliveryHealth, 
/**
 * The sandbox behind the material.
 */
sandbox: ConformSandbox, };

/**
 * What to test.
 */
export type ConformRequest = { 
/**
 * The handler's notification URL (http on this machine, https anywhere).
 */
url: string, 
/**
 * Its lifecycle URL, when it has one.
 */
lifecycleUrl: string | null, 
/**
 * The clientState the handler expects (one is made up when absent).
 */
clientState: string | null, 
/**
 * A PEM certificate to encrypt rich notifications to (one is made for the run when absent).
 */
certificatePath: string | null, 
/**
 * Its private key (PEM, PKCS#8 or PKCS#1): read once to check the pair, never kept.
 */
keyPath: string | null, 
/**
 * The validation tokens' audience: the handler's app id (the sandbox app's when absent).
 */
appId: string | null, 
/**
 * How many notifications the burst sends (1,000 when absent; 0 skips it).
 */
burst: number | null, 
/**
 * The sandbox's port for the run (any free one when absent), so a handler can be pointed at
 * its signing keys ahead of time.
 */
sandboxPort: number | null, };

/**
 * A finished run: its id in the history and its report.
 */
export type ConformRun = { 
/**
 * Its id in the history.
 */
id: number, 
/**
 * What the suite found.
 */
report: ConformReport, };

/**
 * One run in the history.
 */
export type ConformRunLine = { 
/**
 * Its id.
 */
id: number, 
/**
 * Unix seconds.
 */
startedAt: number, 
/**
 * The URL tested.
 */
url: string, 
/**
 * Its worst grade.
 */
outcome: ConformStatus, };

/**
 * Names a run in the history.
 */
export type ConformRunRef = { 
/**
 * Its id.
 */
id: number, };

/**
 * The sandbox the run drew its material from: what a handler needs to validate its tokens.
 */
export type ConformSandbox = { 
/**
 * The tenant the notifications come from (`tid`, and the issuer's path).
 */
tenantId: string, 
/**
 * The validation tokens' audience.
 */
appId: string, 
/**
 * The validation tokens' issuer (v1, as Graph sends them).
 */
issuer: string, 
/**
 * Where the signing keys were published while the run lasted.
 */
jwksUri: string, 
/**
 * The certificate rich notifications were encrypted to: SHA-1 thumbprint, hex.
 */
certificateThumbprint: string, 
/**
 * Whether that certificate was the user's (`false`: one made for this run, key discarded).
 */
certificateIsUsers: boolean, 
/**
 * The clientState the notifications carried (the one given, or one made up for the run).
 */
clientState: string, 
/**
 * Whether that clientState was made up for the run.
 */
clientStateMadeUp: boolean, };

/**
 * A check's grade. `Skipped` says why a check did not apply (no lifecycle URL, plain http).
 */
export type ConformStatus = "pass" | "warn" | "fail" | "skipped";

/**
 * Why a TLS connection was refused, read from the TLS library (not from a message).
 */
export type ConformTlsProblem = "untrusted" | "selfSigned" | "expired" | "wrongHost" | "noCommonVersion" | "notTls" | "other";

/**
 * Something the window should know about without asking.
 */
export type CoreEvent = { "type": "settingsChanged", 
/**
 * The new settings.
 */
settings: Settings, } | { "type": "accountsChanged" } | { "type": "receptionsArrived", 
/**
 * The newest reception's id.
 */
newestId: number, } | { "type": "itemsChecked", 
/**
 * The receptions whose items are now kept (the newest, at most 256).
 */
receptionIds: number[], } | { "type": "httpLogChanged" } | { "type": "receiverChanged" } | { "type": "eventHubsChanged" } | { "type": "deliveryChanged", 
/**
 * Where it was.
 */
previous: DeliveryState, 
/**
 * Where it is.
 */
state: DeliveryState, } | { "type": "subscriptionRecreated", 
/**
 * The subscription that was replaced.
 */
previous: string, 
/**
 * Its replacement; absent when making it again failed.
 */
replacement?: string, 
/**
 * Why it was made again.
 */
reason: string, 
/**
 * Why it could not be, when it failed.
 */
error?: string, } | { "type": "statusChanged", 
/**
 * The new state.
 */
status: StatusSnapshot, } | { "type": "resync" } | { "type": "updateAvailable", 
/**
 * What it offers.
 */
offer: UpdateOffer, };

/**
 * `subscription_create`.
 */
export type CreateSubscriptionRequest = { 
/**
 * The account (the one in use when absent).
 */
accountId?: string, 
/**
 * The resource path, e.g. `/me/mailFolders('inbox')/messages`.
 */
resource: string, 
/**
 * `created,updated,deleted` (any non-empty subset the resource supports).
 */
changeType: string, 
/**
 * Minutes until expiry (default and maximum: the resource's longest).
 */
expirationMinutes?: number, 
/**
 * Ask for rich notifications (encrypted resource data; a certificate is made if needed).
 */
includeResourceData: boolean, 
/**
 * Ask for lifecycle notifications at this app's receiver (`lifecycleNotificationUrl`);
 * yes unless `false`. Without them the app cannot hear `subscriptionRemoved`,
 * `reauthorizationRequired` or `missed`, and Graph refuses some resources above an hour.
 */
includeLifecycleUrl?: boolean, 
/**
 * `notificationQueryOptions` (Universal Print).
 */
notificationQueryOptions?: string, 
/**
 * Skip the validation preflight.
 */
skipPreflight: boolean, 
/**
 * Deliver to an Azure Event Hub or Event Grid partner topic instead of this app's receiver:
 * `EventHub:https://<namespace>/eventhubname/<hub>?tenantId=…` (lifecycle events go to the
 * same place), `EventGrid:?…`. No receiver, tunnel or preflight is needed.
 */
deliveryTarget?: string, };

/**
 * `subscription_create`'s answer.
 */
export type CreatedSubscription = { 
/**
 * As Graph answered.
 */
subscription: SubscriptionView, 
/**
 * The preflight, unless skipped.
 */
preflight?: PreflightReport, };

/**
 * How an app-only account proves itself.
 */
export type Credential = { "kind": "none" } | { "kind": "secret" } | { "kind": "certificate", 
/**
 * SHA-1 of the DER, uppercase hex, as the Entra portal shows it.
 */
thumbprint: string, 
/**
 * base64url SHA-1, the `x5t` header of assertions made before `x5t#S256` was kept.
 */
x5t: string, 
/**
 * base64url SHA-256, the assertion's `x5t#S256` header (PS256). Absent for certificates
 * added by an older version, which still sign RS256 with `x5t` until added again.
 */
x5tS256?: string, };

/**
 * `account_sign_in` and `account_device_start`: a delegated Microsoft account.
 */
export type DelegatedRequest = { 
/**
 * Work or school, or personal.
 */
personal: boolean, 
/**
 * Tenant id, domain, `organizations`, `common` or `consumers`.
 */
tenant: string, 
/**
 * The app registration's application (client) id.
 */
clientId: string, 
/**
 * Which cloud.
 */
cloud: CloudChoice, 
/**
 * With `cloud: custom`: the authority host (stands for https://login.microsoftonline.com).
 */
customAuthority?: string, 
/**
 * With `cloud: custom`: the Graph host (stands for https://graph.microsoft.com).
 */
customGraph?: string, 
/**
 * Permissions to ask for (e.g. `Mail.Read`); `User.Read` is always added.
 */
scopes: Array<string>, };

/**
 * The numbers behind a state.
 */
export type DeliveryHealth = { 
/**
 * Where the endpoint stands.
 */
state: DeliveryState, 
/**
 * Answers in the window.
 */
answers: number, 
/**
 * Of which slower than the expected 3 s.
 */
overExpected: number, 
/**
 * Of which slower than 10 s.
 */
overSlow: number, 
/**
 * Median, milliseconds.
 */
medianMs: number, 
/**
 * 95th percentile, milliseconds.
 */
p95Ms: number, 
/**
 * Slowest, milliseconds.
 */
maxMs: number, };

/**
 * Where an endpoint stands.
 */
export type DeliveryState = "quiet" | "healthy" | "atRisk" | "slow" | "dropping";

/**
 * A device-code sign-in waiting for the user.
 */
export type DeviceCodeView = { 
/**
 * Pass to `account_device_finish` / `account_device_cancel`.
 */
flowId: string, 
/**
 * The code to type.
 */
userCode: string, 
/**
 * Where to type it.
 */
verificationUri: string, 
/**
 * Microsoft's sentence.
 */
message: string, 
/**
 * Seconds until the code expires.
 */
expiresIn: number, };

/**
 * Names one device-code sign-in.
 */
export type DeviceFlowRef = { 
/**
 * From `account_device_start`.
 */
flowId: string, };

/**
 * Notifications of one change of one item, more than one of them.
 */
export type DuplicateGroup = { 
/**
 * The item's id.
 */
id: string, 
/**
 * The change key they share (or the change type, without one).
 */
changeKey: string, 
/**
 * How many arrived.
 */
count: number, 
/**
 * The receptions that carried them.
 */
receptionIds: Array<number>, };

/**
 * Where the receiver answers, locally and publicly.
 */
export type Endpoints = { 
/**
 * `http://127.0.0.1:PORT/{secret}/notifications`.
 */
localNotificationUrl: string, 
/**
 * The lifecycle path, locally.
 */
localLifecycleUrl: string, 
/**
 * The public notification URL (through the tunnel), when there is one.
 */
publicNotificationUrl?: string, 
/**
 * The public lifecycle URL.
 */
publicLifecycleUrl?: string, 
/**
 * Which provider makes it public.
 */
tunnel: TunnelKind, 
/**
 * Where notifications are forwarded, if anywhere.
 */
forwardTo?: string, };

/**
 * The stable error codes the UI and scripts may branch on.
 */
export type ErrorCode = "invalid_input" | "not_found" | "storage" | "network" | "permission_denied" | "keyring" | "cancelled" | "internal";

/**
 * One request and its answer.
 */
export type Exchange = { 
/**
 * The `client-request-id` the app sent (also Graph's correlation id).
 */
id: string, 
/**
 * The account that made it.
 */
accountId: string, 
/**
 * When it started, RFC 3339.
 */
at: string, 
/**
 * `GET`, `POST`, …
 */
method: string, 
/**
 * The full URL.
 */
url: string, 
/**
 * The HTTP status, or none when no answer came.
 */
status?: number, 
/**
 * How long it took, in milliseconds.
 */
durationMs: number, 
/**
 * Request headers (Authorization redacted).
 */
requestHeaders: Array<[string, string]>, 
/**
 * The request body, if any (truncated at 64 KiB).
 */
requestBody?: string, 
/**
 * Response headers.
 */
responseHeaders: Array<[string, string]>, 
/**
 * The response body, if any (truncated at 64 KiB).
 */
responseBody?: string, 
/**
 * What went wrong when there was no answer (timeout, connection refused).
 */
failure?: string, };

/**
 * One validation token taken apart for people: its header and claims (decoded whether or not
 * they can be trusted) and every check, each on its own, so all that is wrong shows at once.
 */
export type ExplainedToken = { 
/**
 * The JOSE header, pretty JSON (`null` when it is not JSON).
 */
header: string, 
/**
 * The claims, pretty JSON (`null` when they are not JSON).
 */
claims: string, 
/**
 * Each check, in the order [`check`] makes them.
 */
checks: Array<TokenCheck>, };

/**
 * `receptions_export`'s answer.
 */
export type ExportDone = { "state": "written", 
/**
 * Where the file is.
 */
path: string, 
/**
 * How many receptions it holds.
 */
count: number, } | { "state": "cancelled" };

/**
 * The formats receptions export to.
 */
export type ExportFormat = "ndjson" | "har";

/**
 * `receptions_export`.
 */
export type ExportRequest = { 
/**
 * Which format.
 */
format: ExportFormat, 
/**
 * The file's name in the exports folder (letters, digits, `.`, `-`, `_`; the format's
 * extension is added when missing); by default one made from the time.
 */
fileName?: string, 
/**
 * Only this kind (the Inspector's filter).
 */
kind?: ReceptionKind, 
/**
 * Only what these words find (the Inspector's search).
 */
text?: string, 
/**
 * Ask where to write it, in the system's save dialog (the window only); the file name is
 * then the one suggested.
 */
ask: boolean, };

/**
 * A forwarded or replayed copy and what the target answered.
 */
export type ForwardView = { 
/**
 * The reception sent.
 */
receptionId: number, 
/**
 * When (RFC 3339).
 */
at: string, 
/**
 * Where to.
 */
url: string, 
/**
 * The status answered, when there was an answer.
 */
status: number | null, 
/**
 * How long it took.
 */
durationMs: number, 
/**
 * The answer's body (first 64 KiB).
 */
body: string | null, 
/**
 * Why there was no answer.
 */
failure: string | null, };

/**
 * Why a gap was opened.
 */
export type GapCause = "missed" | "removed" | "downtime" | "urlMoved" | "hubLost" | "asked";

/**
 * One gap.
 */
export type GapRef = { 
/**
 * Its id.
 */
id: number, };

/**
 * A gap as the window and the CLI show it.
 */
export type GapView = { 
/**
 * Its id.
 */
id: number, 
/**
 * The subscription.
 */
subscriptionId: string, 
/**
 * The subscription's resource.
 */
resource: string | null, 
/**
 * Why it was opened.
 */
cause: GapCause, 
/**
 * Unix seconds it begins.
 */
from: number, 
/**
 * Unix seconds it ends.
 */
to: number, 
/**
 * When it was opened.
 */
openedAt: number, 
/**
 * What opened it.
 */
detail: string, 
/**
 * When it was reconciled.
 */
reconciledAt?: number, 
/**
 * The reconciliation's counts, when reconciled.
 */
outcome?: Outcome, };

/**
 * Which gaps to list.
 */
export type GapsRequest = { 
/**
 * Only this subscription's.
 */
subscriptionId?: string, };

/**
 * `health`'s answer.
 */
export type HealthView = { 
/**
 * The receiver's acknowledgement times judged by Graph's rules (absent when it is not
 * listening here).
 */
delivery?: DeliveryHealth, 
/**
 * The receiver another process runs (the window, or `webhook-studio listen`), as its
 * heartbeat last recorded it; absent when this process receives or none is listening.
 */
deliveryElsewhere?: RecordedDelivery, 
/**
 * Every endpoint the conformance suite tested, with each kept run's judgement.
 */
tested: Array<TestedEndpoint>, 
/**
 * Every live subscription the app made.
 */
subscriptions: Array<SubscriptionHealth>, 
/**
 * Gaps not reconciled yet, newest first.
 */
openGaps: Array<GapView>, };

/**
 * Whether an account can subscribe.
 */
export type HintStatus = { "state": "satisfied", 
/**
 * The granted permission that satisfies it.
 */
by: string, } | { "state": "missing", 
/**
 * What to request.
 */
add: Array<Permission>, } | { "state": "unsupported", 
/**
 * The account kinds that can.
 */
supportedBy: Array<AccountKind>, };

/**
 * `http_log_list`.
 */
export type HttpLogRequest = { 
/**
 * Only this account's exchanges.
 */
accountId?: string, 
/**
 * At most this many, newest first (default 200).
 */
limit?: number, };

/**
 * A saved Event Hubs connection (its connection string, when it signs in with one, is in the
 * keyring).
 */
export type HubConnection = { 
/**
 * The name it is used by (`listen --event-hub NAME`).
 */
name: string, 
/**
 * `<namespace>.servicebus.windows.net`.
 */
namespace: string, 
/**
 * The event hub (the Kafka topic).
 */
hub: string, 
/**
 * The consumer group (`$Default` unless set).
 */
consumerGroup: string, 
/**
 * Another broker than the namespace's own (`host:port`), e.g. a local one.
 */
broker?: string, 
/**
 * TLS.
 */
tls: HubTls, 
/**
 * How the app signs in.
 */
signIn: HubSignIn, };

/**
 * A connection as the window shows it.
 */
export type HubConnectionView = { 
/**
 * The saved connection.
 */
connection: HubConnection, 
/**
 * Read by this process now.
 */
reading: boolean, 
/**
 * The hub's partitions (while reading).
 */
partitions: Array<number>, 
/**
 * Events stored since reading started.
 */
stored: number, 
/**
 * The last failure, until the next success.
 */
problem?: string, };

/**
 * Start reading a hub.
 */
export type HubReadRequest = { 
/**
 * The connection's name.
 */
name: string, 
/**
 * Where to start.
 */
start: HubStart, };

/**
 * A connection, by name.
 */
export type HubRef = { 
/**
 * Its name.
 */
name: string, };

/**
 * How the app signs in to the hub's Kafka endpoint.
 */
export type HubSignIn = { "kind": "connectionString" } | { "kind": "entra", 
/**
 * The account's id.
 */
account: string, } | { "kind": "none" };

/**
 * Where a reader starts in each partition.
 */
export type HubStart = { "from": "committed" } | { "from": "start" } | { "from": "now" } | { "from": "time", 
/**
 * Unix seconds.
 */
at: number, };

/**
 * How the broker is spoken to.
 */
export type HubTls = "system" | { "caFile": string } | "plaintext";

/**
 * Where an account's identity was read from.
 */
export type IdentitySource = "idToken" | "graphMe" | "app";

/**
 * An error as the window and the CLI see it.
 */
export type IpcError = { 
/**
 * What kind of failure, for code to branch on.
 */
code: ErrorCode, 
/**
 * One sentence for people.
 */
message: string, 
/**
 * What to do about it, when we know.
 */
hint: string | null, };

/**
 * An item's `changeType` (unlike the catalog's change types, it may be one nobody asked for).
 */
export type ItemChangeType = "created" | "updated" | "deleted" | "unknown";

/**
 * An item's `lifecycleEvent` (unlike the catalog's, it may be one this app does not know).
 */
export type ItemLifecycleEvent = "reauthorizationRequired" | "subscriptionRemoved" | "missed" | "unknown";

/**
 * One item with its checks, for display.
 */
export type ItemView = { 
/**
 * Its id.
 */
id: number, 
/**
 * Place in the POST.
 */
position: number, 
/**
 * `subscriptionId`.
 */
subscriptionId: string | null, 
/**
 * `changeType`.
 */
changeType: ItemChangeType | null, 
/**
 * `resource`.
 */
resource: string | null, 
/**
 * `lifecycleEvent`.
 */
lifecycleEvent: ItemLifecycleEvent | null, 
/**
 * The clientState check.
 */
clientState: ClientStateVerdict, 
/**
 * The item this repeats.
 */
duplicateOf: number | null, 
/**
 * The validation tokens' verdict (none when the POST carried none).
 */
tokens: TokenVerdict | null, 
/**
 * The decrypted resource, pretty JSON.
 */
decrypted: string | null, 
/**
 * Why it could not be decrypted.
 */
decryptError: string | null, 
/**
 * The item as received, pretty JSON.
 */
item: string, };

/**
 * An account the ledger asked.
 */
export type LedgerAccount = { 
/**
 * Its name.
 */
name: string, 
/**
 * What `GET /subscriptions` lists with its token.
 */
lists: string, };

/**
 * One subscription in the ledger.
 */
export type LedgerEntry = { 
/**
 * Graph's id.
 */
id: string, 
/**
 * The accounts whose `GET /subscriptions` lists it (names).
 */
seenBy: Array<string>, 
/**
 * The cloud of the first account that sees it ("global", "usGovernment", "china", or the custom Graph host).
 */
cloud: string, 
/**
 * The tenant of the first account that sees it (its id when signed in, else as configured).
 */
tenant: string, 
/**
 * The resource.
 */
resource: string, 
/**
 * `created,updated`.
 */
changeType: string, 
/**
 * Where notifications go.
 */
notificationUrl: string, 
/**
 * Expiry, Unix seconds.
 */
expiresAt: number, 
/**
 * Who made it (the user, or the app's service principal), as Graph says.
 */
creatorId?: string, 
/**
 * The app that made it.
 */
applicationId?: string, 
/**
 * This app made it and keeps it (renewal, checks, gaps).
 */
madeHere: boolean, 
/**
 * Its notification URL is this app's receiver (now).
 */
servedHere: boolean, 
/**
 * Other subscriptions in the ledger on the same resource.
 */
overlaps: Array<string>, 
/**
 * The catalog's quotas for the resource.
 */
quotas: Array<string>, };

/**
 * An account that could not list its subscriptions.
 */
export type LedgerProblem = { 
/**
 * The account's name.
 */
account: string, 
/**
 * What went wrong.
 */
message: string, };

/**
 * The whole ledger.
 */
export type LedgerView = { 
/**
 * Soonest expiry first.
 */
entries: Array<LedgerEntry>, 
/**
 * Accounts asked, with what their token lists.
 */
accounts: Array<LedgerAccount>, 
/**
 * Accounts that could not answer.
 */
problems: Array<LedgerProblem>, };

/**
 * Lifecycle rules.
 */
export type Lifecycle = { 
/**
 * `lifecycleNotificationUrl` is required when the expiration is further away than this.
 */
requiredOverMinutes: number | null, 
/**
 * The events this resource's lifecycle URL receives.
 */
events: Array<LifecycleEvent>, };

/**
 * Lifecycle notifications a resource gets.
 */
export type LifecycleEvent = "reauthorizationRequired" | "subscriptionRemoved" | "missed";

/**
 * An older documented limit, shown as history, never enforced.
 */
export type LimitHistory = { 
/**
 * The older maximum in minutes.
 */
minutes: number, 
/**
 * Where and when it was documented.
 */
note: string, };

/**
 * One thing to pick.
 */
export type LookupItem = { 
/**
 * What goes into the path.
 */
id: string, 
/**
 * What people recognise.
 */
label: string, 
/**
 * A second line (a UPN, a mail address, a chat type).
 */
detail?: string, };

/**
 * `lookup`: what can fill a catalog placeholder, from the account's tenant.
 */
export type LookupRequest = { 
/**
 * The account (the one in use when absent).
 */
accountId?: string, 
/**
 * The placeholder's name, e.g. `team-id`.
 */
placeholder: string, 
/**
 * The team (channels), site (lists) or user (mail folders, To Do lists of app-only accounts).
 */
parent?: string, };

/**
 * `open_link` request.
 */
export type OpenLinkRequest = { 
/**
 * The link to open.
 */
url: string, };

/**
 * A reconciliation's counts (shown beside the gap).
 */
export type Outcome = { 
/**
 * Changes without a notification.
 */
unnotified: number, 
/**
 * Duplicate groups.
 */
duplicates: number, 
/**
 * Superseded notifications.
 */
superseded: number, 
/**
 * Read in full.
 */
fullSync: boolean, 
/**
 * A token had expired.
 */
restarted: boolean, };

/**
 * A subscription this app created, as the window shows it (its clientState and the recorded
 * request stay inside).
 */
export type OwnedSubscriptionView = { 
/**
 * Graph's id.
 */
id: string, 
/**
 * The account that created it.
 */
accountId: string, 
/**
 * The resource path.
 */
resource: string, 
/**
 * `created,updated`.
 */
changeType: string, 
/**
 * The certificate registered for rich notifications.
 */
certificateId: string | null, 
/**
 * Whether notifications carry resource data.
 */
includeResourceData: boolean, 
/**
 * Where notifications go.
 */
notificationUrl: string, 
/**
 * Where lifecycle notifications go.
 */
lifecycleUrl: string | null, 
/**
 * Current expiry (RFC 3339).
 */
expiration: string, 
/**
 * When it was created (RFC 3339).
 */
createdAt: string, 
/**
 * Where it stands.
 */
state: SubscriptionState, 
/**
 * What the user should know about the state.
 */
note: string | null, };

/**
 * `owned_subscriptions`.
 */
export type OwnedView = { 
/**
 * Subscriptions this app created, newest first.
 */
items: Array<OwnedSubscriptionView>, 
/**
 * The renewal history, newest first.
 */
history: Array<RenewalView>, };

/**
 * The permissions of one path for each account kind, with RSC and admin-consent flags.
 */
export type PathPermissions = { 
/**
 * Delegated, work or school.
 */
delegatedWork: Array<Permission>, 
/**
 * Delegated, personal Microsoft account.
 */
delegatedPersonal: Array<Permission>, 
/**
 * Application.
 */
application: Array<Permission>, };

/**
 * One permission as the UI shows it.
 */
export type Permission = { 
/**
 * The permission's name, e.g. `ChannelMessage.Read.Group`.
 */
name: string, 
/**
 * Resource-specific consent (granted by a team or chat owner, not the tenant).
 */
rsc: boolean, 
/**
 * An administrator must consent.
 */
adminConsent: boolean, };

/**
 * What one account kind needs for one path.
 */
export type PermissionHint = { 
/**
 * The account kind.
 */
accountKind: AccountKind, 
/**
 * Every documented permission, least-privileged first.
 */
required: Array<Permission>, 
/**
 * Satisfied, missing or unsupported.
 */
status: HintStatus, 
/**
 * Problems with what is granted.
 */
warnings: Array<string>, 
/**
 * What to do when something is missing, for this account kind.
 */
action?: string, };

/**
 * The permissions each account kind needs, least-privileged first; empty means not supported.
 */
export type PermissionSet = { 
/**
 * Delegated, work or school account.
 */
delegatedWork: Array<string>, 
/**
 * Delegated, personal Microsoft account.
 */
delegatedPersonal: Array<string>, 
/**
 * Application (app-only).
 */
application: Array<string>, };

/**
 * What a `{…}` in a template stands for.
 */
export type Placeholder = { 
/**
 * The Graph entity it names.
 */
entity: string, 
/**
 * Label for the input field.
 */
label: string, 
/**
 * An example value.
 */
example: string, 
/**
 * The value's shape.
 */
kind: PlaceholderKind, 
/**
 * The look-up (issue #5) that lists candidate values, if any.
 */
lookup?: string, };

/**
 * What a placeholder's value is.
 */
export type PlaceholderKind = "id" | "idList" | "filter" | "url" | "name";

/**
 * One request a trigger sends.
 */
export type PlannedRequest = { 
/**
 * `GET`, `POST`, `PATCH`, `DELETE`.
 */
method: string, 
/**
 * The path under Graph's `/v1.0` (or the sandbox's control API).
 */
path: string, 
/**
 * The JSON body.
 */
body: unknown, };

/**
 * What the preflight saw when it played Graph's validation request against the URL.
 */
export type PreflightReport = { 
/**
 * The URL tried.
 */
url: string, 
/**
 * Everything Graph checks passed.
 */
ok: boolean, 
/**
 * The status answered.
 */
status?: number, 
/**
 * The content type answered.
 */
contentType?: string, 
/**
 * The body was the token, byte for byte.
 */
echoed: boolean, 
/**
 * Round trip in milliseconds (Graph allows 10 s).
 */
latencyMs: number, 
/**
 * What is wrong, in Graph's terms.
 */
problem?: string, };

/**
 * One thing wrong with a proposal.
 */
export type Problem = { 
/**
 * The field at fault (`resource`, `changeType`, `expirationDateTime`, …).
 */
field: string, 
/**
 * Error or warning.
 */
severity: Severity, 
/**
 * What is wrong.
 */
message: string, 
/**
 * What to do.
 */
fix: string, };

/**
 * A subscription someone is about to create.
 */
export type Proposal = { 
/**
 * The `resource` string.
 */
resource: string, 
/**
 * The change types, as typed (`created`, `updated`, `deleted`).
 */
changeTypes: Array<string>, 
/**
 * Minutes from now until `expirationDateTime`.
 */
expiresInMinutes?: number, 
/**
 * `includeResourceData`.
 */
includeResourceData: boolean, 
/**
 * An `encryptionCertificate` is set.
 */
hasEncryptionCertificate: boolean, 
/**
 * A `lifecycleNotificationUrl` is set.
 */
hasLifecycleUrl: boolean, 
/**
 * The `notificationUrl`, if chosen yet.
 */
notificationUrl?: string, 
/**
 * The `clientState`, if any.
 */
clientState?: string, 
/**
 * Who will create it, if known.
 */
accountKind?: AccountKind, 
/**
 * The API version it will be sent to, if known.
 */
apiVersion?: ApiVersion, };

/**
 * Whether the webhook receiver is listening.
 */
export type ReceiverSummary = { 
/**
 * Running or not.
 */
state: ServiceState, 
/**
 * The loopback URL when listening.
 */
localUrl: string | null, 
/**
 * Where its acknowledgements stand by Graph's rules, when it runs in this process.
 */
delivery: DeliveryState | null, };

/**
 * `receiver_status`.
 */
export type ReceiverView = { 
/**
 * Where it answers, when running.
 */
endpoints: Endpoints | null, 
/**
 * The tunnel.
 */
tunnel: TunnelStatus, 
/**
 * An ngrok authtoken is saved (or the environment has one).
 */
ngrokAuthtokenSaved: boolean, 
/**
 * The newest reception's id.
 */
newestId: number, 
/**
 * How the acknowledgements of the last 10 minutes look by Graph's rules (when this process
 * receives).
 */
delivery: DeliveryHealth | null, };

/**
 * `receiver_start`'s answer: the receiver listens; the tunnel may have failed (then the
 * receiver keeps listening on this computer, where the sandbox still delivers).
 */
export type ReceivingStarted = { 
/**
 * Where it answers.
 */
endpoints: Endpoints, 
/**
 * Why the tunnel did not open, with what to do.
 */
tunnelProblem?: TunnelProblem, };

/**
 * `receptions_count`'s answer.
 */
export type ReceptionCount = { 
/**
 * How many receptions the filter holds.
 */
count: number, };

/**
 * A reception whole.
 */
export type ReceptionDetail = { 
/**
 * The list line.
 */
summary: ReceptionLine, 
/**
 * The raw query string.
 */
query: string, 
/**
 * Headers in order.
 */
headers: Array<[string, string]>, 
/**
 * The body as text (pretty when JSON), when it is UTF-8.
 */
bodyText: string | null, 
/**
 * The body as base64, when it is not UTF-8.
 */
bodyBase64: string | null, 
/**
 * Only the first [`BODY_SHOWN`] bytes are shown.
 */
bodyTruncated: boolean, 
/**
 * Its items with their checks.
 */
items: Array<ItemView>, 
/**
 * Where it was forwarded or replayed.
 */
forwards: Array<ForwardView>, 
/**
 * How many validation tokens the POST carried (`reception_tokens` takes them apart).
 */
tokenCount: number, };

/**
 * What kind of request it was.
 */
export type ReceptionKind = "notification" | "lifecycle" | "validation" | "unexpected" | "rejected";

/**
 * A line of the Inspector's list.
 */
export type ReceptionLine = { 
/**
 * Its id.
 */
id: number, 
/**
 * When it arrived (RFC 3339).
 */
receivedAt: string, 
/**
 * What it was.
 */
kind: ReceptionKind, 
/**
 * HTTP method.
 */
method: string, 
/**
 * Path.
 */
path: string, 
/**
 * The query string (a validation token; a hub event's `partition=P&offset=O`).
 */
query: string, 
/**
 * The status answered.
 */
status: number, 
/**
 * Why it was refused or unexpected, or why it has no items.
 */
reason: string | null, 
/**
 * Body size in bytes.
 */
bodyBytes: number, 
/**
 * Who sent it.
 */
peer: string, 
/**
 * Its items have not been checked yet (a moment after the 202).
 */
pending: boolean, 
/**
 * Items read from it.
 */
items: number, 
/**
 * The first item's change type.
 */
changeType: ItemChangeType | null, 
/**
 * The first item's lifecycle event.
 */
lifecycleEvent: ItemLifecycleEvent | null, 
/**
 * The first item's resource.
 */
resource: string | null, 
/**
 * Items whose clientState differs or is missing (forged, or not for this app).
 */
clientStateProblems: number, 
/**
 * Items for a subscription not made here (their clientState could not be checked).
 */
unknownSubscriptions: number, 
/**
 * Items that repeat an earlier one.
 */
duplicates: number, 
/**
 * Items decrypted.
 */
decrypted: number, 
/**
 * Items that could not be decrypted.
 */
decryptFailures: number, };

/**
 * `reception_get` / `reception_replay` / `reception_curl`.
 */
export type ReceptionRef = { 
/**
 * The reception.
 */
id: number, 
/**
 * Where to replay it (replay and curl only; by default the forwarding target).
 */
url?: string, 
/**
 * A body to send instead of the stored one (replay and curl only).
 */
body?: string, };

/**
 * `receptions_list`.
 */
export type ReceptionsRequest = { 
/**
 * Older than this id (the next page).
 */
before?: number, 
/**
 * Newer than this id (what arrived since).
 */
after?: number, 
/**
 * Only this kind.
 */
kind?: ReceptionKind, 
/**
 * Words an item must contain (as received or decrypted).
 */
text?: string, 
/**
 * At most this many (default 200, at most 1,000).
 */
limit?: number, 
/**
 * Oldest first (with `after`: read what arrived since, in order, a page at a time).
 */
oldestFirst?: boolean, 
/**
 * Skip this many first: the page at a scroll position (the Inspector's list).
 */
offset?: number, };

/**
 * Reconcile a subscription from a time (opens a gap the user asked for).
 */
export type ReconcileSince = { 
/**
 * The subscription.
 */
subscriptionId: string, 
/**
 * Unix seconds.
 */
since: number, };

/**
 * What a gap's reconciliation found.
 */
export type Reconciliation = { 
/**
 * The gap.
 */
gapId: number, 
/**
 * The subscription.
 */
subscriptionId: string, 
/**
 * Its resource.
 */
resource: string, 
/**
 * Unix seconds it ran.
 */
ranAt: number, 
/**
 * The gap's range (Unix seconds).
 */
gapFrom: number, 
/**
 * The gap's range (Unix seconds).
 */
gapTo: number, 
/**
 * When the delta links used were taken (`None`: no baseline, a full sync).
 */
baselineAt?: number, 
/**
 * Whether any path was read in full (no link, or an expired one).
 */
fullSync: boolean, 
/**
 * Graph's code when a kept token had expired and the app synced again from the start.
 */
restarted?: string, 
/**
 * The delta paths read.
 */
paths: Array<string>, 
/**
 * Items delta listed.
 */
changesRead: number, 
/**
 * Notification items compared.
 */
notificationsCompared: number, 
/**
 * What limits the result (retention removed receptions, lists cut).
 */
notes: Array<string>, 
/**
 * Changes no notification told of.
 */
unnotified: Array<UnnotifiedChange>, 
/**
 * The same change notified more than once.
 */
duplicates: Array<DuplicateGroup>, 
/**
 * Notifications of a state that changed again.
 */
superseded: Array<Superseded>, };

/**
 * A receiver's health recorded by another process.
 */
export type RecordedDelivery = { 
/**
 * Its health when recorded.
 */
health: DeliveryHealth, 
/**
 * When it was recorded (Unix seconds).
 */
recordedAt: number, };

/**
 * What the upkeep did to a subscription.
 */
export type RenewalAction = "created" | "renewed" | "reauthorized" | "recreated" | "moved" | "missed" | "retry" | "gaveUp" | "ignored";

/**
 * One step of the upkeep, as the window shows it.
 */
export type RenewalView = { 
/**
 * The subscription.
 */
subscriptionId: string, 
/**
 * When (RFC 3339).
 */
at: string, 
/**
 * What was done.
 */
action: RenewalAction, 
/**
 * Whether it worked.
 */
ok: boolean, 
/**
 * Details (the new expiry, the error).
 */
detail: string, };

/**
 * `account_request_permissions`: incremental consent.
 */
export type RequestPermissions = { 
/**
 * The account's id.
 */
id: string, 
/**
 * The permissions to add (e.g. `Mail.Read`).
 */
scopes: Array<string>, };

/**
 * The request in three copyable forms.
 */
export type RequestPreview = { 
/**
 * The request body, pretty-printed JSON.
 */
json: string, 
/**
 * A curl command (the token comes from `$TOKEN`).
 */
curl: string, 
/**
 * The raw HTTP request.
 */
http: string, };

/**
 * A resource string matched to one catalog path.
 */
export type Resolved = { 
/**
 * The resource's id.
 */
resourceId: string, 
/**
 * The matching template.
 */
template: string, 
/**
 * Placeholder names and the values the string gave them, in order.
 */
values: Array<[string, string]>, 
/**
 * The string used `/me` for `/users/{user-id}`.
 */
usesMe: boolean, 
/**
 * The string as Graph documents it (fixed casing, leading slash, no trailing slash).
 */
canonical: string, };

/**
 * A subscribable resource.
 */
export type Resource = { 
/**
 * Stable id, e.g. `chatMessage`.
 */
id: string, 
/**
 * Name for people.
 */
name: string, 
/**
 * The Graph entity type.
 */
entity: string, 
/**
 * Workload group: Outlook, Teams, Directory, Files & SharePoint, Security, Print, To Do, Copilot.
 */
workload: string, 
/**
 * The Graph docs page.
 */
docs: string, 
/**
 * One sentence.
 */
description: string, 
/**
 * Change types Graph accepts.
 */
changeTypes: Array<ChangeType>, 
/**
 * API versions that accept subscriptions.
 */
api: Array<ApiVersion>, 
/**
 * Why the whole resource should not be used, when it is deprecated.
 */
deprecated?: string, 
/**
 * Maximum subscription length in minutes.
 */
maxMinutes: number, 
/**
 * Maximum with `includeResourceData`, when lower.
 */
maxMinutesRich?: number, 
/**
 * Older documented maxima.
 */
history: Array<LimitHistory>, 
/**
 * Rich-notification rules.
 */
rich: RichData, 
/**
 * Lifecycle rules.
 */
lifecycle: Lifecycle, 
/**
 * Special request headers.
 */
headers: Array<SpecialHeader>, 
/**
 * Quotas.
 */
quotas: Array<string>, 
/**
 * Anything else worth knowing.
 */
notes: Array<string>, 
/**
 * Where each fact comes from (see the data file's header).
 */
sources: Array<string>, 
/**
 * Permissions for every path unless the path says otherwise.
 */
permissions: PermissionSet, 
/**
 * The resource paths.
 */
paths: Array<ResourcePath>, };

/**
 * One resource path a subscription's `resource` can name.
 */
export type ResourcePath = { 
/**
 * The template, e.g. `/teams/{team-id}/channels/{channel-id}/messages`.
 */
template: string, 
/**
 * What it watches.
 */
summary: string, 
/**
 * `/me` may stand for `/users/{user-id}` (delegated only).
 */
me: boolean, 
/**
 * API versions, when this path differs from its resource.
 */
api?: Array<ApiVersion>, 
/**
 * Why this path should not be used, when it is deprecated.
 */
deprecated?: string, 
/**
 * Permissions, when this path differs from its resource.
 */
permissions?: PermissionSet, 
/**
 * Quotas specific to this path.
 */
quotas: Array<string>, };

/**
 * Rules for notifications that include resource data.
 */
export type RichData = { 
/**
 * `includeResourceData` is allowed.
 */
supported: boolean, 
/**
 * The `$select` rule.
 */
select: SelectRule, 
/**
 * An encryption certificate is required even without `includeResourceData`.
 */
encryptionRequired: boolean, 
/**
 * The most items (e.g. users) one subscription may name.
 */
maxItems: number | null, 
/**
 * Properties `$select` can name, most useful first (the explorer's `$select` builder);
 * empty where `$select` does not apply.
 */
properties: Array<string>, };

/**
 * Where the in-process sandbox tenant answers (for curl, users' own tests, "trigger a change").
 */
export type SandboxView = { 
/**
 * Stands for `https://login.microsoftonline.com`.
 */
authorityHost: string, 
/**
 * Stands for `https://graph.microsoft.com`.
 */
graphBase: string, 
/**
 * The control API (`POST /changes`, `GET /deliveries`, …).
 */
control: string, 
/**
 * The sandbox tenant's id.
 */
tenantId: string, 
/**
 * The desktop (public) client's id.
 */
publicClientId: string, 
/**
 * The seeded users' sign-in names.
 */
users: Array<string>, };

/**
 * `event_hub_save`: a connection to add or replace.
 */
export type SaveHubConnection = { 
/**
 * Its name.
 */
name: string, 
/**
 * The connection string from the portal (kept in the keyring): needed to sign in with it,
 * and otherwise one way to name the namespace.
 */
connectionString?: string, 
/**
 * `<namespace>.servicebus.windows.net` (or the namespace's name), when no connection string
 * names it.
 */
namespace?: string, 
/**
 * The hub; the connection string's `EntityPath` when absent.
 */
hub?: string, 
/**
 * The consumer group (`$Default` when absent).
 */
consumerGroup?: string, 
/**
 * Another broker (`host:port`).
 */
broker?: string, 
/**
 * TLS (system roots when absent).
 */
tls?: HubTls, 
/**
 * How to sign in (with the connection string when absent).
 */
signIn?: HubSignIn, };

/**
 * Where a file the user asked for went.
 */
export type SavedFile = { "state": "written", 
/**
 * Where.
 */
path: string, } | { "state": "cancelled" };

/**
 * A secret typed by the user (never echoed back).
 */
export type SecretInput = { 
/**
 * The value; empty removes it.
 */
value: string, };

/**
 * Where secrets are kept now.
 */
export type SecretStorage = "keyring" | "session";

/**
 * Whether `$select` belongs in the resource of a rich subscription.
 */
export type SelectRule = "required" | "refused" | "optional";

/**
 * One request a trigger sent, and Graph's status.
 */
export type SentRequest = { 
/**
 * The method.
 */
method: string, 
/**
 * The full URL.
 */
url: string, 
/**
 * The HTTP status.
 */
status: number, };

/**
 * The states a background service passes through.
 */
export type ServiceState = "stopped" | "starting" | "running" | "failed";

/**
 * Everything the user can set. Missing fields take their defaults, so older files keep working.
 */
export type Settings = { 
/**
 * Light, dark or follow the OS.
 */
theme: ThemePreference, 
/**
 * The loopback port the webhook receiver listens on; 0 picks a free one at start.
 */
receiverPort: number, 
/**
 * Largest notification body the receiver accepts, in MiB (413 above).
 */
maxBodyMib: number, 
/**
 * How many receptions to keep before the oldest are pruned.
 */
retentionMaxReceptions: number, 
/**
 * Where secrets go: the OS keyring, or (the user's explicit choice when there is none)
 * this session's memory. Takes effect at the next start.
 */
secretStorage: SecretStorage, 
/**
 * How Graph reaches the receiver.
 */
tunnel: TunnelKind, 
/**
 * The public base URL when `tunnel` is `url` (https).
 */
tunnelUrl: string, 
/**
 * A reserved ngrok domain (empty: a random one).
 */
ngrokDomain: string, 
/**
 * Re-POST every notification to this URL (empty: off).
 */
forwardTo: string, 
/**
 * The most the database may use on disk, in MiB, before the oldest receptions are pruned
 * (bodies, headers, items, decrypted copies and the search index all count).
 */
retentionMaxMib: number, 
/**
 * How long a request's head may take to arrive, and how long an idle connection is kept,
 * in seconds.
 */
headerTimeoutSeconds: number, 
/**
 * The most connections the receiver keeps open; at the cap the longest-idle one is closed.
 */
maxConnections: number, 
/**
 * The largest request head (request line and headers), in KiB (431 above).
 */
maxHeaderKib: number, 
/**
 * How many refused or unexpected requests are recorded per second at most (the rest are
 * counted).
 */
recordedRefusalsPerSecond: number, 
/**
 * Look for a new version when the app starts (off unless the user turns it on; never
 * blocks the start).
 */
checkUpdatesAtStart: boolean, 
/**
 * Tell the user with a desktop notification when Graph would slow down or drop their
 * receiver, and when it recovers.
 */
desktopNotifications: boolean, };

/**
 * A partial update from the window: only the fields that are set change.
 *
 * Numbers are wider than the stored types so an out-of-range value reaches validation and gets a
 * sentence a person can act on, rather than a deserialization error.
 */
export type SettingsPatch = { 
/**
 * New theme.
 */
theme?: ThemePreference, 
/**
 * New receiver port.
 */
receiverPort?: number, 
/**
 * New body limit in MiB.
 */
maxBodyMib?: number, 
/**
 * New retention count.
 */
retentionMaxReceptions?: number, 
/**
 * Where secrets go from the next start.
 */
secretStorage?: SecretStorage, 
/**
 * How Graph reaches the receiver.
 */
tunnel?: TunnelKind, 
/**
 * Your own public URL.
 */
tunnelUrl?: string, 
/**
 * A reserved ngrok domain.
 */
ngrokDomain?: string, 
/**
 * Forwarding target (empty: off).
 */
forwardTo?: string, 
/**
 * Disk space kept, MiB.
 */
retentionMaxMib?: number, 
/**
 * Head and idle timeout, seconds.
 */
headerTimeoutSeconds?: number, 
/**
 * Connection cap.
 */
maxConnections?: number, 
/**
 * Largest request head, KiB.
 */
maxHeaderKib?: number, 
/**
 * Refused or unexpected requests recorded per second.
 */
recordedRefusalsPerSecond?: number, 
/**
 * Look for a new version at start.
 */
checkUpdatesAtStart?: boolean, 
/**
 * Desktop notifications when delivery health changes.
 */
desktopNotifications?: boolean, };

/**
 * What went wrong with the settings file at start, shown to the user.
 */
export type SettingsProblem = { 
/**
 * What was wrong, in a sentence.
 */
message: string, 
/**
 * Where the bad file was moved, if it could be moved.
 */
backupPath: string | null, };

/**
 * How bad a problem is.
 */
export type Severity = "error" | "warning";

/**
 * A request header a resource understands.
 */
export type SpecialHeader = { 
/**
 * Header name.
 */
name: string, 
/**
 * Header value.
 */
value: string, 
/**
 * What it does.
 */
why: string, };

/**
 * Account, receiver and tunnel at one moment.
 */
export type StatusSnapshot = { 
/**
 * The active account.
 */
account: AccountStatus, 
/**
 * The receiver.
 */
receiver: ReceiverSummary, 
/**
 * The tunnel.
 */
tunnel: TunnelSummary, };

/**
 * A subscription as Graph returns it.
 */
export type Subscription = { 
/**
 * Id.
 */
id: string, 
/**
 * The watched resource.
 */
resource: string, 
/**
 * Comma-separated `created`, `updated`, `deleted`.
 */
changeType: string, 
/**
 * Where notifications go.
 */
notificationUrl: string, 
/**
 * RFC 3339.
 */
expirationDateTime: string, 
/**
 * Echoed in every notification.
 */
clientState?: string, 
/**
 * Where lifecycle notifications go.
 */
lifecycleNotificationUrl?: string, 
/**
 * The app that created it.
 */
applicationId?: string, 
/**
 * The user or service principal that created it.
 */
creatorId?: string, 
/**
 * Rich notifications.
 */
includeResourceData?: boolean, 
/**
 * The app's id for its encryption certificate.
 */
encryptionCertificateId?: string, 
/**
 * `v1_0` … `v1_3`.
 */
latestSupportedTlsVersion?: string, 
/**
 * The app id the endpoint expects in validation tokens.
 */
notificationUrlAppId?: string, 
/**
 * Universal Print's filter.
 */
notificationQueryOptions?: string, 
/**
 * Always `application/json`.
 */
notificationContentType?: string, };

/**
 * One subscription's health.
 */
export type SubscriptionHealth = { 
/**
 * Graph's id.
 */
id: string, 
/**
 * The resource.
 */
resource: string, 
/**
 * The account that made it.
 */
accountId: string, 
/**
 * Where it stands.
 */
state: SubscriptionState, 
/**
 * Unix seconds of the newest notification.
 */
lastNotificationAt?: number, 
/**
 * How soon its resource is normally notified, in seconds.
 */
expectedLatencySeconds: number, 
/**
 * The median time between its last notifications, in seconds.
 */
usualIntervalSeconds?: number, 
/**
 * Quiet for longer than usual.
 */
quiet: boolean, 
/**
 * Gaps not reconciled yet.
 */
openGaps: number, };

/**
 * Names one subscription of an account.
 */
export type SubscriptionRef = { 
/**
 * The account (the one in use when absent).
 */
accountId?: string, 
/**
 * The subscription's id.
 */
id: string, };

/**
 * Where a subscription the app created stands.
 */
export type SubscriptionState = "active" | "missed" | "removed" | "deleted" | "failed";

/**
 * One subscription with what the list shows about it.
 */
export type SubscriptionView = { 
/**
 * As Graph returned it.
 */
subscription: Subscription, 
/**
 * Expiry, Unix seconds (the countdown runs in the window).
 */
expiresAt: number, 
/**
 * The catalog's name for the resource, when it knows it ("Outlook message").
 */
resourceName?: string, 
/**
 * The longest renewal the resource allows, in minutes.
 */
maxMinutes?: number, };

/**
 * `subscriptions_list`.
 */
export type SubscriptionsRequest = { 
/**
 * The account (the one in use when absent).
 */
accountId?: string, };

/**
 * The account's subscriptions.
 */
export type SubscriptionsView = { 
/**
 * Whose.
 */
accountId: string, 
/**
 * The account's name.
 */
accountName: string, 
/**
 * Soonest expiry first.
 */
items: Array<SubscriptionView>, };

/**
 * A notification whose item changed again afterwards.
 */
export type Superseded = { 
/**
 * The item's id.
 */
id: string, 
/**
 * The notified change key.
 */
changeKey: string, 
/**
 * The reception that carried it.
 */
receptionId: number, 
/**
 * What replaced it: a later change key, or `deleted`.
 */
by: string, };

/**
 * An endpoint the conformance suite tested, with its runs newest first.
 */
export type TestedEndpoint = { 
/**
 * The notification URL tested.
 */
url: string, 
/**
 * Every kept run that judged its answers, newest first.
 */
runs: Array<TestedRun>, };

/**
 * One conformance run's judgement of an endpoint's answers.
 */
export type TestedRun = { 
/**
 * The run (its report: `conform_report`).
 */
runId: number, 
/**
 * When it started (Unix seconds).
 */
at: number, 
/**
 * Its answers judged by Graph's rules.
 */
health: DeliveryHealth, };

/**
 * How the window picks light or dark.
 */
export type ThemePreference = "system" | "light" | "dark";

/**
 * One check and its outcome.
 */
export type TokenCheck = { 
/**
 * What it looks at.
 */
name: TokenCheckName, 
/**
 * How it came out.
 */
result: CheckOutcome, };

/**
 * What one check of a token looks at.
 */
export type TokenCheckName = "signature" | "lifetime" | "issuer" | "tenant" | "audience" | "caller";

/**
 * What the check of a POST's `validationTokens` found.
 */
export type TokenVerdict = { "state": "valid", 
/**
 * How many tokens were checked.
 */
count: number, } | { "state": "invalid", 
/**
 * Which check failed, for people.
 */
reason: string, } | { "state": "notChecked", 
/**
 * Why, for people.
 */
reason: string, } | { "state": "missing" };

/**
 * What a trigger did.
 */
export type TriggerDone = { 
/**
 * What happened.
 */
summary: string, 
/**
 * Every request, in order.
 */
sent: Array<SentRequest>, 
/**
 * How many subscriptions the sandbox found watching the change (sandbox only).
 */
matchedSubscriptions: number | null, };

/**
 * What a trigger would do.
 */
export type TriggerPlan = { 
/**
 * How.
 */
via: TriggerVia, 
/**
 * One sentence: what happens.
 */
summary: string, 
/**
 * The requests, in order, exactly as they will be sent.
 */
requests: Array<PlannedRequest>, 
/**
 * Where the paths are relative to.
 */
base: string, 
/**
 * Any one of these permissions allows it (empty: none needed).
 */
permissions: Array<string>, 
/**
 * Set when the token is known to hold none of `permissions`.
 */
missingPermission: string | null, 
/**
 * Whether the user can ask for `missing_permission` by signing in again (delegated
 * accounts); an app-only account needs an administrator to grant it.
 */
canAsk: boolean, 
/**
 * Whether a person should confirm first (it writes to a real tenant).
 */
confirm: boolean, 
/**
 * Pass back to `trigger_change` to send these very requests.
 */
at: number, };

/**
 * `trigger_plan` and `trigger_change`.
 */
export type TriggerRequest = { 
/**
 * The account (the one in use when absent).
 */
accountId?: string, 
/**
 * The subscription's resource.
 */
resource: string, 
/**
 * Which change.
 */
changeType: ChangeKind, 
/**
 * How (the sandbox's control API for sandbox accounts, Graph writes otherwise).
 */
via?: TriggerVia, 
/**
 * The moment the plan was made (Unix seconds): `trigger_change` given the plan's `at` sends
 * exactly the requests the plan showed.
 */
at?: number, };

/**
 * How the change is made.
 */
export type TriggerVia = "sandbox" | "graph";

/**
 * How Graph reaches the receiver.
 */
export type TunnelKind = "none" | "ngrok" | "url";

/**
 * Why the tunnel did not open.
 */
export type TunnelProblem = { 
/**
 * ngrok's error code (`ERR_NGROK_107`), when it gave one.
 */
code: string | null, 
/**
 * What happened, in a sentence.
 */
message: string, 
/**
 * What to do about it.
 */
hint: string | null, };

/**
 * Where the tunnel is, as the status bar shows it.
 */
export type TunnelStatus = { "state": "off" } | { "state": "connecting" } | { "state": "online", 
/**
 * The public base URL (no trailing slash).
 */
publicUrl: string, } | { "state": "reconnecting", 
/**
 * What went wrong.
 */
reason: string, } | { "state": "failed", 
/**
 * ngrok's error code (`ERR_NGROK_107`), when it gave one.
 */
code: string | null, 
/**
 * What happened.
 */
message: string, 
/**
 * What to do about it.
 */
hint: string, };

/**
 * Whether a public URL is up.
 */
export type TunnelSummary = { 
/**
 * Which provider.
 */
provider: TunnelKind, 
/**
 * Running or not.
 */
state: ServiceState, 
/**
 * The public URL when online.
 */
publicUrl: string | null, };

/**
 * A change delta reported and no notification did.
 */
export type UnnotifiedChange = { 
/**
 * The item's id.
 */
id: string, 
/**
 * Deleted (or left the collection) rather than created or updated.
 */
deleted: boolean, 
/**
 * Its change key, when Graph gives one.
 */
changeKey?: string, 
/**
 * Its `lastModifiedDateTime`.
 */
lastModified?: string, 
/**
 * Whether it was modified inside the gap (unknown for deletions: `false`).
 */
inGap: boolean, 
/**
 * A subject, name or title to recognise it by.
 */
label?: string, };

/**
 * What a look for a new version found.
 */
export type UpdateCheck = { "state": "upToDate", 
/**
 * The running version.
 */
current: string, } | { "state": "available", 
/**
 * What it offers.
 */
offer: UpdateOffer, } | { "state": "notConfigured", 
/**
 * Why, and how it is updated instead.
 */
reason: string, };

/**
 * A newer version, as its signed manifest describes it.
 */
export type UpdateOffer = { 
/**
 * The running version.
 */
current: string, 
/**
 * The new version.
 */
version: string, 
/**
 * When it was published (RFC 3339), if the manifest says.
 */
published?: string, 
/**
 * The release notes, as plain text (shown as text, never as HTML).
 */
notes: string, };

/**
 * A downloaded update whose signature matched the app's key.
 */
export type UpdateReady = { 
/**
 * The version downloaded.
 */
version: string, 
/**
 * Its size in bytes.
 */
bytes: number, };

/** Every backend command with its request and response type. */
export interface Commands {
  /** Version, folders and start-up problems. */
  app_info: { request: null; response: AppInfo };
  /** Account, receiver and tunnel state for the status bar. */
  status: { request: null; response: StatusSnapshot };
  /** The settings in effect. */
  settings_get: { request: null; response: Settings };
  /** Validates and saves a partial settings update; answers with the new settings. */
  settings_update: { request: SettingsPatch; response: Settings };
  /** Every subscribable resource with its paths, limits and permissions. */
  catalog_get: { request: null; response: CatalogView };
  /** Problems, permission hints and the request preview for a proposed subscription. */
  catalog_check: { request: CatalogCheckRequest; response: CatalogCheckResponse };
  /** What can fill a resource placeholder (users, teams, channels, chats, …), from the account. */
  lookup: { request: LookupRequest; response: Array<LookupItem> };
  /** Opens a Microsoft documentation or sign-in link in the user's browser (allowlisted hosts). */
  open_link: { request: OpenLinkRequest; response: null };
  /** Every account, with what its token says, and where secrets are kept. */
  accounts_list: { request: null; response: AccountsView };
  /** Adds the sandbox tenant (as a user, or app-only) in one click. */
  account_add_sandbox: { request: AddSandboxRequest; response: AccountSummary };
  /** Signs in a work, school or personal account in the system browser. */
  account_sign_in: { request: DelegatedRequest; response: AccountSummary };
  /** Starts a device-code sign-in; answers the code to show. */
  account_device_start: { request: DelegatedRequest; response: DeviceCodeView };
  /** Waits for a device-code sign-in to finish. */
  account_device_finish: { request: DeviceFlowRef; response: AccountSummary };
  /** Cancels a waiting device-code sign-in. */
  account_device_cancel: { request: DeviceFlowRef; response: null };
  /** Adds an app registration with a client secret or a certificate. */
  account_add_app: { request: AppRequest; response: AccountSummary };
  /** Gets a fresh token for an account and answers what it says. */
  account_check: { request: AccountRef; response: AccountSummary };
  /** Makes an account the one in use. */
  account_select: { request: AccountRef; response: null };
  /** Signs out: removes the account and its secrets. */
  account_remove: { request: AccountRef; response: null };
  /** Signs in again asking for more permissions (incremental consent). */
  account_request_permissions: { request: RequestPermissions; response: AccountSummary };
  /** Where the sandbox tenant answers on this computer (starts it if needed). */
  sandbox_info: { request: null; response: SandboxView };
  /** The account's subscriptions, from Graph. */
  subscriptions_list: { request: SubscriptionsRequest; response: SubscriptionsView };
  /** Every subscription every account can see (Graph lists by token: delegated sees the user's, app-only the tenant's), with who made it, where it points, whether this app serves it, overlaps and quotas. */
  subscription_ledger: { request: null; response: LedgerView };
  /** Renews a subscription to the longest expiration its resource allows. */
  subscription_renew: { request: SubscriptionRef; response: SubscriptionView };
  /** Deletes a subscription. */
  subscription_delete: { request: SubscriptionRef; response: null };
  /** Reauthorizes a subscription. */
  subscription_reauthorize: { request: SubscriptionRef; response: null };
  /** Creates a subscription to this app's receiver (preflight first) and records it. */
  subscription_create: { request: CreateSubscriptionRequest; response: CreatedSubscription };
  /** What "Trigger a change" would send for a resource: the exact requests, the permission, whether to confirm. */
  trigger_plan: { request: TriggerRequest; response: TriggerPlan };
  /** Makes a change a subscription watches happen (the sandbox's control API, or a safe write through Graph). */
  trigger_change: { request: TriggerRequest; response: TriggerDone };
  /** Plays Graph's validation request against the receiver's URL. */
  subscription_preflight: { request: null; response: PreflightReport };
  /** Subscriptions this app created, with the renewal history. */
  owned_subscriptions: { request: null; response: OwnedView };
  /** Renews the app's subscriptions that are due now. */
  subscriptions_upkeep: { request: null; response: Array<RenewalView> };
  /** The newest Graph requests and answers (Authorization redacted). */
  http_log_list: { request: HttpLogRequest; response: Array<Exchange> };
  /** Empties the HTTP log. */
  http_log_clear: { request: null; response: null };
  /** Where the receiver answers, the tunnel's state, the newest reception. */
  receiver_status: { request: null; response: ReceiverView };
  /** Starts (or restarts) the receiver and tunnel with the settings; moves subscriptions if the URL changed. A tunnel that fails comes back as `tunnelProblem`. */
  receiver_start: { request: null; response: ReceivingStarted };
  /** Stops the tunnel and the receiver. */
  receiver_stop: { request: null; response: null };
  /** Saves the ngrok authtoken in the keyring (empty removes it). */
  ngrok_authtoken_set: { request: SecretInput; response: null };
  /** A page of receptions, newest first, filtered by kind or text. */
  receptions_list: { request: ReceptionsRequest; response: Array<ReceptionLine> };
  /** How many receptions a filter (kind, search words) holds: the list's scrollbar spans them all. */
  receptions_count: { request: ReceptionsRequest; response: ReceptionCount };
  /** One reception with its headers, body, checked items and forwards. */
  reception_get: { request: ReceptionRef; response: ReceptionDetail };
  /** A POST's validation tokens taken apart: header, claims and each check (lifetime as at arrival). */
  reception_tokens: { request: ReceptionRef; response: Array<ExplainedToken> };
  /** Only a reception's checked items (what `listen` prints beside its line; no body read). */
  reception_items: { request: ReceptionRef; response: Array<ItemView> };
  /** Re-POSTs a stored reception (or an edit of its body) to a URL and answers what it said. */
  reception_replay: { request: ReceptionRef; response: ForwardView };
  /** What `reception_replay` would send, as a curl command (exactly the same request). */
  reception_curl: { request: ReceptionRef; response: string };
  /** Writes what the filter holds to an NDJSON or HAR file, in the exports folder or where the user picks in the save dialog; answers where and how many, or that the dialog was closed. */
  receptions_export: { request: ExportRequest; response: ExportDone };
  /** Drives the user's own webhook handler with what the sandbox sends and grades it against Graph's rules; the report is kept in the history. */
  conform_run: { request: ConformRequest; response: ConformRun };
  /** Makes a certificate and key for testing a handler's decryption and writes both where the user picks in the save dialog (the key is theirs: kept by no store of ours). */
  conform_certificate: { request: null; response: ConformCertificateDone };
  /** The kept conformance runs, newest first. */
  conform_history: { request: null; response: Array<ConformRunLine> };
  /** One kept conformance run. */
  conform_report: { request: ConformRunRef; response: ConformRun };
  /** Delivery health by Graph's rules, each subscription's last notification and silence, and the gaps not yet reconciled. */
  health: { request: null; response: HealthView };
  /** The kept gaps (times notifications may be missing: missed, removed, downtime, a moved URL), newest first. */
  gaps_list: { request: GapsRequest; response: Array<GapView> };
  /** Reads delta over a gap and lists what changed without a notification, what was notified twice and what was superseded; the result is kept. */
  gap_reconcile: { request: GapRef; response: Reconciliation };
  /** A gap's kept reconciliation. */
  gap_reconciliation: { request: GapRef; response: Reconciliation };
  /** Writes a gap's kept reconciliation as JSON where the user picks in the save dialog. */
  gap_reconciliation_save: { request: GapRef; response: SavedFile };
  /** Opens a gap from a time for a subscription and reconciles it. */
  reconcile_since: { request: ReconcileSince; response: Reconciliation };
  /** The saved Azure Event Hubs connections and what this process reads. */
  event_hubs_list: { request: null; response: Array<HubConnectionView> };
  /** Saves an Event Hubs connection (the connection string goes to the keyring). */
  event_hub_save: { request: SaveHubConnection; response: HubConnection };
  /** Stops reading an Event Hubs connection and forgets it and its connection string. */
  event_hub_remove: { request: HubRef; response: null };
  /** Reads an event hub into the Inspector (same checks as webhooks) until stopped. */
  event_hub_read: { request: HubReadRequest; response: null };
  /** Stops reading an event hub; where it got to is kept. */
  event_hub_stop: { request: HubRef; response: null };
  /** Certificates for rich notifications. */
  certificates_list: { request: null; response: Array<CertificateView> };
  /** Makes a certificate (2048/3072/4096 bits); new subscriptions use it. */
  certificate_create: { request: CertificateRequest; response: CertificateView };
  /** A certificate as PEM or base64 DER. */
  certificate_export: { request: CertificateExport; response: string };
  /** Deletes a certificate no subscription uses. */
  certificate_delete: { request: CertificateRef; response: null };
  /** Shows a test notification on the desktop (whatever the setting: the user asked), so they know the app's alarms will reach them. */
  notification_test: { request: null; response: null };
  /** Looks for a newer version of the app (its signed update manifest). */
  updates_check: { request: null; response: UpdateCheck };
  /** Downloads the offered version and verifies its signature against the app's key. */
  updates_download: { request: null; response: UpdateReady };
  /** Installs the verified download and restarts the app. */
  updates_install: { request: null; response: null };
  /** The newer version the last look found, if any (the start-up look included). */
  updates_announced: { request: null; response: UpdateOffer | null };
}

/** The names of every command, in declaration order. */
export const COMMAND_NAMES = ["app_info", "status", "settings_get", "settings_update", "catalog_get", "catalog_check", "lookup", "open_link", "accounts_list", "account_add_sandbox", "account_sign_in", "account_device_start", "account_device_finish", "account_device_cancel", "account_add_app", "account_check", "account_select", "account_remove", "account_request_permissions", "sandbox_info", "subscriptions_list", "subscription_ledger", "subscription_renew", "subscription_delete", "subscription_reauthorize", "subscription_create", "trigger_plan", "trigger_change", "subscription_preflight", "owned_subscriptions", "subscriptions_upkeep", "http_log_list", "http_log_clear", "receiver_status", "receiver_start", "receiver_stop", "ngrok_authtoken_set", "receptions_list", "receptions_count", "reception_get", "reception_tokens", "reception_items", "reception_replay", "reception_curl", "receptions_export", "conform_run", "conform_certificate", "conform_history", "conform_report", "health", "gaps_list", "gap_reconcile", "gap_reconciliation", "gap_reconciliation_save", "reconcile_since", "event_hubs_list", "event_hub_save", "event_hub_remove", "event_hub_read", "event_hub_stop", "certificates_list", "certificate_create", "certificate_export", "certificate_delete", "notification_test", "updates_check", "updates_download", "updates_install", "updates_announced"] as const;

/** The event name the shell forwards core events under. */
export const EVENT_CHANNEL = "studio://event";
