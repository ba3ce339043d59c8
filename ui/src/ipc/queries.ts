// TanStack Query hooks over the typed client, shared by every screen: caching, loading and error
// states for every read, and one mutation hook that refreshes what a command may change
// (invalidation.ts says what). Nothing here polls: core events keep the cache fresh (App.tsx).
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import type { CatalogCheckRequest, Commands, LookupRequest, ReceptionLine, ReceptionRef, ReceptionsRequest, Settings, SettingsPatch } from "./bindings";
import { call, type StudioError } from "./client";
import { queryKeys, receptionKey, receptionPages, staleAfterCommand } from "./invalidation";

export { queryKeys } from "./invalidation";

// Every query and mutation rejects with a StudioError (see client.ts), never a bare Error.
declare module "@tanstack/react-query" {
  interface Register {
    defaultError: StudioError;
  }
}

export function useAppInfo() {
  return useQuery({ queryKey: queryKeys.appInfo, queryFn: () => call("app_info", null), staleTime: Infinity });
}

export function useSettings() {
  return useQuery({ queryKey: queryKeys.settings, queryFn: () => call("settings_get", null) });
}

export function useStatus() {
  return useQuery({ queryKey: queryKeys.status, queryFn: () => call("status", null) });
}

export function useCatalog() {
  return useQuery({ queryKey: queryKeys.catalog, queryFn: () => call("catalog_get", null), staleTime: Infinity });
}

/** The live check of a proposed subscription; the previous answer stays while the next loads. */
export function useCatalogCheck(request: CatalogCheckRequest | null) {
  return useQuery({
    queryKey: [...queryKeys.checks, request],
    queryFn: () => (request ? call("catalog_check", request) : Promise.reject(new Error("no path"))),
    enabled: request !== null,
    placeholderData: (previous) => previous,
  });
}

export function useAccounts() {
  return useQuery({ queryKey: queryKeys.accounts, queryFn: () => call("accounts_list", null) });
}

export function useSandboxInfo(enabled: boolean) {
  return useQuery({ queryKey: queryKeys.sandbox, queryFn: () => call("sandbox_info", null), enabled, staleTime: Infinity });
}

export function useSubscriptions(accountId: string | undefined) {
  return useQuery({
    queryKey: [...queryKeys.subscriptions, accountId ?? "current"],
    queryFn: () => call("subscriptions_list", accountId ? { accountId } : {}),
    enabled: accountId !== undefined,
    retry: false,
  });
}

/** The newest Graph exchanges; `httpLogChanged` refreshes them as calls are made. */
export function useHttpLog(accountId: string | undefined) {
  return useQuery({
    queryKey: [...queryKeys.httpLog, accountId ?? "all"],
    queryFn: () => call("http_log_list", accountId ? { accountId, limit: 100 } : { limit: 100 }),
  });
}

export function useLookup(request: LookupRequest, enabled: boolean) {
  return useQuery({
    queryKey: [...queryKeys.lookups, request],
    queryFn: () => call("lookup", request),
    enabled,
    retry: false,
    staleTime: 60_000,
  });
}

export function useReceiver() {
  return useQuery({ queryKey: queryKeys.receiver, queryFn: () => call("receiver_status", null) });
}

/** Rows the list reads at once, by position. */
export const LIST_BLOCK = 200;
type ReceptionFilter = Pick<ReceptionsRequest, "kind" | "text">;

/** The count's query (shared by the hook and the prefetch of a new filter). */
export function receptionCountQuery(filter: ReceptionFilter) {
  return { queryKey: [...receptionPages, "count", filter], queryFn: () => call("receptions_count", filter) };
}

/** A block's query: rows `block × LIST_BLOCK` onwards, newest first. Blocks scrolled past are
 * dropped soon, so a long scroll does not keep them all. */
export function receptionBlockQuery(filter: ReceptionFilter, block: number) {
  return {
    queryKey: [...receptionPages, "block", filter, block],
    queryFn: () => call("receptions_list", { ...filter, offset: block * LIST_BLOCK, limit: LIST_BLOCK }),
    gcTime: 20_000,
  };
}

/** How many receptions the filter holds (the list's scrollbar spans them all). */
export function useReceptionCount(filter: ReceptionFilter) {
  return useQuery(receptionCountQuery(filter));
}

/** The filter the list shows: a new one takes over once its count and first rows are read, so
 * the list never goes blank while a search runs. `switching` while the new one is read. */
