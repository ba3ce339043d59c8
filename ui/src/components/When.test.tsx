import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { When, timeTexts } from "./When";

describe("When", () => {
  it("shows local time with the UTC value on hover, and anything else as it is", () => {
    expect(timeTexts("2026-11-28T01:23:36.273Z").utc).toBe("2026-11-28 01:23:36 UTC");
    expect(timeTexts(1_800_000_000_000, "date").utc).toBe("2027-01-15 08:00:00 UTC");
    expect(timeTexts("not a time")).toEqual({ local: "not a time", utc: "not a time" });
    expect(timeTexts(1e20).local).toBe("100000000000000000000");
    render(<When at="2026-11-28T01:23:36Z" style="time" />);
    const shown = screen.getByTitle("2026-11-28 01:23:36 UTC");
    expect(shown).toHaveAttribute("datetime", "2026-11-28T01:23:36.000Z");
    expect(shown.textContent).toMatch(/\d\d:\d\d:\d\d/);
  });
});
