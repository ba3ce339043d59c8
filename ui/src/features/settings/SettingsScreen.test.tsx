import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import { fakeBackend, installFakeBackend } from "../../test/fakeBackend";
import { renderWithQueries } from "../../test/render";
import { parseWholeNumber, SettingsScreen } from "./SettingsScreen";

let backend: ReturnType<typeof fakeBackend>;

describe("SettingsScreen", () => {
  beforeEach(() => {
    backend = installFakeBackend();
  });

  it("shows the saved values and the app's folders", async () => {
    renderWithQueries(<SettingsScreen />);
    expect(await screen.findByLabelText("Receiver port")).toHaveValue("0");
    expect(screen.getByLabelText("Maximum body size (MiB)")).toHaveValue("4");
    expect(await screen.findByText("/tmp/data/config/settings.toml")).toBeInTheDocument();
  });

  it("shows a test notification on request and says where to look", async () => {
    const user = userEvent.setup();
    renderWithQueries(<SettingsScreen />);
    await user.click(await screen.findByRole("button", { name: "Show a test notification" }));
    expect(await screen.findByTestId("notification-test-sent")).toHaveTextContent("Sent to your desktop");
    expect(backend.calls.filter((c) => c.command === "notification_test")).toHaveLength(1);
  });

  it("saves a valid change and says so", async () => {
    const user = userEvent.setup();
    renderWithQueries(<SettingsScreen />);
    const port = await screen.findByLabelText("Receiver port");
    await user.clear(port);
    await user.type(port, "8123");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByTestId("settings-saved")).toHaveTextContent("Saved");
    expect(backend.calls.find((c) => c.command === "settings_update")).toEqual({
      command: "settings_update",
      request: {
        receiverPort: 8123,
        maxBodyMib: 4,
        retentionMaxReceptions: 100000,
        retentionMaxMib: 1024,
        headerTimeoutSeconds: 15,
        maxConnections: 256,
        maxHeaderKib: 16,
        recordedRefusalsPerSecond: 20,
      },
    });
    // A new port applies at once: the receiver restarts on it.
    await waitFor(() => {
      expect(backend.calls.some((c) => c.command === "receiver_start")).toBe(true);
    });
  });

  it("refuses a port out of range inline, as the backend would, without calling it", async () => {
    const user = userEvent.setup();
    renderWithQueries(<SettingsScreen />);
    for (const bad of ["70000", "80"]) {
      const port = await screen.findByLabelText("Receiver port");
      await user.clear(port);
      await user.type(port, bad);
      expect(screen.getByRole("alert")).toHaveTextContent("1024 to 65535");
      expect(screen.getByRole("button", { name: "Save" })).toBeDisabled();
    }
    expect(backend.calls.some((c) => c.command === "settings_update")).toBe(false);
  });

  it("shows the backend's refusal, and no Saved, when a port is taken", async () => {
    const user = userEvent.setup();
    renderWithQueries(<SettingsScreen />);
    const port = await screen.findByLabelText("Receiver port");
    await user.clear(port);
    await user.type(port, "4444");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByTestId("error-message")).toHaveTextContent("nothing was saved");
    expect(screen.getByTestId("error-hint")).toHaveTextContent("1024 to 65535");
    expect(screen.queryByTestId("settings-saved")).toBeNull();
    expect(backend.calls.some((c) => c.command === "receiver_start")).toBe(false);
  });

  it("sends only the tunnel fields the chosen kind shows", async () => {
    const user = userEvent.setup();
    renderWithQueries(<SettingsScreen />);
    await user.click(await screen.findByRole("button", { name: "My own URL" }));
    await user.type(await screen.findByLabelText(/URL/, { selector: "#tunnel-url" }), "http://not-https.example");
    await user.click(screen.getByRole("button", { name: "None (sandbox)" }));
    await user.type(screen.getByLabelText(/Forward/), "http://127.0.0.1:9/hook");
    await user.click(screen.getByTestId("tunnel-apply"));
    await waitFor(() => {
      expect(backend.calls.some((c) => c.command === "settings_update")).toBe(true);
    });
    const patch = backend.calls.find((c) => c.command === "settings_update")?.request as Record<string, unknown>;
    expect(patch).not.toHaveProperty("tunnelUrl");
    expect(patch.tunnel).toBe("none");
  });

  it("flags text that is not a number without calling the backend", async () => {
    const user = userEvent.setup();
    renderWithQueries(<SettingsScreen />);
    const port = await screen.findByLabelText("Receiver port");
    await user.clear(port);
    await user.type(port, "80a");
    expect(screen.getByRole("alert")).toHaveTextContent("Enter a whole number.");
    expect(screen.getByRole("button", { name: "Save" })).toBeDisabled();
    await waitFor(() => {
      expect(backend.calls.some((c) => c.command === "settings_update")).toBe(false);
    });
  });

  it("changes the theme with one click", async () => {
    const user = userEvent.setup();
    renderWithQueries(<SettingsScreen />);
    const dark = await screen.findByRole("button", { name: "Dark" });
    await waitFor(() => {
      expect(dark).toBeEnabled();
    });
    await user.click(dark);
    await waitFor(() => {
      expect(dark).toHaveAttribute("aria-pressed", "true");
    });
  });
});

describe("theme changes", () => {
  it("count every click, in order, even while a save is in flight", async () => {
    const backend = installFakeBackend();
    const user = userEvent.setup();
    renderWithQueries(<SettingsScreen />);
    const light = await screen.findByRole("button", { name: "Light" });
    await waitFor(() => {
      expect(light).toBeEnabled();
    });
    await user.click(light);
    await user.click(screen.getByRole("button", { name: "Dark" }));
    await waitFor(() => {
      expect(screen.getByRole("button", { name: "Dark" })).toHaveAttribute("aria-pressed", "true");
    });
    const themes = backend.calls.filter((c) => c.command === "settings_update").map((c) => c.request);
    expect(themes).toEqual([{ theme: "light" }, { theme: "dark" }]);
  });
});

describe("parseWholeNumber", () => {
  it.each([
    ["42", 42],
    [" 7 ", 7],
    ["", null],
    ["-1", null],
    ["1.5", null],
    ["1e3", null],
    ["99999999999", null],
  ])("%j -> %j", (text, expected) => {
    expect(parseWholeNumber(text)).toBe(expected);
  });
});
