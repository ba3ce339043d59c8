import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { fakeBackend, installFakeBackend, receptionFixture } from "../../test/fakeBackend";
import { renderWithQueries } from "../../test/render";
import { InspectorScreen } from "./InspectorScreen";
import { verdict } from "./ReceptionList";

// jsdom lays nothing out; give the virtualized list a viewport so it renders rows.
const sizes = ["clientHeight", "clientWidth"] as const;
beforeAll(() => {
  for (const name of sizes) Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => 640 });
});
afterAll(() => {
  for (const name of sizes) Reflect.deleteProperty(HTMLElement.prototype, name);
});

describe("InspectorScreen", () => {
  it("says how to get notifications when nothing arrived, with the receiver's URL", async () => {
    installFakeBackend();
    renderWithQueries(<InspectorScreen />);
    expect(await screen.findByTestId("inspector-empty")).toHaveTextContent("Create a subscription");
    expect(await screen.findByTestId("receiver-url")).toHaveTextContent("http://127.0.0.1:7071/abc/notifications");
  });

  it("lists receptions with their verdicts and shows one's checks as text, never as HTML", async () => {
    installFakeBackend(
      fakeBackend({
        receptions: [
          receptionFixture(3, { clientStateProblems: 1 }),
          receptionFixture(2, { kind: "validation", items: 0, changeType: null, resource: null, status: 200 }),
          receptionFixture(1),
        ],
      }),
    );
    const user = userEvent.setup();
    renderWithQueries(<InspectorScreen />);
    // Notifications by default; the handshake is under All.
    expect(await screen.findAllByTestId("reception-row")).toHaveLength(2);
    await user.click(screen.getByRole("button", { name: "All" }));
    await screen.findByText("handshake · notification URL");
    const rows = screen.getAllByTestId("reception-row");
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent("clientState differs or missing");
    expect(rows[1]).toHaveTextContent("handshake · notification URL");
    expect(rows[1]).toHaveTextContent("answered, token echoed");
    await user.click(rows[2] as HTMLElement);
    const detail = await screen.findByTestId("reception-detail");
    expect(await within(detail).findByText("#1 · notification · 202")).toBeInTheDocument();
    expect(within(detail).getByTestId("check-client-state")).toHaveTextContent("clientState matches");
    expect(within(detail).getByTestId("check-tokens")).toHaveTextContent("validation tokens valid (1)");
    expect(within(detail).getByTestId("decrypted")).toHaveTextContent('"subject":"<b>Hello</b>"');
    expect(detail.querySelector("b")).toBeNull();
    await user.click(within(detail).getByTestId("tab-tokens"));
    expect(await within(detail).findByTestId("token-check-signature")).toHaveAttribute("data-outcome", "passed");
    expect(within(detail).getByTestId("token-check-audience")).toHaveTextContent("failed");
    expect(within(detail).getByTestId("token-check-audience")).toHaveTextContent("for app 'other'");
    expect(await within(detail).findByTestId("token-check-issuer")).toHaveTextContent("not checked");
    expect(within(detail).getByTestId("token-claims")).toHaveTextContent("0bf30f3b-4a52-48df-9a82-234910c4a086");
    await user.click(within(detail).getByTestId("tab-body"));
    expect(within(detail).getByTestId("raw-body")).toHaveTextContent('"<script>":"not rendered"');
    expect(document.querySelector("script")).toBeNull();
  });

  it("moves through the list with the keyboard: / searches, arrows move, Enter opens, Esc returns", async () => {
    installFakeBackend(fakeBackend({ receptions: [receptionFixture(3), receptionFixture(2), receptionFixture(1)] }));
    const user = userEvent.setup();
    renderWithQueries(<InspectorScreen />);
    const rows = await screen.findAllByTestId("reception-row");
    expect(rows[0]).toHaveAttribute("aria-selected", "true");
    await user.keyboard("/");
    expect(screen.getByTestId("reception-search")).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(screen.getByTestId("reception-list")).toHaveFocus();
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(screen.getAllByTestId("reception-row")[2]).toHaveAttribute("aria-selected", "true");
    expect(await screen.findByText("#1 · notification · 202")).toBeInTheDocument();
    await user.keyboard("{Home}");
    expect(screen.getAllByTestId("reception-row")[0]).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{Enter}");
    expect(screen.getByTestId("inspector-detail")).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.getByTestId("reception-list")).toHaveFocus();
    await user.click(screen.getByTestId("reception-search"));
    await user.keyboard("abc{Escape}");
    expect(screen.getByTestId("reception-search")).toHaveValue("");
    expect(screen.getByTestId("reception-list")).toHaveFocus();
  });

  it("filters by kind", async () => {
    const backend = installFakeBackend(fakeBackend({ receptions: [receptionFixture(2, { kind: "unexpected", status: 404 }), receptionFixture(1)] }));
    const user = userEvent.setup();
    renderWithQueries(<InspectorScreen />);
    await screen.findAllByTestId("reception-row");
    await user.click(screen.getByRole("button", { name: "Unexpected" }));
    expect(await screen.findAllByTestId("reception-row")).toHaveLength(1);
    expect(backend.calls.some((c) => c.command === "receptions_list" && (c.request as { kind?: string }).kind === "unexpected")).toBe(true);
  });
});

