import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import type { LedgerView } from "../../ipc/bindings";
import { StudioError } from "../../ipc/client";
import { fakeBackend, installFakeBackend } from "../../test/fakeBackend";
import { renderWithQueries } from "../../test/render";
import { Ledger } from "./Ledger";

const NOW = 1_790_000_000;

const longUrl = `https://elsewhere.example.com/hooks/${"very-long-path-segment/".repeat(8)}notify`;

const ledgerFixture: LedgerView = {
  entries: [
    {
      id: "sub-mine",
      seenBy: ["Sandbox", "Contoso app"],
      cloud: "global",
      tenant: "contoso",
      resource: "/me/mailFolders('inbox')/messages",
      changeType: "created,updated",
      notificationUrl: "https://abc.ngrok.app/abc/notifications",
      expiresAt: NOW + 3 * 3600,
      creatorId: "creator-1111-2222-3333-444444444444",
      applicationId: "app-aaaa-bbbb",
      madeHere: true,
      servedHere: true,
      overlaps: ["sub-other"],
      quotas: ["At most 1000 subscriptions per mailbox"],
    },
    {
      id: "sub-other",
      seenBy: ["Contoso app"],
      cloud: "global",
      tenant: "contoso",
      resource: "/me/mailFolders('inbox')/messages",
      changeType: "deleted",
      notificationUrl: longUrl,
      expiresAt: NOW - 60,
      madeHere: false,
      servedHere: false,
      overlaps: [],
      quotas: [],
    },
  ],
  accounts: [
    { name: "Sandbox", lists: "Delegated: the subscriptions this app made for `me`." },
    { name: "Contoso app", lists: "App-only: every subscription this app made in the tenant." },
  ],
  problems: [{ account: "Fabrikam", message: "Graph refused the token: <b>expired</b>" }],
};

/** The shared fake backend, with `subscription_ledger` answering `view` (or refusing). */
function ledgerBackend(view: LedgerView | StudioError) {
  const base = fakeBackend();
  const call: ReturnType<typeof fakeBackend>["call"] = (command, request) => {
    if (command !== "subscription_ledger") return base.call(command, request);
    base.calls.push({ command, request });
    const answer = view instanceof StudioError ? Promise.reject(view) : Promise.resolve(view);
    return answer as ReturnType<typeof base.call<typeof command>>;
  };
  return { call, calls: base.calls };
}

function ledgerCalls(backend: { calls: { command: string }[] }) {
  return backend.calls.filter((c) => c.command === "subscription_ledger").length;
}

