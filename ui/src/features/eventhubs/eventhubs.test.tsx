import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { fakeBackend, hubFixture, installFakeBackend, sandboxAccount } from "../../test/fakeBackend";
import { renderWithQueries } from "../../test/render";
import { isLoopbackBroker } from "./AddConnection";
import { EventHubsCard, localInputValue, signInText, startOf } from "./EventHubsCard";
import { brokerOf, hubOrigin, hubTarget, namespaceHost, readingText } from "./hub";

const SECRET = "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=c2VjcmV0LWtleQ==";

describe("EventHubsCard", () => {
  it("lists each connection with its broker, consumer group, reading and problem", async () => {
    installFakeBackend(
      fakeBackend({
        hubs: [
          hubFixture,
          {
            connection: { name: "local", namespace: "dev.servicebus.windows.net", hub: "graph", consumerGroup: "studio", broker: "localhost:9092", tls: "plaintext", signIn: { kind: "none" } },
            reading: true,
            partitions: [0, 1],
            stored: 5,
            problem: "The broker closed the connection: `localhost:9092`.",
          },
        ],
      }),
    );
    renderWithQueries(<EventHubsCard />);
    const card = screen.getByTestId("event-hubs-card");
    expect(within(card).getByRole("heading", { name: "Azure Event Hubs" })).toBeInTheDocument();
    const first = await screen.findByTestId("event-hub-row-graph");
    expect(first).toHaveTextContent("graph-events");
    expect(first).toHaveTextContent("contoso.servicebus.windows.net:9093");
    expect(first).toHaveTextContent("consumer group $Default");
    expect(first).toHaveTextContent("Not reading");
    expect(within(first).getByTestId("event-hub-read-graph")).toBeInTheDocument();
    expect(within(first).queryByTestId("event-hub-stop-graph")).toBeNull();
    const second = screen.getByTestId("event-hub-row-local");
    expect(second).toHaveTextContent("localhost:9092");
    expect(second).toHaveTextContent("consumer group studio");
    expect(second).toHaveTextContent("Reading 2 partitions · 5 events stored");
    expect(within(second).getByTestId("event-hub-problem-local")).toHaveTextContent("The broker closed the connection: localhost:9092.");
    expect(within(second).getByTestId("event-hub-stop-local")).toBeInTheDocument();
    expect(within(second).queryByTestId("event-hub-read-local")).toBeNull();
  });

  it("saves a new connection with the right request, then forgets the connection string", async () => {
    const backend = installFakeBackend();
    const user = userEvent.setup();
    const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <EventHubsCard />
      </QueryClientProvider>,
    );
    await user.click(await screen.findByTestId("event-hub-add"));
    const form = screen.getByTestId("event-hub-form");
    const secretInput = within(form).getByTestId("event-hub-connection-string");
    expect(secretInput).toHaveAttribute("type", "password");
    expect(secretInput).toHaveAttribute("autocomplete", "off");
    expect(within(form).getByTestId("event-hub-save")).toBeDisabled();
    await user.type(within(form).getByTestId("event-hub-name"), "contoso");
    await user.click(secretInput);
    await user.paste(SECRET);
    await user.type(within(form).getByTestId("event-hub-hub"), "graph-events");
    await user.type(within(form).getByTestId("event-hub-broker"), "localhost:9093");
    expect(within(form).queryByTestId("event-hub-ca-file")).toBeNull();
    await user.selectOptions(within(form).getByTestId("event-hub-tls"), "caFile");
    // A CA file is needed before it can be saved.
    expect(within(form).getByTestId("event-hub-save")).toBeDisabled();
    await user.type(within(form).getByTestId("event-hub-ca-file"), "/etc/ssl/dev-ca.pem");
    await user.click(within(form).getByTestId("event-hub-save"));
    await waitFor(() => {
      expect(backend.calls.find((c) => c.command === "event_hub_save")?.request).toEqual({
        name: "contoso",
        connectionString: SECRET,
        hub: "graph-events",
        broker: "localhost:9093",
        tls: { caFile: "/etc/ssl/dev-ca.pem" },
        signIn: { kind: "connectionString" },
      });
    });
    const row = await screen.findByTestId("event-hub-row-contoso");
    expect(row).toHaveTextContent("localhost:9093");
    expect(screen.queryByTestId("event-hub-form")).toBeNull();
    // The secret went to the save call only: nowhere on screen, in no input, in no other call.
    expect(document.body.textContent).not.toContain("SharedAccessKey");
    await user.click(screen.getByTestId("event-hub-add"));
    expect(screen.getByTestId("event-hub-connection-string")).toHaveValue("");
    expect(backend.calls.filter((c) => JSON.stringify(c.request).includes("SharedAccessKey")).map((c) => c.command)).toEqual(["event_hub_save"]);
    // Nor is it kept by the query client once saved.
    await waitFor(() => {
      expect(JSON.stringify(client.getMutationCache().getAll().map((m) => m.state.variables))).not.toContain("SharedAccessKey");
    });
  });

  it("signs in with an Entra account: the namespace and hub instead of a connection string", async () => {
    const backend = installFakeBackend(fakeBackend({ accounts: [sandboxAccount] }));
    const user = userEvent.setup();
    renderWithQueries(<EventHubsCard />);
    await user.click(await screen.findByTestId("event-hub-add"));
    const form = screen.getByTestId("event-hub-form");
    const signIn = within(form).getByTestId("event-hub-sign-in");
    // No sign-in is offered only for a broker of one's own.
    expect(within(signIn).queryByRole("option", { name: /No sign-in/ })).toBeNull();
    await user.selectOptions(signIn, "entra");
    expect(within(form).queryByTestId("event-hub-connection-string")).toBeNull();
    expect(await within(form).findByTestId("event-hub-account")).toHaveValue("acct-1");
    expect(form).toHaveTextContent("Azure Event Hubs Data Receiver");
    await user.type(within(form).getByTestId("event-hub-name"), "contoso");
    await user.type(within(form).getByTestId("event-hub-namespace"), "contoso.servicebus.windows.net");
    // The hub has no connection string to come from.
    expect(within(form).getByTestId("event-hub-save")).toBeDisabled();
    await user.type(within(form).getByTestId("event-hub-hub"), "graph-events");
    await user.click(within(form).getByTestId("event-hub-save"));
    await waitFor(() => {
      expect(backend.calls.find((c) => c.command === "event_hub_save")?.request).toEqual({
        name: "contoso",
        namespace: "contoso.servicebus.windows.net",
        hub: "graph-events",
        tls: "system",
        signIn: { kind: "entra", account: "acct-1" },
      });
    });
    expect(await screen.findByTestId("event-hub-sign-in-contoso")).toHaveTextContent(
      "signs in as adele@sandbox.onmicrosoft.com (Entra)",
    );
  });

  it("offers no sign-in only with a broker, and shows the sign-in that will be sent when the broker goes", async () => {
    installFakeBackend();
    const user = userEvent.setup();
    renderWithQueries(<EventHubsCard />);
    await user.click(await screen.findByTestId("event-hub-add"));
    await user.type(screen.getByTestId("event-hub-broker"), "localhost:9092");
    await user.selectOptions(screen.getByTestId("event-hub-sign-in"), "none");
    expect(screen.getByTestId("event-hub-namespace")).toBeInTheDocument();
    await user.clear(screen.getByTestId("event-hub-broker"));
    expect(screen.getByTestId("event-hub-sign-in")).toHaveValue("connectionString");
    expect(screen.getByTestId("event-hub-connection-string")).toBeInTheDocument();
    // Typing a local broker again does not bring "No sign-in" back by itself.
    await user.type(screen.getByTestId("event-hub-broker"), "localhost:9092");
    expect(screen.getByTestId("event-hub-sign-in")).toHaveValue("connectionString");
    // A broker elsewhere is never read without a sign-in: the choice is not offered.
    await user.clear(screen.getByTestId("event-hub-broker"));
    await user.type(screen.getByTestId("event-hub-broker"), "kafka.example:9093");
    expect(within(screen.getByTestId("event-hub-sign-in")).queryByRole("option", { name: /No sign-in/ })).toBeNull();
  });

  it("shows why a connection was not saved and keeps the form", async () => {
    installFakeBackend();
    const user = userEvent.setup();
    renderWithQueries(<EventHubsCard />);
    await user.click(await screen.findByTestId("event-hub-add"));
    await user.type(screen.getByTestId("event-hub-name"), "bad");
    await user.type(screen.getByTestId("event-hub-connection-string"), "not a connection string");
    await user.click(screen.getByTestId("event-hub-save"));
    expect(await screen.findByTestId("error-message")).toHaveTextContent("That is not an Event Hubs connection string");
    expect(screen.getByTestId("error-hint")).toHaveTextContent("shared access policy");
    expect(screen.getByTestId("event-hub-form")).toBeInTheDocument();
  });

  it("reads from where the user chose, stops, and removes after asking", async () => {
    const backend = installFakeBackend(fakeBackend({ hubs: [hubFixture] }));
    const user = userEvent.setup();
    renderWithQueries(<EventHubsCard />);
    await user.selectOptions(await screen.findByTestId("event-hub-from-graph"), "start");
    await user.click(screen.getByTestId("event-hub-read-graph"));
    await waitFor(() => {
      expect(backend.calls.find((c) => c.command === "event_hub_read")?.request).toEqual({ name: "graph", start: { from: "start" } });
    });
    // The list is read again: reading now, with a Stop button.
    expect(await screen.findByText("Reading 2 partitions · 0 events stored")).toBeInTheDocument();
    await user.click(screen.getByTestId("event-hub-stop-graph"));
    await waitFor(() => {
      expect(backend.calls.find((c) => c.command === "event_hub_stop")?.request).toEqual({ name: "graph" });
    });
    expect(await screen.findByTestId("event-hub-read-graph")).toBeInTheDocument();
    await user.click(screen.getByTestId("event-hub-remove-graph"));
    expect(backend.calls.some((c) => c.command === "event_hub_remove")).toBe(false);
    await user.click(screen.getByTestId("event-hub-remove-confirm-graph"));
    await waitFor(() => {
      expect(screen.queryByTestId("event-hub-row-graph")).toBeNull();
    });
    expect(backend.calls.find((c) => c.command === "event_hub_remove")?.request).toEqual({ name: "graph" });
  });

  it("reads from a local time the user picks, and refuses to start from no time", async () => {
    const backend = installFakeBackend(fakeBackend({ hubs: [hubFixture] }));
    const user = userEvent.setup();
    renderWithQueries(<EventHubsCard />);
    await user.selectOptions(await screen.findByTestId("event-hub-from-graph"), "time");
    const time = screen.getByTestId("event-hub-time-graph");
    await user.clear(time);
    expect(screen.getByTestId("event-hub-read-graph")).toBeDisabled();
    expect(screen.getByText("Pick a date and time to read from.")).toBeInTheDocument();
    await user.type(time, "2026-11-28T09:30");
    await user.click(screen.getByTestId("event-hub-read-graph"));
    await waitFor(() => {
      expect(backend.calls.find((c) => c.command === "event_hub_read")?.request).toEqual({
        name: "graph",
        start: { from: "time", at: Math.floor(new Date("2026-11-28T09:30").getTime() / 1000) },
      });
    });
  });
});