export function useShownFilter(filter: ReceptionFilter): { shown: ReceptionFilter; switching: boolean } {
  const client = useQueryClient();
  const [shown, setShown] = useState(filter);
  const key = JSON.stringify(filter);
  useEffect(() => {
    if (JSON.stringify(shown) === key) return;
    let live = true;
    const next = JSON.parse(key) as ReceptionFilter;
    const done = () => {
      if (live) setShown(next);
    };
    void Promise.all([client.query(receptionCountQuery(next)), client.query(receptionBlockQuery(next, 0))]).then(done, done);
    return () => {
      live = false;
    };
  }, [client, key, shown]);
  return { shown, switching: JSON.stringify(shown) !== key };
}

/** The rows from `first` to `last` (newest first), read by position in blocks of
 * `LIST_BLOCK`: only what is on screen is read, wherever the list is scrolled.
 * `receptionsArrived` and `itemsChecked` refresh them. */
export function useReceptionRows(filter: ReceptionFilter, first: number, last: number) {
  const blocks: number[] = [];
  for (let block = Math.floor(first / LIST_BLOCK); block <= Math.floor(Math.max(first, last) / LIST_BLOCK); block += 1) blocks.push(block);
  const results = useQueries({ queries: blocks.map((block) => receptionBlockQuery(filter, block)) });
  const rowAt = (index: number): ReceptionLine | undefined => {
    const at = blocks.indexOf(Math.floor(index / LIST_BLOCK));
    return at === -1 ? undefined : results[at]?.data?.[index % LIST_BLOCK];
  };
  return { rowAt, error: results.find((r) => r.error)?.error ?? null };
}

export function useReception(id: number | null) {
  return useQuery({
    queryKey: receptionKey(id),
    queryFn: () => call("reception_get", { id: id ?? 0 }),
    enabled: id !== null,
  });
}

/** What a replay of a reception would send, as curl (written by the backend that sends it);
 * asked for only while shown, and not kept once the key (an edit) changes. */
export function useReplayCurl(request: ReceptionRef, enabled: boolean) {
  return useQuery({
    queryKey: [...queryKeys.receptions, "curl", request],
    queryFn: () => call("reception_curl", request),
    enabled,
    retry: false,
    staleTime: Infinity,
    gcTime: 0,
  });
}

/** A POST's validation tokens taken apart (the keys may be fetched: asked for on demand). */
export function useReceptionTokens(id: number, enabled: boolean) {
  return useQuery({
    queryKey: [...receptionKey(id), "tokens"],
    queryFn: () => call("reception_tokens", { id }),
    enabled,
    retry: false,
  });
}

export function useOwnedSubscriptions() {
  return useQuery({ queryKey: queryKeys.owned, queryFn: () => call("owned_subscriptions", null) });
}

/** The saved Event Hubs connections and whether each is being read; `eventHubsChanged` refreshes them. */
export function useEventHubs() {
  return useQuery({ queryKey: queryKeys.eventHubs, queryFn: () => call("event_hubs_list", null) });
}

export function useCertificates() {
  return useQuery({ queryKey: queryKeys.certificates, queryFn: () => call("certificates_list", null) });
}

/** A mutation over one command that refreshes what the command may change once it settles. */
export function useCommand<K extends keyof Commands>(command: K) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: Commands[K]["request"]) => call(command, request),
    onSettled: () => {
      for (const key of staleAfterCommand[command]) void client.invalidateQueries({ queryKey: key });
    },
  });
}

/**
 * Saves a settings patch. Saves run one at a time in the order made (a shared mutation scope), and
 * a theme change shows at once, rolled back if the backend refuses it, so rapid clicks all count.
 */
export function useUpdateSettings() {
  const client = useQueryClient();
  return useMutation<Settings, StudioError, SettingsPatch, { previous: Settings | undefined }>({
    scope: { id: "settings" },
    mutationFn: (patch) => call("settings_update", patch),
    onMutate: async (patch) => {
      await client.cancelQueries({ queryKey: queryKeys.settings });
      const previous = client.getQueryData<Settings>(queryKeys.settings);
      if (previous && patch.theme !== undefined) {
        client.setQueryData<Settings>(queryKeys.settings, { ...previous, theme: patch.theme });
      }
      return { previous };
    },
    onError: (_error, _patch, context) => {
      if (context?.previous) client.setQueryData(queryKeys.settings, context.previous);
    },
    onSuccess: (settings) => {
      client.setQueryData(queryKeys.settings, settings);
      void client.invalidateQueries({ queryKey: queryKeys.status });
    },
  });
}

/** The newer version the backend's last look found (the start-up look included), if any. */
export function useAnnouncedUpdate() {
  return useQuery({ queryKey: queryKeys.updateOffer, queryFn: () => call("updates_announced", null), staleTime: Infinity });
}
