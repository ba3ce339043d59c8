// TanStack Query hooks over the typed client, shared by every screen: caching, loading and error
// states for every read, and one mutation hook that refreshes what a command may change
// (invalidation.ts says what). Nothing here polls: core events keep the cache fresh (App.tsx).
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import type { CatalogCheckRequest, Commands, LookupRequest, ReceptionRef, ReceptionsRequest, Settings, SettingsPatch } from "./bindings";
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

/** Receptions page by page, newest first; `receptionsArrived` and `itemsChecked` refresh them.
 * A new filter keeps the last list on screen until its own answer comes (no blank flash). */
export function useReceptionPages(filter: Omit<ReceptionsRequest, "before" | "after" | "limit">, pageSize: number) {
  return useInfiniteQuery({
    queryKey: [...receptionPages, filter],
    placeholderData: keepPreviousData,
    queryFn: ({ pageParam }) =>
      call("receptions_list", { ...filter, limit: pageSize, ...(pageParam === null ? {} : { before: pageParam }) }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => (last.length === pageSize ? (last.at(-1)?.id ?? null) : null),
  });
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
