import { describe, expect, it } from "vitest";

import { StudioError, toStudioError } from "./client";

describe("toStudioError", () => {
  it("keeps the backend's code, message and hint", () => {
    const error = toStudioError({ code: "storage", message: "disk full", hint: "free space" });
    expect(error).toBeInstanceOf(StudioError);
    expect(error.code).toBe("storage");
    expect(error.message).toBe("disk full");
    expect(error.hint).toBe("free space");
  });

  it("explains when the page runs outside the desktop app", () => {
    const error = toStudioError("window.__TAURI_INTERNALS__ is undefined");
    expect(error.code).toBe("internal");
    expect(error.message).toMatch(/not running inside the desktop app/);
    expect(error.hint).toMatch(/make run/);
  });
});
