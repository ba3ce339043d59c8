// What goes stale when: the one place that maps backend events and commands to the cached
// queries they change. The window never polls; it refetches what these lists name.
import type { QueryKey } from "@tanstack/react-query";

import type { Commands, CoreEvent } from "./bindings";

export const queryKeys = {
  appInfo: ["app_info"],
  settings: ["settings"],
  status: ["status"],
  catalog: ["catalog"],
  accounts: ["accounts"],
  sandbox: ["sandbox_info"],
  subscriptions: ["subscriptions"],
  httpLog: ["http_log"],
  receiver: ["receiver"],
  receptions: ["receptions"],
  owned: ["owned_subscriptions"],
  certificates: ["certificates"],
  lookups: ["lookup"],
  checks: ["catalog_check"],
  updateOffer: ["update_offer"],
  conformHistory: ["conform_history"],
  health: ["health"],
  ledger: ["subscription_ledger"],
  gaps: ["gaps_list"],
  eventHubs: ["event_hubs_list"],
} as const satisfies Record<string, QueryKey>;

/** The Inspector's pages of receptions (every filter). */
export const receptionPages = [...queryKeys.receptions, "pages"] as const;

/** Every reception shown whole. */
const receptionOne = [...queryKeys.receptions, "one"] as const;

/** The most reception ids an `itemsChecked` event names (`CHECKED_IDS_SHOWN` in Rust). */
const CHECKED_IDS_SHOWN = 256;

/** One reception whole. */
export function receptionKey(id: number | null): QueryKey {
  return [...queryKeys.receptions, "one", id];
}

/** Every query: what a resync refetches. */
const everything: QueryKey = [];

/** Queries `itemsChecked` refetches at most once per so many milliseconds while it keeps
 * coming (up to 20 times a second in a burst). Delivery health reads each subscription's recent
 * arrivals, which takes a while once large notifications are stored, and shows times as "2 min
 * ago": every 2 s is enough; so for the upkeep history. Other events refetch at once. */
export const refetchAtMostEvery: ReadonlyMap<string, number> = new Map([
  [JSON.stringify(queryKeys.health), 2000],
  [JSON.stringify(queryKeys.owned), 2000],
  [JSON.stringify(receptionOne), 1000],
]);

/** `run` at most once per `every` ms: the first call after a quiet spell at once, the calls
 * during a spell as one, when it ends (so the last change is always fetched). `now` is a
 * monotonic clock in milliseconds. */
export function throttled(every: number, run: () => void, now: () => number = () => performance.now()): { call: () => void; cancel: () => void } {
  let last = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    timer = undefined;
    last = now();
    run();
  };
  return {
    call: () => {
      if (timer !== undefined) return;
      const wait = last + every - now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    },
    cancel: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** The queries an event makes stale (events that carry their data are applied, not listed). */
export function staleAfterEvent(event: CoreEvent): QueryKey[] {
  switch (event.type) {
    case "settingsChanged":
    case "statusChanged":
      return [];
    case "resync":
      return [everything];
    case "accountsChanged":
      return [queryKeys.accounts, queryKeys.subscriptions, queryKeys.lookups, queryKeys.checks];
    case "receptionsArrived":
      return [receptionPages];
    case "itemsChecked":
      // Items name their subscription: delivery health's "last notification" moves with them,
      // and lifecycle events not acted on are written to the upkeep history (`owned`). The event
      // names at most the newest 256 receptions: past that, any one shown is refetched.
      return [
        receptionPages,
        queryKeys.health,
        queryKeys.owned,
        ...(event.receptionIds.length >= CHECKED_IDS_SHOWN ? [receptionOne] : event.receptionIds.map(receptionKey)),
      ];
    case "httpLogChanged":
      return [queryKeys.httpLog];
    case "deliveryChanged":
      // A `receiverChanged` follows and refetches what shows delivery health.
      return [];
    case "subscriptionRecreated":
      return [queryKeys.owned, queryKeys.subscriptions, queryKeys.health, queryKeys.gaps];
    case "receiverChanged":
      // The request preview shows the receiver's URLs: it is checked again.
      return [queryKeys.receiver, queryKeys.status, queryKeys.owned, queryKeys.health, queryKeys.gaps, queryKeys.checks];
    case "eventHubsChanged":
      return [queryKeys.eventHubs];
    case "updateAvailable":
      return [];
  }
}

const accounts = [queryKeys.accounts, queryKeys.subscriptions, queryKeys.status, queryKeys.lookups, queryKeys.checks];
const receiver = [queryKeys.receiver, queryKeys.status, queryKeys.owned, queryKeys.subscriptions, queryKeys.checks];

/** The queries a command may change, refetched once it settles (whether it worked or not). */
export const staleAfterCommand: { [K in keyof Commands]: readonly QueryKey[] } = {
  app_info: [],
  status: [],
  settings_get: [],
  settings_update: [queryKeys.settings, queryKeys.status],
  catalog_get: [],
  catalog_check: [],
  lookup: [],
  open_link: [],
  accounts_list: [],
  account_add_sandbox: accounts,
  account_sign_in: accounts,
  account_device_start: [],
  account_device_finish: accounts,
  account_device_cancel: [],
  account_add_app: accounts,
  account_check: accounts,
  account_select: accounts,
  account_remove: accounts,
  account_request_permissions: accounts,
  sandbox_info: [],
  subscriptions_list: [],
  subscription_ledger: [],
  subscription_renew: [queryKeys.subscriptions, queryKeys.owned, queryKeys.ledger],
  subscription_delete: [queryKeys.subscriptions, queryKeys.owned, queryKeys.certificates, queryKeys.ledger],
  subscription_reauthorize: [queryKeys.subscriptions],
  subscription_create: [...receiver, queryKeys.certificates, queryKeys.ledger],
  trigger_plan: [],
  trigger_change: [queryKeys.httpLog],
  subscription_preflight: [],
  owned_subscriptions: [],
  subscriptions_upkeep: [queryKeys.owned, queryKeys.subscriptions],
  http_log_list: [],
  http_log_clear: [queryKeys.httpLog],
  receiver_status: [],
  receiver_start: receiver,
  receiver_stop: receiver,
  ngrok_authtoken_set: [queryKeys.receiver],
  receptions_list: [],
  receptions_count: [],
  reception_get: [],
  reception_items: [],
  reception_replay: [queryKeys.receptions],
  reception_curl: [],
  reception_tokens: [],
  receptions_export: [],
  conform_run: [queryKeys.conformHistory, queryKeys.health],
  conform_certificate: [],
  conform_history: [],
  conform_report: [],
  health: [],
  gaps_list: [],
  gap_reconcile: [queryKeys.health, queryKeys.gaps],
  gap_reconciliation: [],
  gap_reconciliation_save: [],
  reconcile_since: [queryKeys.health, queryKeys.gaps],
  event_hubs_list: [],
  event_hub_save: [queryKeys.eventHubs],
  event_hub_remove: [queryKeys.eventHubs],
  event_hub_read: [queryKeys.eventHubs],
  event_hub_stop: [queryKeys.eventHubs],
  certificates_list: [],
  certificate_create: [queryKeys.certificates],
  certificate_export: [],
  certificate_delete: [queryKeys.certificates],
  notification_test: [],
  updates_check: [queryKeys.updateOffer],
  updates_download: [],
  updates_install: [],
  updates_announced: [],
};
