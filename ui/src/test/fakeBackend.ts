// A fake of the typed IPC client for component tests: answers commands from an in-memory state.
import type {
  AccountSummary,
  AppInfo,
  CatalogCheckResponse,
  Commands,
  CreatedSubscription,
  ExplainedToken,
  HubConnection,
  HubConnectionView,
  ReceptionDetail,
  ReceptionLine,
  ReceivingStarted,
  ReceiverView,
  Settings,
  StatusSnapshot,
  SubscriptionView,
  TriggerDone,
  TriggerPlan,
  UpdateCheck,
  UpdateReady,
} from "../ipc/bindings";
import { StudioError } from "../ipc/client";

export const defaultSettings: Settings = {
  theme: "system",
  receiverPort: 0,
  maxBodyMib: 4,
  retentionMaxReceptions: 100000,
  secretStorage: "keyring",
  tunnel: "none",
  tunnelUrl: "",
  ngrokDomain: "",
  forwardTo: "",
  retentionMaxMib: 1024,
  headerTimeoutSeconds: 15,
  maxConnections: 256,
  maxHeaderKib: 16,
  recordedRefusalsPerSecond: 20,
  checkUpdatesAtStart: false,
  desktopNotifications: true,
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
  receiver: { state: "stopped", localUrl: null, delivery: null },
  tunnel: { provider: "none", state: "stopped", publicUrl: null },
};

export const sandboxAccount: AccountSummary = {
  config: {
    id: "acct-1",
    name: "adele@sandbox.onmicrosoft.com",
    kind: "sandbox",
    tenant: "0f8d7c6b-0000-4000-8000-000000000001",
    clientId: "11111111-2222-4333-8444-555555555555",
    cloud: { kind: "custom", authorityHost: "http://127.0.0.1:1", graphBase: "http://127.0.0.1:1" },
    scopes: ["User.Read", "Mail.Read"],
    credential: { kind: "none" },
    granted: ["https://graph.microsoft.com/User.Read", "https://graph.microsoft.com/Mail.Read", "offline_access", "openid", "profile"],
    identity: {
      tenantId: "0f8d7c6b-0000-4000-8000-000000000001",
      objectKey: "u1",
      username: "adele@sandbox.onmicrosoft.com",
      displayName: "Adele Vance",
      source: "idToken",
    },
  },
  cloudLabel: "Sandbox tenant (on this computer)",
  current: true,
  claims: {
    subject: "adele@sandbox.onmicrosoft.com",
    displayName: "Adele Vance",
    tenantId: "0f8d7c6b-0000-4000-8000-000000000001",
    objectId: "u1",
    appId: "11111111-2222-4333-8444-555555555555",
    expiresAt: Date.now() / 1000 + 3000,
    permissions: ["User.Read", "Mail.Read"],
    appOnly: false,
  },
};

export function subscriptionFixture(id: string, minutesLeft: number): SubscriptionView {
  const expiresAt = Math.round(Date.now() / 1000 + minutesLeft * 60);
  return {
    subscription: {
      id,
      resource: "/me/mailFolders('inbox')/messages",
      changeType: "created,updated",
      notificationUrl: "https://example.ngrok.app/notifications",
      expirationDateTime: new Date(expiresAt * 1000).toISOString(),
    },
    expiresAt,
    resourceName: "Outlook message",
    maxMinutes: 10080,
  };
}

export function receptionFixture(id: number, overrides: Partial<ReceptionLine> = {}): ReceptionLine {
  return {
    id,
    receivedAt: "2026-11-23T06:18:57.632Z",
    kind: "notification",
    method: "POST",
    path: "/abc/notifications",
    query: "",
    status: 202,
    reason: null,
    bodyBytes: 812,
    peer: "127.0.0.1:41796",
    pending: false,
    items: 1,
    changeType: "created",
    lifecycleEvent: null,
    resource: "Users/u1/Messages/m1",
    clientStateProblems: 0,
    unknownSubscriptions: 0,
    duplicates: 0,
    decrypted: 1,
    decryptFailures: 0,
    ...overrides,
  };
}

