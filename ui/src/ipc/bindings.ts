// Generated from the Rust command surface (studio-core). Do not edit by hand:
// run `make bindings` after changing a command or a type it uses.

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
}

/** The names of every command, in declaration order. */
export const COMMAND_NAMES = ["app_info", "status", "settings_get", "settings_update"] as const;

/** The event name the shell forwards core events under. */
export const EVENT_CHANNEL = "studio://event";
