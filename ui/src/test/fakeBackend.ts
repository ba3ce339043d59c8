// A fake of the typed IPC client for component tests: answers commands from an in-memory state.
import type { AppInfo, Commands, Settings, StatusSnapshot } from "../ipc/bindings";
import { StudioError } from "../ipc/client";

export const defaultSettings: Settings = {
  theme: "system",
  receiverPort: 0,
  maxBodyMib: 4,
  retentionMaxReceptions: 100000,
  secretStorage: "keyring",
};

export const appInfo: AppInfo = {
  productName: "Graph Webhook Studio",
  version: "0.1.0",
  platform: "linux x86_64",
  dataDir: "/tmp/data",
  settingsFile: "/tmp/data/config/settings.toml",
  logDir: "/tmp/data/logs",
  settingsProblem: null,
};

export const idleStatus: StatusSnapshot = {
  account: { kind: "none", label: "No account" },
  receiver: { state: "stopped", localUrl: null },
  tunnel: { provider: "none", state: "stopped", publicUrl: null },
};

export function fakeBackend(overrides: { settings?: Settings; info?: AppInfo } = {}) {
  let settings = overrides.settings ?? defaultSettings;
  const calls: { command: keyof Commands; request: unknown }[] = [];
  const call = <K extends keyof Commands>(command: K, request: Commands[K]["request"]) => {
    calls.push({ command, request });
    const answer = (): unknown => {
      switch (command) {
        case "app_info":
          return overrides.info ?? appInfo;
        case "status":
          return idleStatus;
        case "settings_get":
          return settings;
        case "settings_update": {
          const patch = request as Commands["settings_update"]["request"];
          if (patch.receiverPort !== undefined && patch.receiverPort > 65535) {
            throw new StudioError({
              code: "invalid_input",
              message: `Receiver port: ${patch.receiverPort} is not a port the receiver can listen on`,
              hint: "Use 0 to pick a free port at start, or a port from 1024 to 65535.",
            });
          }
          settings = { ...settings, ...patch };
          return settings;
        }
      }
      throw new StudioError({ code: "invalid_input", message: `unknown command ${command}`, hint: null });
    };
    try {
      return Promise.resolve(answer() as Commands[K]["response"]);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  return { call, calls };
}

/** Makes `backend` answer every `call()` made by components under test (see setup.ts). */
export function installFakeBackend(backend: ReturnType<typeof fakeBackend> = fakeBackend()) {
  (globalThis as { __studioFakeCall?: unknown }).__studioFakeCall = backend.call;
  return backend;
}