export function detailFixture(summary: ReceptionLine): ReceptionDetail {
  // Read from a hub: where it was travels in the query and headers, as the backend stores it.
  const hub = summary.method === "EVENT";
  return {
    summary,
    query: hub ? "partition=1&offset=42" : "",
    headers: hub
      ? [
          ["x-event-hub", summary.path.slice(1)],
          ["x-partition", "1"],
          ["x-offset", "42"],
          ["x-enqueued-time", "2026-11-28T10:00:00.000Z"],
          ["content-type", "application/json"],
        ]
      : [["content-type", "application/json"]],
    bodyText: '{"value":[{"<script>":"not rendered"}]}',
    bodyBase64: null,
    bodyTruncated: false,
    items: [
      {
        id: summary.id * 10,
        position: 0,
        subscriptionId: "s1",
        changeType: "created",
        resource: summary.resource,
        lifecycleEvent: null,
        clientState: summary.clientStateProblems > 0 ? "differs" : "matches",
        duplicateOf: null,
        tokens: { state: "valid", count: 1 },
        decrypted: '{\n  "subject": "<b>Hello</b>"\n}',
        decryptError: null,
        item: "{}",
      },
    ],
    forwards: [],
    tokenCount: 1,
  };
}

export const tokensFixture: ExplainedToken[] = [
  {
    header: JSON.stringify({ alg: "RS256", kid: "k1" }, null, 2),
    claims: JSON.stringify({ aud: "app", appid: "0bf30f3b-4a52-48df-9a82-234910c4a086", nbf: 1_800_000_000, exp: 1_800_003_600 }, null, 2),
    checks: [
      { name: "signature", result: { outcome: "passed" } },
      { name: "lifetime", result: { outcome: "passed" } },
      { name: "issuer", result: { outcome: "notChecked", reason: "the subscription's tenant is not known (made before this version)" } },
      { name: "tenant", result: { outcome: "passed" } },
      { name: "audience", result: { outcome: "failed", reason: "for app 'other', not this one" } },
      { name: "caller", result: { outcome: "passed" } },
    ],
  },
];

export const sandboxPlan: TriggerPlan = {
  via: "sandbox",
  summary: "The sandbox makes a created change to /me/messages and notifies every subscription watching it.",
  requests: [{ method: "POST", path: "/changes", body: { resource: "/users/u1/messages", changeType: "created" } }],
  base: "http://127.0.0.1:9/_emulator",
  permissions: [],
  missingPermission: null,
  canAsk: false,
  confirm: false,
  at: 1_790_000_000,
};

export const hubFixture: HubConnectionView = {
  connection: {
    name: "graph",
    namespace: "contoso.servicebus.windows.net",
    hub: "graph-events",
    consumerGroup: "$Default",
    tls: "system",
    signIn: { kind: "connectionString" },
  },
  reading: false,
  partitions: [],
  stored: 0,
};

/** What `event_hub_save` makes of a request, as the backend does: the namespace and (when no hub
 * is given) the hub from the connection string. */
function savedHub(request: Commands["event_hub_save"]["request"]): HubConnection {
  const signIn = request.signIn ?? { kind: "connectionString" };
  if (request.connectionString === undefined && request.namespace) {
    if (!request.hub) {
      throw new StudioError({ code: "invalid_input", message: "Which event hub? The connection names none.", hint: "Fill in Event hub." });
    }
    return {
      name: request.name,
      namespace: request.namespace,
      hub: request.hub,
      consumerGroup: request.consumerGroup ?? "$Default",
      ...(request.broker ? { broker: request.broker } : {}),
      tls: request.tls ?? "system",
      signIn,
    };
  }
  const parts = new Map(
    (request.connectionString ?? "").split(";").map((part) => {
      const at = part.indexOf("=");
      return [part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim()] as const;
    }),
  );
  const endpoint = parts.get("endpoint");
  if (!endpoint?.startsWith("sb://")) {
    throw new StudioError({
      code: "invalid_input",
      message: "That is not an Event Hubs connection string: it has no Endpoint=sb://….",
      hint: "Copy Connection string–primary key from a shared access policy.",
    });
  }
  const hub = request.hub ?? parts.get("entitypath");
  if (!hub) {
    throw new StudioError({ code: "invalid_input", message: "Which event hub? The connection string names none.", hint: "Fill in Event hub." });
  }
  return {
    name: request.name,
    namespace: endpoint.slice("sb://".length).replace(/\/+$/, ""),
    hub,
    consumerGroup: request.consumerGroup ?? "$Default",
    ...(request.broker ? { broker: request.broker } : {}),
    tls: request.tls ?? "system",
    signIn,
  };
}

