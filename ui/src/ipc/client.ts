// The window's only way to talk to the backend: typed calls over one Tauri command, and core
// events over one channel. Types come from the generated bindings; nothing here is hand-written
// to mirror a backend type.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

import { type Commands, type CoreEvent, type ErrorCode, EVENT_CHANNEL, type IpcError } from "./bindings";

/** A backend error, as a thrown value the UI can show: a code, a sentence and maybe a hint. */
export class StudioError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | null;

  constructor(error: IpcError) {
    super(error.message);
    this.name = "StudioError";
    this.code = error.code;
    this.hint = error.hint;
  }
}

function isIpcError(value: unknown): value is IpcError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

/** Turns whatever a failed call threw into a StudioError with a readable message. */
export function toStudioError(thrown: unknown): StudioError {
  if (thrown instanceof StudioError) return thrown;
  if (isIpcError(thrown)) return new StudioError({ ...thrown, hint: thrown.hint ?? null });
  if (!("__TAURI_INTERNALS__" in window)) {
    return new StudioError({
      code: "internal",
      message: "The backend is not reachable: this page is not running inside the desktop app.",
      hint: "Start it with `make run`.",
    });
  }
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new StudioError({ code: "internal", message, hint: null });
}

/** Calls a backend command with its typed request and resolves with its typed response. */
export async function call<K extends keyof Commands>(
  command: K,
  request: Commands[K]["request"],
): Promise<Commands[K]["response"]> {
  try {
    return await invoke<Commands[K]["response"]>("rpc", { command, payload: request });
  } catch (thrown) {
    throw toStudioError(thrown);
  }
}

/** Subscribes to core events; resolves with the function that unsubscribes. */
export async function onCoreEvent(handler: (event: CoreEvent) => void): Promise<UnlistenFn> {
  if (!("__TAURI_INTERNALS__" in window)) return () => undefined;
  return listen<CoreEvent>(EVENT_CHANNEL, (event) => {
    handler(event.payload);
  });
}
