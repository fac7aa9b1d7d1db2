import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exactRuns40, findKnownTokens } from "./tokens.js";

// Fake credentials: right shape, random bodies, never issued by any vendor.
const T = {
  github: "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d",
  githubFine: "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",
  gitlab: "glpat-Y40uvSwMFLZDe1f8rESQ",
  slack: "xoxb-10497465075-kNhFdnXsiVpzz63FfkCzJr4i",
  slackHook: "https://hooks.slack.com/services/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",
  stripe: "sk_live_0B3JrTAwR4y9ojfljoQoaF1L",
  stripeTest: "sk_test_0B3JrTAwR4y9ojfljoQoaF1L",
  google: "AIzalqsajAIxNKu8iS2G8NPRVdD53X83RZJzzzz",
  npm: "npm_gEOzdmenCkhvMdgaKjIg8xNbe3nNyjOq9wMx",
  pypi: "pypi-AgEIcHlwaS5vcmcabUGJmGEp7CgQ0PBQFI14zGtSnovm14TUOizwd1iaeOV4qBkdfQ1y3GQsMpS",
  openai: "sk-proj-Ehh2FDEEtfjgVvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo",
  anthropic: "sk-ant-api03-IIXGvOoNZYW2mZp0zVZomHFwUbbYrEqmSM9wCZ7Uw9xfogoEmvnEN5N1aE6PwZPf1Qh6yYTWmE4lBYOvfZ8UzDzV8f",
  sendgrid: "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",
  docker: "dckr_pat_064GiIjHGb3CXlMaXZjljENUhJd",
  vault: "hvs.uRHHJEYXg4JdpmrcXgGCJbW56eCuNGMGmSrCGIZEG8pSH4487q7J58m1CiAhzCueQpBenQtYh5Xj8TPQxjq4i9DoV8",
  awsId: "AKIAGZ7KOK3ZV2MWUFXB",
  awsSecret: "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",
  huggingface: "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",
  jwt: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdG93YXdheSIsIm5hbWUiOiJ0ZXN0In0.Qm9ndXNTaWduYXR1cmVGb3JUZXN0czEyMw",
};

const PEM_BODY = ["MIIEowIBAAKCAQEAq8Zr2LmX0vTa9WpK3nYbE4dH7sJ1u8jzPde0IgxLd6GncfBA", "epfJBd0Kh8oOOL8dKLzdocJ2isAjIhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7DxtpY"].join(
  "\n",
);

describe("findKnownTokens", () => {
  it.each(Object.entries(T).filter(([k]) => k !== "awsSecret"))("finds a %s token with its exact span", (_kind, token) => {
    const text = `before ${token} after`;
    const found = findKnownTokens(text);
    expect(found).toHaveLength(1);
    expect(text.slice(found[0].index, found[0].index + found[0].length)).toBe(token);
  });

  it("finds an AWS secret key only next to an AWS/secret word", () => {
    expect(findKnownTokens(`aws_secret_access_key = ${T.awsSecret}`)).toMatchObject([{ kind: "aws-secret-access-key", index: 24, length: 40 }]);
    expect(findKnownTokens(`checksum ${T.awsSecret}`)).toEqual([]);
  });

  it("marks Stripe test keys as lower severity", () => {
    expect(findKnownTokens(T.stripeTest)).toMatchObject([{ kind: "stripe-secret-key", severity: "warning" }]);
    expect(findKnownTokens(T.stripe)[0].severity).toBeUndefined();
  });

  it.each([
    ["ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    ["AKIAIOSFODNN7EXAMPLE"],
    ["aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
    ["pk_live_0B3JrTAwR4y9ojfljoQoaF1L"],
    ["sk-1234"],
    ["sk-this-is-not-a-key-at-all"],
    ["npm_000000000000000000000000000000000000"],
    ["ghp_1234567890abcdefghijklmnopqrstuvwxyz"],
    ["-----BEGIN CERTIFICATE-----\n" + PEM_BODY + "\n-----END CERTIFICATE-----"],
    ["-----BEGIN PUBLIC KEY-----\n" + PEM_BODY + "\n-----END PUBLIC KEY-----"],
    ["-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----"],
    ['printf -- "-----BEGIN OPENSSH PRIVATE KEY-----\\n$SSH_KEY\\n-----END OPENSSH PRIVATE KEY-----"'],
    ["eyJhbGciOi.eyJzdWIiOi.notajwt"],
    ["mygithub_pat_is_in_vault"],
  ])("ignores placeholders and non-secrets (case %#)", (text) => {
    expect(findKnownTokens(text)).toEqual([]);
  });

  it("spans a private key block from BEGIN to END", () => {
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${PEM_BODY}\n-----END OPENSSH PRIVATE KEY-----`;
    const text = `RUN echo '${key}' > /root/.ssh/id_ed25519`;
    const [m] = findKnownTokens(text);
    expect(m).toMatchObject({ kind: "private-key", label: "OpenSSH private key" });
    expect(text.slice(m.index, m.index + m.length)).toBe(key);
  });

  it("finds a private key with escaped newlines on one line", () => {
    const text = `KEY="-----BEGIN RSA PRIVATE KEY-----\\n${PEM_BODY.replace("\n", "\\n")}\\n-----END RSA PRIVATE KEY-----"`;
    expect(findKnownTokens(text)).toHaveLength(1);
  });

  it("reports several tokens in order without overlaps", () => {
    const found = findKnownTokens(`${T.npm} and ${T.github}, https://x:${T.gitlab}@gitlab.com`);
    expect(found.map((f) => f.kind)).toEqual(["npm-token", "github-token", "gitlab-token"]);
  });
});

describe("exactRuns40", () => {
  it("finds exactly what the AWS secret key regex finds", () => {
    const re = /(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/g;
    const viaRegex = (text: string) => [...text.matchAll(re)].map((m) => ({ index: m.index, secret: m[1] }));
    // Runs of 39 to 41 characters from the class, with the characters that border them.
    const piece = fc.oneof(fc.stringMatching(/^[A-Za-z0-9/+]{38,42}$/), fc.constantFrom("=", " ", "-", "_", ".", "é", "\n", "A", "/"));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const text = pieces.join("");
        expect(exactRuns40(text)).toEqual(viaRegex(text));
      }),
    );
  });
});
