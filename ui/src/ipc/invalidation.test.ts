import { queryKeys, receptionKey, receptionPages, refetchAtMostEvery, staleAfterCommand, staleAfterEvent, throttled } from "./invalidation";

describe("invalidation", () => {
  it("refreshes the Inspector when receptions arrive, and it and delivery health when their items are checked", () => {
    expect(staleAfterEvent({ type: "receptionsArrived", newestId: 7 })).toEqual([receptionPages]);
    expect(staleAfterEvent({ type: "itemsChecked", receptionIds: [7] })).toEqual([receptionPages, queryKeys.health, queryKeys.owned, receptionKey(7)]);
    const many = Array.from({ length: 256 }, (_, i) => i);
    expect(staleAfterEvent({ type: "itemsChecked", receptionIds: many })).toEqual([receptionPages, queryKeys.health, queryKeys.owned, [...queryKeys.receptions, "one"]]);
    expect(staleAfterEvent({ type: "resync" })).toEqual([[]]);
    expect(staleAfterEvent({ type: "httpLogChanged" })).toEqual([queryKeys.httpLog]);
    expect(staleAfterEvent({ type: "eventHubsChanged" })).toEqual([queryKeys.eventHubs]);
  });

  it("names what every command may change, and reads change nothing", () => {
    expect(staleAfterCommand.receiver_start).toContainEqual(queryKeys.receiver);
    expect(staleAfterCommand.account_remove).toContainEqual(queryKeys.accounts);
    expect(staleAfterCommand.receptions_list).toEqual([]);
    expect(staleAfterCommand.event_hubs_list).toEqual([]);
    for (const command of ["event_hub_save", "event_hub_remove", "event_hub_read", "event_hub_stop"] as const) {
      expect(staleAfterCommand[command]).toContainEqual(queryKeys.eventHubs);
    }
  });

  it("refetches delivery health at most every 2 s in a burst, and always the last change", () => {
    expect(refetchAtMostEvery.get(JSON.stringify(queryKeys.health))).toBe(2000);
    vi.useFakeTimers();
    try {
      let runs = 0;
      const { call: run } = throttled(
        2000,
        () => {
          runs += 1;
        },
        () => Date.now(),
      );
      run();
      expect(runs).toBe(1);
      for (let i = 0; i < 20; i += 1) {
        vi.advanceTimersByTime(50);
        run();
      }
      expect(runs).toBe(1);
      vi.advanceTimersByTime(1000);
      expect(runs).toBe(2);
      vi.advanceTimersByTime(10_000);
      expect(runs).toBe(2);
      run();
      expect(runs).toBe(3);
      const { call, cancel } = throttled(
        2000,
        () => {
          runs += 1;
        },
        () => Date.now(),
      );
      call();
      call();
      cancel();
      vi.advanceTimersByTime(5000);
      expect(runs).toBe(4);
    } finally {
      vi.useRealTimers();
    }
  });
});
