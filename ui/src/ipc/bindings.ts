// Generated from the Rust command surface (studio-core). Do not edit by hand:
// run `make bindings` after changing a command or a type it uses.

/**
 * Who a subscription is created as.
 */
export type AccountKind = "delegatedWork" | "delegatedPersonal" | "application";

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
 * Something the window should know about without asking.
 */
export type CoreEvent = { "type": "settingsChanged", 
/**
 * The new settings.
 */
settings: Settings, } | { "type": "statusChanged", 
/**
 * The new state.
 */
status: StatusSnapshot, };

/**
 * The stable error codes the UI and scripts may branch on.
 */
export type ErrorCode = "invalid_input" | "not_found" | "storage" | "network" | "permission_denied" | "keyring" | "internal";

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
 * `open_link` request.
 */
export type OpenLinkRequest = { 
/**
 * The link to open.
 */
url: string, };

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
export type ReceiverStatus = { 
/**
 * Running or not.
 */
state: ServiceState, 
/**
 * The loopback URL when listening.
 */
localUrl: string | null, };

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
maxItems: number | null, };

/**
 * Whether `$select` belongs in the resource of a rich subscription.
 */
export type SelectRule = "required" | "refused" | "optional";

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
retentionMaxReceptions: number, };

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
retentionMaxReceptions?: number, };

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
receiver: ReceiverStatus, 
/**
 * The tunnel.
 */
tunnel: TunnelStatus, };

/**
 * How the window picks light or dark.
 */
export type ThemePreference = "system" | "light" | "dark";

/**
 * Whether a public URL is up.
 */
export type TunnelStatus = { 
/**
 * `none`, `ngrok` or `url`.
 */
provider: string, 
/**
 * Running or not.
 */
state: ServiceState, 
/**
 * The public URL when online.
 */
publicUrl: string | null, };

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
  /** Opens a Microsoft documentation or sign-in link in the user's browser (allowlisted hosts). */
  open_link: { request: OpenLinkRequest; response: null };
}

/** The names of every command, in declaration order. */
export const COMMAND_NAMES = ["app_info", "status", "settings_get", "settings_update", "catalog_get", "catalog_check", "open_link"] as const;

/** The event name the shell forwards core events under. */
export const EVENT_CHANNEL = "studio://event";
