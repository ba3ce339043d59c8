import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";

import type { CatalogCheckRequest, CatalogView, Resource } from "../../ipc/bindings";
import { fakeBackend, hubFixture, installFakeBackend, sandboxAccount } from "../../test/fakeBackend";
import { renderWithQueries } from "../../test/render";
import { type Choice, type Delivery, deliveryProblem, deliveryTarget, receiverDelivery, toProposal } from "./builder";
import { CreateSubscription } from "./CreateSubscription";
import { ResourceDetail } from "./ResourceDetail";

const TENANT = sandboxAccount.config.tenant;
const path = { template: "/me/messages", summary: "The signed-in user's messages", me: true, quotas: [] };
const resource: Resource = {
  id: "message",
  name: "Outlook message",
  entity: "message",
  workload: "Outlook",
  docs: "",
  description: "",
  changeTypes: ["created", "updated"],
  api: ["v1.0"],
  maxMinutes: 4230,
  history: [],
  rich: { supported: false, select: "optional", encryptionRequired: false, maxItems: null, properties: [] },
  lifecycle: { requiredOverMinutes: null, events: [] },
  headers: [],
  quotas: [],
  notes: [],
  sources: [],
  permissions: { delegatedWork: [], delegatedPersonal: [], application: [] },
  paths: [path],
};
const view: CatalogView = {
  data: { version: 1, reviewed: "", delegatedAdminConsent: [], placeholders: {}, resources: [resource] },
  permissions: {},
};
const choice: Choice = {
  template: path.template,
  values: {},
  useMe: false,
  query: "",
  changeTypes: ["created"],
  expiresInMinutes: "60",
  includeResourceData: false,
  lifecycleUrl: true,
  accountKind: "delegatedWork",
};

/** The subscription form as the Resources screen holds it. */
function Form() {
  const [current, setCurrent] = useState(choice);
  const [delivery, setDelivery] = useState<Delivery>(receiverDelivery);
  return <ResourceDetail view={view} resource={resource} choice={current} onChange={setCurrent} delivery={delivery} onDelivery={setDelivery} />;
}

function lastCheck(calls: { command: string; request: unknown }[]): CatalogCheckRequest | undefined {
  return calls.filter((c) => c.command === "catalog_check").at(-1)?.request as CatalogCheckRequest | undefined;
}

describe("Deliver to an event hub", () => {
  it("builds the target, checks and previews it, and sends it as the delivery target", async () => {
    const backend = installFakeBackend(fakeBackend({ accounts: [sandboxAccount] }));
    const user = userEvent.setup();
    renderWithQueries(<Form />);
    expect(await screen.findByTestId("deliver-to-receiver")).toBeChecked();
    await screen.findByTestId("request-preview");
    expect(lastCheck(backend.calls)?.proposal.notificationUrl).toBeUndefined();
    expect(screen.getByTestId("create-subscription")).toHaveTextContent("to this app's receiver");

    await user.click(screen.getByTestId("deliver-to-event-hub"));
    expect(screen.getByTestId("hub-tenant")).toHaveValue(TENANT);
    // Not filled in yet: nothing can be created.
    expect(screen.getByTestId("create-subscription-button")).toBeDisabled();
    expect(screen.getByTestId("create-subscription")).toHaveTextContent("Fill in the event hub's namespace, name and tenant first.");
    expect(screen.getByTestId("hub-checklist")).toHaveTextContent("0bf30f3b-4a52-48df-9a82-234910c4a086");
    expect(screen.getByTestId("hub-checklist")).toHaveTextContent("Azure Event Hubs Data Sender");
    expect(screen.getByTestId("hub-checklist")).toHaveTextContent("Standard tier");

    await user.type(screen.getByTestId("hub-namespace"), "contoso");
    await user.type(screen.getByTestId("hub-name"), "graph");
    const target = `EventHub:https://contoso.servicebus.windows.net/eventhubname/graph?tenantId=${TENANT}`;
    expect(screen.getByTestId("hub-target-url")).toHaveTextContent(target);
    // The check and the preview come from the backend, for exactly this target.
    await waitFor(() => {
      expect(lastCheck(backend.calls)?.proposal.notificationUrl).toBe(target);
    });
    await waitFor(() => {
      expect(screen.getByTestId("preview-json")).toHaveTextContent(`"lifecycleNotificationUrl": "${target}"`);
    });
    expect(screen.getByTestId("preview-json")).toHaveTextContent(`"notificationUrl": "${target}"`);
    expect(screen.getByTestId("problems")).toHaveTextContent("Graph would accept this subscription.");
    expect(screen.getByTestId("create-subscription")).toHaveTextContent("to the event hub graph");

    await user.click(screen.getByTestId("create-subscription-button"));
    await waitFor(() => {
      expect(backend.calls.find((c) => c.command === "subscription_create")?.request).toEqual({
        accountId: "acct-1",
        resource: "/me/messages",
        changeType: "created",
        includeResourceData: false,
        skipPreflight: true,
        includeLifecycleUrl: true,
        expirationMinutes: 60,
        deliveryTarget: target,
      });
    });
    expect(await screen.findByTestId("create-done")).toHaveTextContent("Inspector → Azure Event Hubs");
  });

  it("fills the namespace and hub from a saved connection, and shows the backend's problems", async () => {
    const backend = installFakeBackend(fakeBackend({ accounts: [sandboxAccount], hubs: [hubFixture] }));
    const user = userEvent.setup();
    renderWithQueries(<Form />);
    await user.click(await screen.findByTestId("deliver-to-event-hub"));
    await user.selectOptions(await screen.findByTestId("hub-connection-pick"), "graph");
    expect(screen.getByTestId("hub-namespace")).toHaveValue("contoso.servicebus.windows.net");
    expect(screen.getByTestId("hub-name")).toHaveValue("graph-events");
    expect(screen.getByTestId("hub-target-url")).toHaveTextContent(
      `EventHub:https://contoso.servicebus.windows.net/eventhubname/graph-events?tenantId=${TENANT}`,
    );
    // A target Graph cannot use: the problem is the backend's, on notificationUrl.
    await user.clear(screen.getByTestId("hub-name"));
    await user.type(screen.getByTestId("hub-name"), "a/b");
    await waitFor(() => {
      expect(lastCheck(backend.calls)?.proposal.notificationUrl).toContain("/eventhubname/a/b?");
    });
    expect(await screen.findByText("That is not an EventHub: target.")).toBeInTheDocument();
    expect(screen.getByTestId("problems")).toHaveTextContent("notificationUrl");
    expect(screen.getByTestId("hub-connection-pick")).toHaveValue("");
  });
});

