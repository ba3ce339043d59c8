import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import type { TriggerPlan } from "../ipc/bindings";
import { fakeBackend, installFakeBackend, sandboxPlan } from "../test/fakeBackend";
import { renderWithQueries } from "../test/render";
import { changeKinds, TriggerChange } from "./TriggerChange";

const tenantPlan: TriggerPlan = {
  via: "graph",
  summary: 'Creates the event "Graph Webhook Studio test", then deletes it.',
  requests: [
    { method: "POST", path: "/me/events", body: { subject: "Graph Webhook Studio test <b>x</b>" } },
    { method: "DELETE", path: "/me/events/{id of the item created first}", body: null },
  ],
  base: "https://graph.microsoft.com/v1.0",
  permissions: ["Calendars.ReadWrite"],
  missingPermission: "Calendars.ReadWrite",
  canAsk: true,
  confirm: true,
  at: 1_790_000_123,
};

describe("TriggerChange", () => {
  it("offers only the subscription's change types", () => {
    expect(changeKinds("updated, created")).toEqual(["created", "updated"]);
    expect(changeKinds("deleted")).toEqual(["deleted"]);
  });

  it("makes a sandbox change in one click and says what was sent", async () => {
    const backend = installFakeBackend(fakeBackend({ plan: sandboxPlan }));
    const user = userEvent.setup();
    renderWithQueries(<TriggerChange accountId="acct-1" resource="/me/messages" changeType="created,updated" onOpenInspector={() => undefined} />);
    await user.click(screen.getByRole("button", { name: "Updated" }));
    await user.click(screen.getByTestId("trigger-change-button"));
    expect(await screen.findByTestId("trigger-done")).toHaveTextContent("notified 1 subscription");
    expect(screen.getByTestId("trigger-done")).toHaveTextContent("201 POST http://127.0.0.1:9/_emulator/changes");
    const sent = backend.calls.find((c) => c.command === "trigger_change");
    expect(sent?.request).toEqual({ accountId: "acct-1", resource: "/me/messages", changeType: "updated", via: "sandbox", at: sandboxPlan.at });
    expect(screen.queryByTestId("trigger-plan")).toBeNull();
  });

  it("shows a real tenant's requests, asks for a missing permission, then sends the plan it showed", async () => {
    const backend = installFakeBackend(fakeBackend({ plan: tenantPlan }));
    const user = userEvent.setup();
    renderWithQueries(<TriggerChange accountId="acct-1" resource="/me/events" changeType="created" />);
    await user.click(screen.getByTestId("trigger-change-button"));
    const plan = await screen.findByTestId("trigger-plan");
    expect(plan).toHaveTextContent("POST https://graph.microsoft.com/v1.0/me/events");
    expect(plan).toHaveTextContent("<b>x</b>");
    expect(plan.querySelector("b")).toBeNull();
    expect(screen.getByTestId("trigger-missing")).toHaveTextContent("Calendars.ReadWrite");
    expect(backend.calls.some((c) => c.command === "trigger_change")).toBe(false);
    await user.click(screen.getByTestId("trigger-permit"));
    expect(backend.calls.find((c) => c.command === "account_request_permissions")?.request).toEqual({ id: "acct-1", scopes: ["Calendars.ReadWrite"] });
    // Asked again: the plan needs no permission now, but a real tenant is still confirmed.
    await user.click(await screen.findByTestId("trigger-confirm"));
    expect(await screen.findByTestId("trigger-done")).toHaveTextContent("Done:");
    expect(backend.calls.find((c) => c.command === "trigger_change")?.request).toEqual({
      accountId: "acct-1",
      resource: "/me/events",
      changeType: "created",
      via: "graph",
      at: tenantPlan.at,
    });
  });

  it("tells an app registration that an administrator grants the permission, with nothing to click", async () => {
    installFakeBackend(fakeBackend({ plan: { ...tenantPlan, canAsk: false } }));
    const user = userEvent.setup();
    renderWithQueries(<TriggerChange accountId="acct-1" resource="/users/u1/events" changeType="created" />);
    await user.click(screen.getByTestId("trigger-change-button"));
    expect(await screen.findByTestId("trigger-missing")).toHaveTextContent("An administrator grants it");
    expect(screen.queryByTestId("trigger-permit")).toBeNull();
    expect(screen.queryByTestId("trigger-confirm")).toBeNull();
  });
});
