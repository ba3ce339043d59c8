import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { StudioError } from "../../ipc/client";
import { defaultSettings, fakeBackend, installFakeBackend } from "../../test/fakeBackend";
import { renderWithQueries } from "../../test/render";
import { Updates } from "./Updates";

const offer = {
  state: "available",
  offer: {
    current: "0.1.0",
    version: "9.9.9",
    published: "2026-11-20T10:00:00Z",
    notes: "Faster.\n<img src=x onerror=alert(1)><script>alert(2)</script>",
  },
} as const;

describe("Updates", () => {
  it("says how a build without an update source is updated", async () => {
    installFakeBackend(fakeBackend({ updates: { state: "notConfigured", reason: "Built from source: use git pull." } }));
    renderWithQueries(<Updates settings={defaultSettings} />);
    await userEvent.setup().click(screen.getByRole("button", { name: "Check for updates" }));
    expect(await screen.findByTestId("updates-not-configured")).toHaveTextContent("Built from source: use git pull.");
    expect(screen.queryByTestId("update-offer")).toBeNull();
  });

  it("shows the notes as text, then downloads, verifies and offers to install", async () => {
    const backend = installFakeBackend(fakeBackend({ updates: offer }));
    const user = userEvent.setup();
    const { container } = renderWithQueries(<Updates settings={defaultSettings} />);
    await user.click(screen.getByRole("button", { name: "Check for updates" }));
    expect(await screen.findByTestId("update-offer")).toHaveTextContent("Version 9.9.9 is available. You have 0.1.0.");
    expect(screen.getByTestId("release-notes")).toHaveTextContent("<script>alert(2)</script>");
    expect(container.querySelector("img, script")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Download and verify" }));
    expect(await screen.findByTestId("update-verified")).toHaveTextContent("14.0 MB");
    await user.click(screen.getByRole("button", { name: "Install and restart" }));
    await waitFor(() => {
      expect(backend.calls.some((c) => c.command === "updates_install")).toBe(true);
    });
  });

  it("shows a refused download and offers nothing to install", async () => {
    installFakeBackend(
      fakeBackend({
        updates: offer,
        download: new StudioError({ code: "invalid_input", message: "The download of 9.9.9 does not carry a valid signature.", hint: "Nothing was installed." }),
      }),
    );
    const user = userEvent.setup();
    renderWithQueries(<Updates settings={defaultSettings} />);
    await user.click(screen.getByRole("button", { name: "Check for updates" }));
    await user.click(await screen.findByRole("button", { name: "Download and verify" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("does not carry a valid signature");
    expect(screen.queryByRole("button", { name: "Install and restart" })).toBeNull();
  });

  it("turns the start-up look on in the settings", async () => {
    const backend = installFakeBackend();
    renderWithQueries(<Updates settings={defaultSettings} />);
    await userEvent.setup().click(screen.getByLabelText("Look for a new version when the app starts"));
    await waitFor(() => {
      expect(backend.calls.find((c) => c.command === "settings_update")?.request).toEqual({ checkUpdatesAtStart: true });
    });
  });
});
