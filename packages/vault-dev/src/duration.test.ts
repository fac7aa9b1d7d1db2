import { describe, expect, it } from "vitest";
import { goDuration, humanDuration, parseDuration } from "./duration.js";

describe("parseDuration", () => {
  it.each([
    [3, 3],
    ["3", 3],
    ["3s", 3],
    ["1h", 3600],
    ["1h30m", 5400],
    ["2d", 172800],
    ["768h", 2764800],
    ["1500ms", 1],
    ["", 0],
  ])("%j → %d", (input, want) => {
    expect(parseDuration(input)).toBe(want);
  });

  it.each(["soon", "3x", "-1", "1h 30m", {}])("rejects %j", (input) => {
    expect(() => parseDuration(input)).toThrow();
  });
});

describe("durations as Vault prints them", () => {
  it.each([
    [0, "0s", "0s"],
    [10, "10s", "10s"],
    [300, "5m0s", "5m"],
    [3600, "1h0m0s", "1h"],
    [2764800, "768h0m0s", "768h"],
    [17201, "4h46m41s", "4h46m41s"],
    [2764779, "767h59m39s", "767h59m39s"],
  ])("%d s → %s / %s", (s, go, human) => {
    expect(goDuration(s)).toBe(go);
    expect(humanDuration(s)).toBe(human);
  });
});
