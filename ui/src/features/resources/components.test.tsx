import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";

import type { CatalogCheckResponse, Resource } from "../../ipc/bindings";
import { installFakeBackend, sandboxAccount } from "../../test/fakeBackend";
import { renderWithQueries } from "../../test/render";
import { CheckResult } from "./CheckResult";
import { CreateSubscription } from "./CreateSubscription";
import { QuickStart } from "./QuickStart";
import { ResourceList } from "./ResourceList";

const response: CatalogCheckResponse = {
  check: {
    resolved: { resourceId: "chatMessage", template: "/chats/{chat-id}/messages", values: [["chat-id", "c1"]], usesMe: false, canonical: "/chats/c1/messages" },
    problems: [{ field: "lifecycleNotificationUrl", severity: "error", message: "lifecycleNotificationUrl is a required property", fix: "Set it." }],
    nearest: [],
  },
  hints: [
    { accountKind: "delegatedWork", required: [{ name: "Chat.Read", rsc: false, adminConsent: false }], status: { state: "missing", add: [] }, warnings: [] },
    { accountKind: "delegatedPersonal", required: [], status: { state: "unsupported", supportedBy: ["delegatedWork", "application"] }, warnings: [] },
    {
      accountKind: "application",
      required: [
        { name: "ChatMessage.Read.Chat", rsc: true, adminConsent: false },
        { name: "Chat.Read.All", rsc: false, adminConsent: true },
      ],
      status: { state: "satisfied", by: "Chat.Read.All" },
      warnings: ["Graph refuses Chat.ReadWrite.All here"],
    },
  ],
  preview: { json: '{ "resource": "/chats/c1/messages" }', curl: "curl -X POST …", http: "POST …" },
};

describe("CheckResult", () => {
  it("shows problems, the three account kinds and the preview", () => {
    renderWithQueries(<CheckResult result={response} activeKind="delegatedWork" />);
    expect(screen.getByTestId("problems")).toHaveTextContent("lifecycleNotificationUrl is a required property");
    expect(screen.getByText("Not supported for this path.")).toBeInTheDocument();
    expect(screen.getByText("Granted: Chat.Read.All")).toBeInTheDocument();
    expect(screen.getByText("RSC")).toBeInTheDocument();
    expect(screen.getByText("Graph refuses Chat.ReadWrite.All here")).toBeInTheDocument();
    expect(screen.getByTestId("preview-json")).toHaveTextContent('"resource": "/chats/c1/messages"');
  });

  it("switches preview tabs and confirms a copy", async () => {
    const user = userEvent.setup();
    // After setup(): user-event installs a clipboard stub of its own.
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    renderWithQueries(<CheckResult result={response} activeKind="application" />);
    await user.click(screen.getByRole("tab", { name: "curl" }));
    expect(screen.getByTestId("preview-curl")).toHaveTextContent("curl -X POST");
    await user.click(screen.getByTestId("copy-http"));
    await waitFor(() => {
      expect(screen.getByTestId("copy-http")).toHaveTextContent("Copied");
    });
    expect(writeText).toHaveBeenCalledWith("POST …");
  });
});

function resource(id: string, workload: string): Resource {
  return {
    id, name: id, entity: id, workload, docs: "", description: "", changeTypes: ["created"], api: ["v1.0"], maxMinutes: 60, history: [],
    rich: { supported: false, select: "optional", encryptionRequired: false, maxItems: null, properties: [] },
    lifecycle: { requiredOverMinutes: null, events: [] }, headers: [], quotas: [], notes: [], sources: [],
    permissions: { delegatedWork: [], delegatedPersonal: [], application: [] }, paths: [],
  };
}

function List() {
  const [selected, setSelected] = useState<string | null>("a");
  return (
    <ResourceList
      groups={[{ workload: "Outlook", resources: [resource("a", "Outlook"), resource("b", "Outlook")] }, { workload: "Teams", resources: [resource("c", "Teams")] }]}
      selectedId={selected}
      onSelect={setSelected}
    />
  );
}

describe("ResourceList", () => {
  it("moves the selection with the arrow keys, Home and End", () => {
    render(<List />);
    const list = screen.getByRole("listbox");
    fireEvent.keyDown(list, { key: "ArrowDown" });
    expect(screen.getByRole("option", { name: "b" })).toHaveAttribute("aria-selected", "true");
    fireEvent.keyDown(list, { key: "End" });
    expect(screen.getByRole("option", { name: "c" })).toHaveAttribute("aria-selected", "true");
    fireEvent.keyDown(list, { key: "Home" });
    expect(screen.getByRole("option", { name: "a" })).toHaveAttribute("aria-selected", "true");
  });

  it("says so when nothing matches", () => {
    render(<ResourceList groups={[]} selectedId={null} onSelect={() => undefined} />);
    expect(screen.getByTestId("resource-list-empty")).toHaveTextContent("No resource matches");
  });
});

describe("incremental consent", () => {
  it("offers to request the least-privileged missing permission for the account in use", async () => {
    const backend = installFakeBackend();
    const user = userEvent.setup();
    const missing: CatalogCheckResponse = {
      ...response,
      hints: [
        {
          accountKind: "delegatedWork",
          required: [{ name: "Chat.Read", rsc: false, adminConsent: false }],
          status: { state: "missing", add: [] },
          warnings: [],
        },
      ],
    };
    renderWithQueries(<CheckResult result={missing} activeKind="delegatedWork" grantedKnown accountId="acct-1" />);
    await user.click(screen.getByTestId("request-permission"));
    await waitFor(() => {
      expect(backend.calls.at(-1)).toEqual({ command: "account_request_permissions", request: { id: "acct-1", scopes: ["Chat.Read"] } });
    });
  });
});

describe("CreateSubscription", () => {
  it("sends the lifetime and the lifecycle choice exactly as the form shows them", async () => {
    const backend = installFakeBackend();
    renderWithQueries(
      <CreateSubscription
        account={sandboxAccount}
        resource="/me/messages"
        changeTypes={["created"]}
        expiresInMinutes=" 4230 "
        includeResourceData={false}
        lifecycleUrl={false}
        blocked={null}
        onOpenInspector={() => undefined}
      />,
    );
    await userEvent.setup().click(screen.getByTestId("create-subscription-button"));
    await waitFor(() => {
      expect(backend.calls.find((c) => c.command === "subscription_create")?.request).toEqual({
        accountId: "acct-1",
        resource: "/me/messages",
        changeType: "created",
        includeResourceData: false,
        skipPreflight: false,
        includeLifecycleUrl: false,
        expirationMinutes: 4230,
      });
    });
  });
});

describe("QuickStart", () => {
  it("walks the loop in four steps and stays closed once closed", async () => {
    window.localStorage.clear();
    const first = render(<QuickStart />);
    expect(screen.getByTestId("quick-start").querySelectorAll("li")).toHaveLength(4);
    await userEvent.setup().click(screen.getByRole("button", { name: "Close the quick start" }));
    expect(screen.queryByTestId("quick-start")).toBeNull();
    first.unmount();
    render(<QuickStart />);
    expect(screen.queryByTestId("quick-start")).toBeNull();
  });
});
