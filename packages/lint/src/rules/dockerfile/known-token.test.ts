import { testDockerfileRule } from "./support/test-helpers.js";
import rule from "./known-token.js";

const id = "dockerfile/known-token";
const GH = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d";
const SLACK = "xoxb-10497465075-kNhFdnXsiVpzz63FfkCzJr4i";
const AWS_ID = "AKIAGZ7KOK3ZV2MWUFXB";
const AWS_SECRET = "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";
const STRIPE_TEST = "sk_test_0B3JrTAwR4y9ojfljoQoaF1L";
const NPM = "npm_gEOzdmenCkhvMdgaKjIg8xNbe3nNyjOq9wMx";
const PEM_BODY = "MIIEowIBAAKCAQEAq8Zr2LmX0vTa9WpK3nYbE4dH7sJ1u8jzPde0IgxLd6GncfBA\nepfJBd0Kh8oOOL8dKLzdocJ2isAjIhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7DxtpY\n";

testDockerfileRule(rule, {
  valid: [
    "FROM alpine\nENV GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    "FROM alpine\n# export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
    "FROM alpine\nENV STRIPE_PUBLISHABLE_KEY=pk_live_0B3JrTAwR4y9ojfljoQoaF1L\n",
    `FROM alpine\nCOPY <<EOF /etc/ssl/certs/ca.pem\n-----BEGIN CERTIFICATE-----\n${PEM_BODY}-----END CERTIFICATE-----\nEOF\n`,
    "FROM alpine\nLABEL org.opencontainers.image.revision=6f1c3a9b2e4d5f60718293a4b5c6d7e8f9012345\n",
  ],
  invalid: [
    // Also reported by secret-in-env and secret-in-command; the engine keeps theirs (see engine.test.ts),
    // but this rule alone still finds them, so turning those rules off hides nothing.
    { code: `FROM alpine\nENV GITHUB_TOKEN=${GH}\n`, errors: [{ ruleId: id, line: 2, column: 18 }] },
    { code: `FROM alpine\nRUN curl -H "Authorization: Bearer ${GH}" https://api.github.com/user\n`, errors: [{ ruleId: id, line: 2, column: 36 }] },
    // A token under a neutral name.
    { code: `FROM alpine\nENV GIT_REMOTE_AUTH_HEADER_VALUE_X=${GH}\n`, errors: [{ ruleId: id, line: 2, column: 36 }] },
    { code: `FROM alpine\nLABEL notify.slack=${SLACK}\n`, errors: [{ ruleId: id, line: 2, column: 20 }] },
    { code: `FROM alpine\nRUN echo ${NPM} > /tmp/t\n`, errors: [{ ruleId: id, line: 2, column: 10 }] },
    { code: `FROM alpine\n# old key: ${AWS_ID}\n`, errors: [{ ruleId: id, line: 2, column: 12 }] },
    {
      code: `FROM alpine\nRUN <<EOF\nset -e\naws configure set region eu-west-1\necho "aws_secret_access_key = ${AWS_SECRET}" >> ~/.aws/credentials\nEOF\n`,
      errors: [{ ruleId: id, line: 5, column: 31 }],
    },
    {
      code: `FROM alpine\nCOPY <<EOF /root/.ssh/id_rsa\n-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}-----END RSA PRIVATE KEY-----\nEOF\n`,
      errors: [{ ruleId: id, line: 3, column: 1, endLine: 6 }],
    },
    { code: `FROM alpine\nCMD ["/app", "--slack", "${SLACK}"]\n`, errors: [{ ruleId: id, line: 2, column: 26 }] },
    { code: `FROM alpine\nENV SETTINGS=stripe:${STRIPE_TEST}\n`, errors: [{ ruleId: id, line: 2, column: 21, severity: "warning" }] },
    // heredoc body ending in a backslash, then a token on a later instruction: lines stay right.
    { code: `FROM alpine\nRUN <<EOF\necho building \\\nEOF\nLABEL x=${NPM}\n`, errors: [{ ruleId: id, line: 5, column: 9 }] },
    // unterminated heredoc: the body is still scanned
    { code: `FROM alpine\nRUN <<EOF\necho ${NPM}\n`, errors: [{ ruleId: id, line: 3, column: 6 }] },
    // garbage line holding a token
    { code: `FROM alpine\n${GH}\n`, errors: [{ ruleId: id, line: 2, column: 1 }] },
  ],
});
