// TanStack Query hooks over the typed client: caching, loading and error states for every read,
// and mutations that update the cache with what the backend answers.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import type { Settings, SettingsPatch } from "./bindings";
import { call, type StudioError } from "./client";

// Every query and mutation rejects with a StudioError (see client.ts), never a bare Error.
declare module "@tanstack/react-query" {
  interface Register {
    defaultError: StudioError;
  }
}

export const queryKeys = {
  appInfo: ["app_info"] as const,
  settings: ["settings"] as const,
  status: ["status"] as const,
  accounts: ["accounts"] as const,
  subscriptions: ["subscriptions"] as const,
  httpLog: ["http_log"] as const,
  receiver: ["receiver"] as const,
  receptions: ["receptions"] as const,
  owned: ["owned_subscriptions"] as const,
  certificates: ["certificates"] as const,
};

export function useAppInfo() {
  return useQuery({ queryKey: queryKeys.appInfo, queryFn: () => call("app_info", null), staleTime: Infinity });
}

export function useSettings() {
  return useQuery({ queryKey: queryKeys.settings, queryFn: () => call("settings_get", null) });
}

export function useStatus() {
  return useQuery({ queryKey: queryKeys.status, queryFn: () => call("status", null) });
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
    },
  });
}