describe("hub helpers", () => {
  it("turns the picker into where to start", () => {
    expect(startOf("now", "")).toEqual({ from: "now" });
    expect(startOf("time", "")).toBeNull();
    expect(startOf("time", "not a time")).toBeNull();
    expect(startOf("time", "2026-01-02T03:04")).toEqual({ from: "time", at: new Date(2026, 0, 2, 3, 4).getTime() / 1000 });
    expect(localInputValue(new Date(2026, 0, 2, 3, 4))).toBe("2026-01-02T03:04");
  });

  it("tells a broker on this computer from one elsewhere", () => {
    expect(isLoopbackBroker("localhost:9092")).toBe(true);
    expect(isLoopbackBroker(" 127.0.0.1:1 ")).toBe(true);
    expect(isLoopbackBroker("[::1]:9092")).toBe(true);
    expect(isLoopbackBroker("localhost.evil.example:9092")).toBe(false);
    expect(isLoopbackBroker("")).toBe(false);
  });

  it("says how a connection signs in", () => {
    const names = (id: string) => (id === "a1" ? "adele@contoso.com" : undefined);
    expect(signInText({ kind: "connectionString" }, names)).toBe("signs in with the connection string");
    expect(signInText({ kind: "entra", account: "a1" }, names)).toBe("signs in as adele@contoso.com (Entra)");
    expect(signInText({ kind: "entra", account: "gone" }, names)).toBe("signs in as an account no longer here (Entra)");
    expect(signInText({ kind: "none" }, names)).toBe("no sign-in");
  });

  it("names the broker, the reading and the target", () => {
    expect(brokerOf(hubFixture.connection)).toBe("contoso.servicebus.windows.net:9093");
    expect(brokerOf({ ...hubFixture.connection, broker: "localhost:9092" })).toBe("localhost:9092");
    expect(readingText({ ...hubFixture, reading: true, partitions: [3], stored: 1 })).toBe("Reading 1 partition · 1 event stored");
    expect(namespaceHost(" contoso ")).toBe("contoso.servicebus.windows.net");
    expect(namespaceHost("contoso.servicebus.chinacloudapi.cn")).toBe("contoso.servicebus.chinacloudapi.cn");
    expect(hubTarget("contoso", "graph", "t1")).toBe("EventHub:https://contoso.servicebus.windows.net/eventhubname/graph?tenantId=t1");
  });

  it("reads where an event came from", () => {
    expect(hubOrigin("partition=1&offset=42", [["x-enqueued-time", "2026-11-28T10:00:00.000Z"]])).toEqual({
      partition: "1",
      offset: "42",
      enqueued: "2026-11-28T10:00:00.000Z",
    });
    expect(hubOrigin("", [["content-type", "application/json"]])).toBeNull();
  });
});
