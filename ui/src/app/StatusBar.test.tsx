import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { installFakeBackend } from "../test/fakeBackend";
import { renderWithQueries } from "../test/render";
import { StatusBar } from "./StatusBar";

describe("StatusBar", () => {
  it("shows account, receiver, tunnel and version", async () => {
    installFakeBackend();
    renderWithQueries(<StatusBar />);
    expect(await screen.findByTestId("status-account")).toHaveTextContent("No account");
    expect(screen.getByTestId("status-receiver")).toHaveTextContent("stopped");
    expect(screen.getByTestId("status-tunnel")).toHaveTextContent("none");
    expect(await screen.findByText("v0.1.0")).toBeInTheDocument();
  });
});
