import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";

// Components reach the backend only through `call()`; tests answer it with a fake backend
// installed by `installFakeBackend()` (a global hook, so this mock imports nothing of ours).
vi.mock("../ipc/client", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc/client")>();
  return {
    ...actual,
    call: (...args: Parameters<typeof actual.call>) => {
      const hook = (globalThis as { __studioFakeCall?: typeof actual.call }).__studioFakeCall;
      if (!hook) return Promise.reject(new Error("no fake backend installed: call installFakeBackend()"));
      return hook(...args);
    },
  };
});

afterEach(() => {
  cleanup();
});

// jsdom has no matchMedia; the theme code asks it whether the OS prefers dark.
if (!("matchMedia" in window)) {
  Object.defineProperty(window, "matchMedia", {
    value: (query: string) => ({
      matches: false,
      media: query,
      onchange: null,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      addListener: () => undefined,
      removeListener: () => undefined,
      dispatchEvent: () => false,
    }),
  });
}

// jsdom lays nothing out and has no scrollIntoView; results that scroll into view call it.
if (!("scrollIntoView" in Element.prototype)) {
  Object.defineProperty(Element.prototype, "scrollIntoView", { value: () => undefined, configurable: true });
}