export function fakeBackend(
  overrides: {
    settings?: Settings;
    info?: AppInfo;
    accounts?: AccountSummary[];
    subscriptions?: SubscriptionView[];
    receptions?: ReceptionLine[];
    updates?: UpdateCheck;
    download?: UpdateReady | StudioError;
    /** What `trigger_plan` answers (a sandbox plan by default); `account_request_permissions` clears its missing permission. */
    plan?: TriggerPlan;
    /** What `status` answers (nothing signed in, nothing running by default). */
    status?: StatusSnapshot;
    /** The saved Event Hubs connections (none by default). */
    hubs?: HubConnectionView[];
  } = {},
) {
  let plan = overrides.plan ?? sandboxPlan;
  let settings = overrides.settings ?? defaultSettings;
  let accounts = overrides.accounts ?? [];
  let subscriptions = overrides.subscriptions ?? [];
  let hubs = overrides.hubs ?? [];
  const hubNamed = (name: string) => {
    const found = hubs.find((h) => h.connection.name === name);
    if (!found) throw new StudioError({ code: "not_found", message: `No Event Hubs connection is named '${name}'.`, hint: null });
    return found;
  };
  const updateHub = (name: string, change: Partial<HubConnectionView>) => {
    hubNamed(name);
    hubs = hubs.map((h) => (h.connection.name === name ? { ...h, ...change } : h));
  };
  const calls: { command: keyof Commands; request: unknown }[] = [];
  const call = <K extends keyof Commands>(command: K, request: Commands[K]["request"]) => {
    calls.push({ command, request });
    const answer = (): unknown => {
      switch (command) {
        case "app_info":
          return overrides.info ?? appInfo;
        case "status":
          return overrides.status ?? idleStatus;
        case "settings_get":
          return settings;
        case "settings_update": {
          const patch = request as Commands["settings_update"]["request"];
          if (patch.receiverPort === 4444) {
            throw new StudioError({
              code: "invalid_input",
              message: "Port 4444 cannot be used (address in use): nothing was saved, and the receiver keeps running at http://127.0.0.1:7071/abc/notifications.",
              hint: "Choose another port from 1024 to 65535, or 0 to pick a free one at each start.",
            });
          }
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
        case "accounts_list":
          return { accounts, secretStorage: "keyring" };
        case "account_add_sandbox":
          accounts = [{ ...sandboxAccount }];
          return sandboxAccount;
        case "account_remove":
          accounts = accounts.filter((a) => a.config.id !== (request as { id: string }).id);
          return null;
        case "account_check":
          return accounts[0];
        case "subscriptions_list":
          return { accountId: "acct-1", accountName: sandboxAccount.config.name, items: subscriptions };
        case "subscription_renew": {
          const renewed = subscriptionFixture((request as { id: string }).id, 10000);
          subscriptions = subscriptions.map((item) => (item.subscription.id === renewed.subscription.id ? renewed : item));
          return renewed;
        }
        case "subscription_create": {
          const create = request as Commands["subscription_create"]["request"];
          const made = subscriptionFixture("new-1", create.expirationMinutes ?? 60);
          made.subscription = {
            ...made.subscription,
            resource: create.resource,
            changeType: create.changeType,
            notificationUrl: create.deliveryTarget ?? "http://127.0.0.1:7071/abc/notifications",
          };
          subscriptions = [...subscriptions, made];
          return { subscription: made } satisfies CreatedSubscription;
        }
        case "subscription_delete":
          subscriptions = subscriptions.filter((item) => item.subscription.id !== (request as { id: string }).id);
          return null;
        case "http_log_list":
          return [];
        case "receiver_status":
          return {
            endpoints: {
              localNotificationUrl: "http://127.0.0.1:7071/abc/notifications",
              localLifecycleUrl: "http://127.0.0.1:7071/abc/lifecycle",
              tunnel: "none",
            },
            tunnel: { state: "off" },
            ngrokAuthtokenSaved: false,
            newestId: 0,
            delivery: null,
          } satisfies ReceiverView;
        case "receptions_list": {
          const filter = request as Commands["receptions_list"]["request"];
          const offset = filter.offset ?? 0;
          return (overrides.receptions ?? []).filter((r) => filter.kind === undefined || r.kind === filter.kind).slice(offset, offset + (filter.limit ?? 200));
        }
        case "receptions_count": {
          const filter = request as Commands["receptions_count"]["request"];
          return { count: (overrides.receptions ?? []).filter((r) => filter.kind === undefined || r.kind === filter.kind).length };
        }
        case "reception_get": {
          const found = (overrides.receptions ?? []).find((r) => r.id === (request as { id: number }).id);
          if (!found) throw new StudioError({ code: "not_found", message: "not stored", hint: null });
          return detailFixture(found);
        }
        case "sandbox_info":
          return {
            authorityHost: "http://127.0.0.1:9/login",
            graphBase: "http://127.0.0.1:9/graph/v1.0",
            control: "http://127.0.0.1:9/_emulator",
            tenantId: "t1",
            publicClientId: "c1",
            users: ["adele@sandbox.onmicrosoft.com", "alex@sandbox.onmicrosoft.com"],
          };
        case "reception_tokens":
          return tokensFixture;
        case "receiver_start":
          return {
            endpoints: {
              localNotificationUrl: "http://127.0.0.1:8123/abc/notifications",
              localLifecycleUrl: "http://127.0.0.1:8123/abc/lifecycle",
              tunnel: "none",
            },
          } satisfies ReceivingStarted;
        case "certificates_list":
          return [];
        case "owned_subscriptions":
          return { items: [], history: [] };
        case "health":
          return { subscriptions: [], openGaps: [], tested: [] };
        case "gaps_list":
          return [];
        case "subscription_ledger":
          return { entries: [], accounts: [], problems: [] };
        case "notification_test":
          return null;
        case "updates_check":
          return overrides.updates ?? { state: "upToDate", current: "0.1.0" };
        case "updates_download":
          if (overrides.download instanceof StudioError) throw overrides.download;
          return overrides.download ?? { version: "9.9.9", bytes: 14_000_000 };
        case "updates_install":
          return null;
        case "updates_announced":
          return null;
        case "trigger_plan":
          return plan;
        case "trigger_change":
          return {
            summary: plan.via === "sandbox" ? "The sandbox made the change and notified 1 subscription(s)." : `Done: ${plan.summary}`,
            sent: plan.requests.map((r) => ({ method: r.method, url: `${plan.base}${r.path}`, status: 201 })),
            matchedSubscriptions: plan.via === "sandbox" ? 1 : null,
          } satisfies TriggerDone;
        case "catalog_check": {
          // As the backend: the target is the notificationUrl (and the lifecycle URL) of the
          // previewed request, and a target Graph cannot use is a problem of that field.
          const { proposal } = request as Commands["catalog_check"]["request"];
          const url = proposal.notificationUrl ?? "https://example.ngrok.app/abc/notifications";
          const lifecycle = proposal.notificationUrl ?? "https://example.ngrok.app/abc/lifecycle";
          const body = { changeType: proposal.changeTypes.join(","), notificationUrl: url, ...(proposal.hasLifecycleUrl ? { lifecycleNotificationUrl: lifecycle } : {}), resource: proposal.resource };
          const json = JSON.stringify(body, null, 2);
          const bad = proposal.notificationUrl !== undefined && !/^EventHub:https:\/\/[a-z0-9.-]+\/eventhubname\/[^/?]+\?tenantId=.+$/i.test(proposal.notificationUrl);
          return {
            check: {
              problems: bad
                ? [{ field: "notificationUrl", severity: "error", message: "That is not an EventHub: target.", fix: "Build an Event Hubs target." }]
                : [],
              nearest: [],
            },
            hints: [],
            preview: { json, curl: `curl -X POST https://graph.microsoft.com/v1.0/subscriptions --data '${JSON.stringify(body)}'`, http: `POST /v1.0/subscriptions\n\n${json}` },
          } satisfies CatalogCheckResponse;
        }
        case "event_hubs_list":
          return hubs;
        case "event_hub_save": {
          const saved = savedHub(request as Commands["event_hub_save"]["request"]);
          const view: HubConnectionView = { connection: saved, reading: false, partitions: [], stored: 0 };
          hubs = [...hubs.filter((h) => h.connection.name !== saved.name), view];
          return saved;
        }
        case "event_hub_remove": {
          const { name } = request as Commands["event_hub_remove"]["request"];
          hubNamed(name);
          hubs = hubs.filter((h) => h.connection.name !== name);
          return null;
        }
        case "event_hub_read":
          updateHub((request as Commands["event_hub_read"]["request"]).name, { reading: true, partitions: [0, 1] });
          return null;
        case "event_hub_stop":
          updateHub((request as Commands["event_hub_stop"]["request"]).name, { reading: false, partitions: [] });
          return null;
        case "account_request_permissions":
          plan = { ...plan, missingPermission: null };
          return accounts[0] ?? sandboxAccount;
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
