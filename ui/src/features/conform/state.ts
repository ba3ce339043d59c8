// The screen's state, kept outside the component, and the one way a run starts.
import type { QueryClient } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";

import type { ConformRequest } from "../../ipc/bindings";
import { call, type StudioError, toStudioError } from "../../ipc/client";
import { staleAfterCommand } from "../../ipc/invalidation";
import { blankForm, type ConformForm } from "./request";

// The screen's state lives here, outside the component: leaving the screen and coming back keeps
// the form, the report shown and a run still going (its answer lands here even while away).
type ScreenState = {
  form: ConformForm;
  advancedOpen: boolean;
  /** When the run under way started (ms), or null when none is. */
  runningSince: number | null;
  /** Why the last run could not start or finish. */
  error: StudioError | null;
  /** The history id of the run whose report is shown. */
  shown: number | null;
};

const initialState: ScreenState = { form: blankForm, advancedOpen: false, runningSince: null, error: null, shown: null };
let state: ScreenState = initialState;
const listeners = new Set<() => void>();

/** The state now (for handlers that must not capture a stale render). */
export function current(): ScreenState {
  return state;
}

export function update(patch: Partial<ScreenState>) {
  state = { ...state, ...patch };
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function useScreenState(): ScreenState {
  return useSyncExternalStore(subscribe, () => state);
}

/** Back to a blank form and no report (for tests: the state outlives a screen by design). */
export function resetConformScreen() {
  update(initialState);
}

export function reportKey(id: number) {
  return ["conform_report", id] as const;
}

/** Starts a run unless one is under way; its report is shown, and the history refreshed, when it ends. */
export function startRun(request: ConformRequest, client: QueryClient) {
  if (state.runningSince !== null) return;
  update({ runningSince: Date.now(), error: null });
  void call("conform_run", request)
    .then(
      (run) => {
        client.setQueryData(reportKey(run.id), run);
        update({ runningSince: null, shown: run.id });
      },
      (thrown: unknown) => {
        update({ runningSince: null, error: toStudioError(thrown) });
      },
    )
    .finally(() => {
      for (const key of staleAfterCommand.conform_run) void client.invalidateQueries({ queryKey: key });
    });
}

