import { queryKeys, receptionKey, receptionPages, staleAfterCommand, staleAfterEvent } from "./invalidation";

describe("invalidation", () => {
  it("refreshes the Inspector when receptions arrive, and it and delivery health when their items are checked", () => {
    expect(staleAfterEvent({ type: "receptionsArrived", newestId: 7 })).toEqual([receptionPages]);
    expect(staleAfterEvent({ type: "itemsChecked", receptionIds: [7] })).toEqual([receptionPages, queryKeys.health, receptionKey(7)]);
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
});
