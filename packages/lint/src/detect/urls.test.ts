import { describe, expect, it } from "vitest";
import { findConnectionStringPasswords, findUrlCredentials } from "./urls.js";

const spans = (text: string, found: { index: number; length: number }[]) => found.map((f) => text.slice(f.index, f.index + f.length));

describe("findUrlCredentials", () => {
  it.each([
    ["postgres://app:Pg-Urlpass-41@db:5432/app", ["Pg-Urlpass-41"]],
    ["git clone https://deploy:tok3n-Value-9@git.corp.local/x.git", ["tok3n-Value-9"]],
    ["amqp://guest:p@ss@word@rabbit/", ["p@ss@word"]],
    ["redis://:r3dis-Pass@cache:6379/0", ["r3dis-Pass"]],
    ["https://Tk9aZ2LmX0vTa9WpK3nYb:x-oauth-basic@github.com/org/repo", ["Tk9aZ2LmX0vTa9WpK3nYb"]],
    ["a https://u:one1@h1 b ftp://v:two2@h2", ["one1", "two2"]],
  ])("finds the password span (case %#)", (text, want) => {
    expect(spans(text, findUrlCredentials(text))).toEqual(want);
  });

  it.each([
    "https://user@github.com/x",
    "postgres://app:${DB_PASSWORD}@db/app",
    "postgres://app:$DB_PASSWORD@db/app",
    "postgres://app:<password>@db/app",
    "mysql://root:<password>@db",
    "https://github.com/a:b",
    "postgres://app:@db/app",
    "mailto:someone@example.org",
    "http://localhost:8080/x@y",
    "postgres://app:%24%7BPW%7D@db",
  ])("skips %s", (text) => {
    expect(findUrlCredentials(text)).toEqual([]);
  });
});

describe("findConnectionStringPasswords", () => {
  it.each([
    ["Server=db;Database=app;User Id=sa;Password=Sql-Conn-Pass1;", ["Sql-Conn-Pass1"]],
    ["Server=db;Uid=sa;Pwd={brace;pass};", ["brace;pass"]],
    ["jdbc:mysql://db:3306/app?user=app&password=Jdbc-Pass-77&useSSL=true", ["Jdbc-Pass-77"]],
    ["DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=QmFzZTY0S2V5TWF0ZXJpYWw=;EndpointSuffix=core.windows.net", ["QmFzZTY0S2V5TWF0ZXJpYWw="]],
  ])("finds the value (case %#)", (text, want) => {
    expect(spans(text, findConnectionStringPasswords(text))).toEqual(want);
  });

  it.each(["PASSWORD=hunter2", "Server=db;Password=${DB_PASSWORD};", "Server=db;Password=;", "Password=<password>;"])("skips %s", (text) => {
    expect(findConnectionStringPasswords(text)).toEqual([]);
  });
});