describe("Ledger", () => {
  it("asks Graph only when opened, and again on Refresh", async () => {
    const backend = installFakeBackend(ledgerBackend(ledgerFixture));
    const user = userEvent.setup();
    renderWithQueries(<Ledger now={NOW} />);
    expect(screen.getByTestId("ledger")).toHaveTextContent("All accounts");
    expect(ledgerCalls(backend)).toBe(0);
    expect(screen.queryByTestId("ledger-refresh")).toBeNull();

    await user.click(screen.getByTestId("ledger-load"));
    expect(await screen.findAllByTestId("ledger-row")).toHaveLength(2);
    expect(ledgerCalls(backend)).toBe(1);
    expect(screen.queryByTestId("ledger-load")).toBeNull();

    await user.click(screen.getByTestId("ledger-refresh"));
    await waitFor(() => {
      expect(ledgerCalls(backend)).toBe(2);
    });
  });

  it("lists every subscription with who sees it and what it is to this app", async () => {
    installFakeBackend(ledgerBackend(ledgerFixture));
    const user = userEvent.setup();
    renderWithQueries(<Ledger now={NOW} />);
    await user.click(screen.getByTestId("ledger-load"));
    const rows = await screen.findAllByTestId("ledger-row");
    const [mine, other] = rows as [HTMLElement, HTMLElement];

    expect(mine).toHaveTextContent("/me/mailFolders('inbox')/messages");
    expect(mine).toHaveTextContent("created, updated");
    expect(within(mine).getByTestId("ledger-expiry")).toHaveTextContent("expires in 3 h");
    expect(within(mine).getByTestId("ledger-seen-by")).toHaveTextContent("Sandbox, Contoso app");
    expect(within(mine).getByTestId("ledger-quotas")).toHaveTextContent("At most 1000 subscriptions per mailbox");
    expect(within(mine).getByTitle("creator-1111-2222-3333-444444444444")).toHaveClass("health-id");
    expect(within(mine).getByTitle("app-aaaa-bbbb")).toBeInTheDocument();
    expect(within(mine).getByTestId("ledger-made-here")).toHaveTextContent("made here");
    expect(within(mine).getByTestId("ledger-served-here")).toHaveTextContent("served here");
    expect(within(mine).queryByTestId("ledger-elsewhere")).toBeNull();
    const overlap = within(mine).getByTestId("ledger-overlap");
    expect(overlap).toHaveTextContent("overlaps 1");
    expect(overlap.title).toContain("sub-other");

    expect(other).toHaveTextContent("deleted");
    expect(within(other).getByTestId("ledger-expiry")).toHaveTextContent("expired");
    expect(within(other).getByTestId("ledger-expiry")).not.toHaveTextContent("expires");
    expect(within(other).getByTestId("ledger-elsewhere")).toHaveTextContent("points elsewhere");
    expect(within(other).queryByTestId("ledger-made-here")).toBeNull();
    expect(within(other).queryByTestId("ledger-served-here")).toBeNull();
    expect(within(other).queryByTestId("ledger-overlap")).toBeNull();
    expect(within(other).queryByTestId("ledger-quotas")).toBeNull();
    expect(other).not.toHaveTextContent("creator");
    // The long URL is cut on screen and whole on hover.
    expect(within(other).getByTitle(longUrl)).toHaveClass("subscription-url");
    expect(screen.queryByTestId("ledger-empty")).toBeNull();
  });

  it("says what each account's token lists, and which accounts could not answer, as text", async () => {
    installFakeBackend(ledgerBackend(ledgerFixture));
    const user = userEvent.setup();
    renderWithQueries(<Ledger now={NOW} />);
    await user.click(screen.getByTestId("ledger-load"));
    const accounts = await screen.findAllByTestId("ledger-account");
    expect(accounts).toHaveLength(2);
    expect(accounts[0]).toHaveTextContent("Sandbox: Delegated: the subscriptions this app made for me.");
    expect(accounts[1]).toHaveTextContent("Contoso app: App-only: every subscription this app made in the tenant.");

    const problems = screen.getAllByTestId("ledger-problem");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toHaveTextContent("Fabrikam");
    expect(problems[0]).toHaveTextContent("Graph refused the token: <b>expired</b>");
    expect(problems[0]?.querySelector("b")).toBeNull();
  });

  it("says so when no account sees any subscription", async () => {
    // The shared fake backend answers an empty ledger.
    const backend = installFakeBackend(fakeBackend());
    const user = userEvent.setup();
    renderWithQueries(<Ledger now={NOW} />);
    await user.click(screen.getByTestId("ledger-load"));
    expect(await screen.findByTestId("ledger-empty")).toHaveTextContent("No account sees any subscription.");
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.queryByTestId("ledger-account")).toBeNull();
    expect(screen.queryByTestId("ledger-problem")).toBeNull();
    expect(ledgerCalls(backend)).toBe(1);
  });

  it("shows a refusal with the app's error banner", async () => {
    installFakeBackend(ledgerBackend(new StudioError({ code: "network", message: "No account is connected.", hint: "Add one under Accounts." })));
    const user = userEvent.setup();
    renderWithQueries(<Ledger now={NOW} />);
    await user.click(screen.getByTestId("ledger-load"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner).toHaveTextContent("No account is connected.");
    expect(banner).toHaveTextContent("Add one under Accounts.");
  });
});
