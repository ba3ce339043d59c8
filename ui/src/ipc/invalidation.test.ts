import { queryKeys, receptionKey, receptionPages, staleAfterCommand, staleAfterEvent } from "./invalidation";

describe("invalidation", () => {
  it("refreshes the Inspector when receptions arrive and again when their items are checked", () => {
    expect(staleAfterEvent({ type: "receptionsArrived", newestId: 7 })).toEqual([receptionPages]);
    expect(staleAfterEvent({ type: "itemsChecked", receptionIds: [7] })).toEqual([receptionPages, receptionKey(7)]);
    expect(staleAfterEvent({ type: "resync" })).toEqual([[]]);
    expect(staleAfterEvent({ type: "httpLogChanged" })).toEqual([queryKeys.httpLog]);
  });

  it("names what every command may change, and reads change nothing", () => {
    expect(staleAfterCommand.receiver_start).toContainEqual(queryKeys.receiver);
    expect(staleAfterCommand.account_remove).toContainEqual(queryKeys.accounts);
    expect(staleAfterCommand.receptions_list).toEqual([]);
  });
});
