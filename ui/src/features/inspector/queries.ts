// The receiver, receptions and the app's own subscriptions over the typed client. Receptions are
// refetched when the backend announces new ones (App.tsx), never polled.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import type { Commands, ReceptionsRequest } from "../../ipc/bindings";
import { call } from "../../ipc/client";
import { queryKeys } from "../../ipc/queries";

export function useReceiver() {
  return useQuery({ queryKey: queryKeys.receiver, queryFn: () => call("receiver_status", null) });
}

export function useReceptions(request: ReceptionsRequest) {
  return useQuery({
    queryKey: [...queryKeys.receptions, request],
    queryFn: () => call("receptions_list", request),
    placeholderData: keepPreviousData,
  });
}

export function useReception(id: number | null) {
  return useQuery({
    queryKey: [...queryKeys.receptions, "one", id],
    queryFn: () => call("reception_get", { id: id ?? 0 }),
    enabled: id !== null,
  });
}

export function useOwnedSubscriptions() {
  return useQuery({ queryKey: queryKeys.owned, queryFn: () => call("owned_subscriptions", null) });
}

export function useCertificates() {
  return useQuery({ queryKey: queryKeys.certificates, queryFn: () => call("certificates_list", null) });
}

/** A mutation over one pipeline command that refreshes what it may change. */
export function usePipelineCommand<K extends keyof Commands>(command: K) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: Commands[K]["request"]) => call(command, request),
    onSettled: () => {
      for (const key of [queryKeys.receiver, queryKeys.status, queryKeys.owned, queryKeys.certificates, queryKeys.subscriptions]) {
        void client.invalidateQueries({ queryKey: key });
      }
    },
  });
}