describe("delivery builder", () => {
  const hub: Delivery = { to: "eventHub", namespace: " contoso ", hub: " graph ", tenant: null };

  it("builds the target from the parts and the account's tenant until one is typed", () => {
    expect(deliveryTarget(receiverDelivery, "t1")).toBeNull();
    expect(deliveryTarget(hub, "t1")).toBe("EventHub:https://contoso.servicebus.windows.net/eventhubname/graph?tenantId=t1");
    expect(deliveryTarget({ ...hub, namespace: "hubs.example.com", tenant: "contoso.onmicrosoft.com" }, "t1")).toBe(
      "EventHub:https://hubs.example.com/eventhubname/graph?tenantId=contoso.onmicrosoft.com",
    );
  });

  it("says what is missing, and refuses tenants that are not one tenant", () => {
    expect(deliveryProblem(receiverDelivery, undefined)).toBeNull();
    expect(deliveryProblem(hub, "t1")).toBeNull();
    expect(deliveryProblem({ ...hub, hub: "" }, "t1")).toMatch(/Fill in/);
    expect(deliveryProblem(hub, undefined)).toMatch(/Fill in/);
    expect(deliveryProblem(hub, "common")).toMatch(/not 'common'/);
  });

  it("puts the target in the proposal, and nothing without one", () => {
    expect(toProposal(path, choice).notificationUrl).toBeUndefined();
    expect(toProposal(path, choice, "EventHub:https://c.servicebus.windows.net/eventhubname/g?tenantId=t").notificationUrl).toBe(
      "EventHub:https://c.servicebus.windows.net/eventhubname/g?tenantId=t",
    );
  });
});

describe("CreateSubscription to an event hub", () => {
  it("says where it delivers and sends the target", async () => {
    const backend = installFakeBackend();
    renderWithQueries(
      <CreateSubscription
        account={sandboxAccount}
        resource="/me/messages"
        changeTypes={["created"]}
        expiresInMinutes="60"
        includeResourceData={false}
        lifecycleUrl={false}
        eventHub={{ target: "EventHub:https://c.servicebus.windows.net/eventhubname/g?tenantId=t", hub: "g" }}
        blocked={null}
        onOpenInspector={() => undefined}
      />,
    );
    expect(screen.getByTestId("create-subscription")).toHaveTextContent("to the event hub g.");
    await userEvent.setup().click(screen.getByTestId("create-subscription-button"));
    await waitFor(() => {
      expect(backend.calls.find((c) => c.command === "subscription_create")?.request).toMatchObject({
        deliveryTarget: "EventHub:https://c.servicebus.windows.net/eventhubname/g?tenantId=t",
      });
    });
  });
});
