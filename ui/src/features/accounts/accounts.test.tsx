import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { fakeBackend, installFakeBackend, sandboxAccount, subscriptionFixture } from "../../test/fakeBackend";
import { renderWithQueries } from "../../test/render";
import { curlOf } from "../subscriptions/HttpLog";
import { SubscriptionsScreen } from "../subscriptions/SubscriptionsScreen";
import type { AccountSummary } from "../../ipc/bindings";
import { untilText } from "./AccountCard";
import { AccountsScreen } from "./AccountsScreen";

describe("AccountsScreen", () => {
  it("adds the sandbox in one click and shows who it is and what it may do", async () => {
    const backend = installFakeBackend();
    const user = userEvent.setup();
    renderWithQueries(<AccountsScreen />);
    expect(await screen.findByTestId("accounts-empty")).toBeInTheDocument();
    await user.click(screen.getByTestId("add-sandbox"));
    const card = await screen.findByTestId("account-card");
    expect(within(card).getByTestId("account-name")).toHaveTextContent("Adele Vance");
    expect(card).toHaveTextContent("adele@sandbox.onmicrosoft.com");
    expect(within(card).getByTestId("account-permissions")).toHaveTextContent("Mail.Read");
    expect(within(card).getByTestId("account-in-use")).toBeInTheDocument();
    expect(backend.calls.some((c) => c.command === "account_add_sandbox")).toBe(true);
    // Once added, the same user cannot be added twice, and the button is no longer the primary one.
    expect(screen.getByTestId("add-sandbox")).toBeDisabled();
    expect(screen.getByTestId("add-sandbox")).not.toHaveClass("button-primary");
  });

  it("shows who each account is even before its token is fetched again", async () => {
    const restarted: AccountSummary = { ...sandboxAccount };
    delete restarted.claims;
    installFakeBackend(fakeBackend({ accounts: [restarted] }));
    renderWithQueries(<AccountsScreen />);
    const card = await screen.findByTestId("account-card");
    // From the identity the sign-in recorded (its ID token), not from an access token.
    expect(within(card).getByTestId("account-name")).toHaveTextContent("Adele Vance");
    expect(within(card).getByTestId("account-username")).toHaveTextContent("adele@sandbox.onmicrosoft.com");
    const identity = within(card).getByTestId("account-identity");
    expect(identity).toHaveTextContent("u1");
    expect(identity).toHaveTextContent("(ID token)");
    expect(identity).toHaveAttribute("title", expect.stringContaining("nonce checked"));
    expect(card).toHaveTextContent("0f8d7c6b-0000-4000-8000-000000000001");
    expect(within(card).getByTestId("account-token")).toHaveTextContent("not fetched since the app started");
  });

  it("signs in as another sandbox user picked in the list", async () => {
    const backend = installFakeBackend(fakeBackend({ accounts: [sandboxAccount] }));
    const user = userEvent.setup();
    renderWithQueries(<AccountsScreen />);
    const picker = await screen.findByTestId("sandbox-user");
    await user.selectOptions(picker, "alex@sandbox.onmicrosoft.com");
    expect(screen.getByTestId("add-sandbox")).toHaveTextContent("Add this user");
    await user.click(screen.getByTestId("add-sandbox"));
    await waitFor(() => {
      expect(backend.calls.find((c) => c.command === "account_add_sandbox")?.request).toEqual({ appOnly: false, userPrincipalName: "alex@sandbox.onmicrosoft.com" });
    });
  });

  it("asks before signing out", async () => {
    const backend = installFakeBackend(fakeBackend({ accounts: [sandboxAccount] }));
    const user = userEvent.setup();
    renderWithQueries(<AccountsScreen />);
    await user.click(await screen.findByTestId("account-remove"));
    expect(backend.calls.some((c) => c.command === "account_remove")).toBe(false);
    await user.click(screen.getByTestId("account-remove-confirm"));
    await waitFor(() => {
      expect(backend.calls.some((c) => c.command === "account_remove")).toBe(true);
    });
  });

  it("guides the app-registration form and keeps the secret out of sight", async () => {
    installFakeBackend();
    const user = userEvent.setup();
    renderWithQueries(<AccountsScreen />);
    await user.click(await screen.findByTestId("add-app"));
    expect(screen.getByTestId("app-form")).toHaveTextContent("admin consent");
    expect(screen.getByLabelText("Secret value")).toHaveAttribute("type", "password");
    expect(screen.getByRole("button", { name: "Add the app" })).toBeDisabled();
  });
});

describe("SubscriptionsScreen", () => {
  it("lists the account's subscriptions with countdowns and renews one", async () => {
    const backend = installFakeBackend(
      fakeBackend({ accounts: [sandboxAccount], subscriptions: [subscriptionFixture("s-soon", 10), subscriptionFixture("s-later", 3000)] }),
    );
    const user = userEvent.setup();
    renderWithQueries(<SubscriptionsScreen />);
    const rows = await screen.findAllByTestId("subscription-row");
    expect(rows).toHaveLength(2);
    const soon = within(rows[0] as HTMLElement).getByTestId("subscription-expiry");
    expect(soon).toHaveTextContent("in 10 min");
    expect(soon).toHaveClass("expiry-soon");
    await user.click(within(rows[0] as HTMLElement).getByTestId("subscription-renew"));
    await waitFor(() => {
      expect(backend.calls.some((c) => c.command === "subscription_renew")).toBe(true);
    });
  });

  it("says what to do without an account", async () => {
    installFakeBackend();
    renderWithQueries(<SubscriptionsScreen />);
    expect(await screen.findByTestId("subscriptions-empty")).toHaveTextContent("Add an account");
  });
});

describe("helpers", () => {
  it("counts down in words", () => {
    expect(untilText(1000, 1000)).toBe("expired");
    expect(untilText(1030, 1000)).toBe("in 30 s");
    expect(untilText(1000 + 3 * 3600, 1000)).toBe("in 3 h");
    expect(untilText(1000 + 5 * 86400, 1000)).toBe("in 5 days");
  });

  /** A logged POST /subscriptions with these headers and body. */
  const posted = (requestHeaders: [string, string][], requestBody: string) => ({
    id: "r",
    accountId: "a",
    at: "t",
    method: "POST",
    url: "https://graph.microsoft.com/v1.0/subscriptions",
    durationMs: 3,
    requestHeaders,
    requestBody,
    responseHeaders: [],
  });

  it("copies requests as curl without the token", () => {
    const curl = curlOf(posted([["authorization", "‹redacted›"], ["content-type", "application/json"]], "{\"clientState\":\"it's\"}"));
    expect(curl).toContain("$TOKEN");
    expect(curl).not.toContain("redacted");
    expect(curl).toContain("it'\\''s");
  });

  it("asks for a redacted clientState as $CLIENT_STATE, the same way the backend does", () => {
    const curl = curlOf(posted([], '{"clientState": "‹redacted›", "changeType": "created"}'));
    expect(curl).toContain(`--data-raw '{"clientState": "'"$CLIENT_STATE"'", "changeType": "created"}'`);
  });
});
