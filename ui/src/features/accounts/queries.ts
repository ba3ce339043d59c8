// Accounts and subscriptions over the typed client: reads cached by TanStack Query, writes that
// refresh what they change. Account changes also arrive as core events (App.tsx).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import type { Commands } from "../../ipc/bindings";
import { call } from "../../ipc/client";
import { queryKeys } from "../../ipc/queries";

export function useAccounts() {
  return useQuery({ queryKey: queryKeys.accounts, queryFn: () => call("accounts_list", null) });
}

/** A mutation over one command that refreshes accounts, subscriptions and the status bar after. */
export function useAccountCommand<K extends keyof Commands>(command: K) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: Commands[K]["request"]) => call(command, request),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.accounts });
      void client.invalidateQueries({ queryKey: queryKeys.subscriptions });
      void client.invalidateQueries({ queryKey: queryKeys.status });
      void client.invalidateQueries({ queryKey: queryKeys.httpLog });
    },
  });
}

export function useSubscriptions(accountId: string | undefined) {
  return useQuery({
    queryKey: [...queryKeys.subscriptions, accountId ?? "current"],
    queryFn: () => call("subscriptions_list", accountId ? { accountId } : {}),
    enabled: accountId !== undefined,
    retry: false,
  });
}

export function useHttpLog(accountId: string | undefined) {
  return useQuery({
    queryKey: [...queryKeys.httpLog, accountId ?? "all"],
    queryFn: () => call("http_log_list", accountId ? { accountId, limit: 100 } : { limit: 100 }),
    // A local read; every Graph call the app makes (token refreshes, renewals) lands here.
    refetchInterval: 2000,
  });
}

export function useSandboxInfo(enabled: boolean) {
  return useQuery({ queryKey: ["sandbox_info"], queryFn: () => call("sandbox_info", null), enabled, staleTime: Infinity });
}