describe("events read from an event hub", () => {
  it("carry an Event Hub badge in the list and say where in the hub they were", async () => {
    const hubPeer = { method: "EVENT", path: "/graph-events", peer: "contoso.servicebus.windows.net:9093" };
    installFakeBackend(
      fakeBackend({
        receptions: [
          receptionFixture(3, hubPeer),
          receptionFixture(2, { ...hubPeer, kind: "validation", items: 0, changeType: null, resource: null, status: 200 }),
          receptionFixture(1),
        ],
      }),
    );
    const user = userEvent.setup();
    renderWithQueries(<InspectorScreen />);
    await user.click(await screen.findByRole("button", { name: "All" }));
    await screen.findByText("validation event");
    const rows = screen.getAllByTestId("reception-row");
    expect(within(rows[0] as HTMLElement).getByTestId("hub-badge")).toHaveTextContent("Event Hub");
    expect(within(rows[1] as HTMLElement).getByTestId("hub-badge")).toBeInTheDocument();
    expect(rows[1]).toHaveTextContent("Graph can send to this hub");
    expect(within(rows[2] as HTMLElement).queryByTestId("hub-badge")).toBeNull();
    await user.click(rows[0] as HTMLElement);
    const detail = await screen.findByTestId("reception-detail");
    expect(await within(detail).findByText("#3 · notification · 202")).toBeInTheDocument();
    expect(within(detail).getByTestId("hub-origin")).toHaveTextContent(/^Partition 1 · offset 42 · enqueued .*2026/);
    await user.click(rows[2] as HTMLElement);
    expect(await within(screen.getByTestId("inspector-detail")).findByText("#1 · notification · 202")).toBeInTheDocument();
    expect(screen.queryByTestId("hub-origin")).toBeNull();
  });

  it("shows the Azure Event Hubs card beside the receiver", async () => {
    installFakeBackend();
    renderWithQueries(<InspectorScreen />);
    expect(await screen.findByTestId("event-hubs-card")).toHaveTextContent("Azure Event Hubs");
    expect(screen.getByTestId("receiver-card")).toBeInTheDocument();
  });
});

describe("verdict", () => {
  it("names the worst thing about a reception", () => {
    expect(verdict(receptionFixture(1)).text).toBe("verified, decrypted");
    expect(verdict(receptionFixture(1, { decrypted: 0 })).text).toBe("verified");
    expect(verdict(receptionFixture(1, { decryptFailures: 1 })).tone).toBe("danger");
    expect(verdict(receptionFixture(1, { unknownSubscriptions: 1 }))).toEqual({ tone: "warn", text: "subscription not made here: clientState not checked" });
    expect(verdict(receptionFixture(1, { items: 3, clientStateProblems: 2 })).text).toBe("clientState differs or missing (2 of 3)");
    expect(verdict(receptionFixture(1, { duplicates: 2 })).text).toBe("2 duplicate(s)");
    expect(verdict(receptionFixture(1, { kind: "rejected", reason: "the body is larger than 4194304 bytes" })).text).toContain("larger");
    expect(verdict(receptionFixture(1, { items: 0, pending: true })).text).toBe("items not read yet");
    expect(verdict(receptionFixture(1, { items: 0, reason: "the body is not JSON: EOF" })).tone).toBe("danger");
  });
});
