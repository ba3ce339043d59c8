import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { Prose } from "./Prose";

describe("Prose", () => {
  it("shows backticked parts as code, and markup as text", () => {
    const { container } = render(<Prose text="`/me/mesages` is not a subscribable resource. <b>x</b>" />);
    expect(container.querySelector("code")?.textContent).toBe("/me/mesages");
    expect(container.textContent).toBe("/me/mesages is not a subscribable resource. <b>x</b>");
    expect(container.querySelector("b")).toBeNull();
    const odd = render(<Prose text="a ` b" />);
    expect(odd.container.textContent).toBe("a ` b");
  });
});
