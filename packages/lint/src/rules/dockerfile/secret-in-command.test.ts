import { expectAt, testDockerfileRule } from "./support/test-helpers.js";
import rule from "./secret-in-command.js";

const id = "dockerfile/secret-in-command";
const GH = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d";

testDockerfileRule(rule, {
  valid: [
    // Near misses of the issue #13 command-line forms.
    "FROM ubuntu\nRUN x11vnc -storepasswd ~/.vnc/passwd\n",
    'FROM ubuntu\nRUN x11vnc -storepasswd "$VNC_PASSWORD" /tmp/.vncpasswd\n',
    "FROM eclipse-temurin:21\nRUN keytool -importcert -noprompt -cacerts -storepass changeit -alias corp -file /tmp/corp-ca.crt\n",
    "FROM eclipse-temurin:21\nRUN keytool -import -trustcacerts -keystore $JAVA_HOME/lib/security/cacerts -storepass changeit -noprompt -alias corp -file ca.crt\n",
    'FROM ubuntu\nRUN echo "$USER_NAME:$USER_PASSWORD" | chpasswd\n',
    "FROM ubuntu\nRUN --mount=type=secret,id=root_pw sh -c 'echo \"root:$(cat /run/secrets/root_pw)\" | chpasswd'\n",
    'FROM alpine\nRUN echo "0c3f5d6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d  app.tgz" | sha256sum -c -\n',
    "FROM mcr.microsoft.com/mssql/server:2022-latest\nHEALTHCHECK CMD /opt/mssql-tools18/bin/sqlcmd -S localhost -U sa -P \"$MSSQL_SA_PASSWORD\" -C -Q 'SELECT 1'\n",
    'FROM alpine\nRUN wget --password="$(cat /run/secrets/wget_pw)" https://files.corp.local/a.tgz\n',
    // postgres official image: a public key fingerprint, then gpg --recv-keys.
    'FROM debian:bookworm-slim\nRUN set -ex; \\\n    key=\'B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8\'; \\\n    export GNUPGHOME="$(mktemp -d)"; \\\n    gpg --batch --keyserver keyserver.ubuntu.com --recv-keys "$key"; \\\n    gpg --batch --export "$key" > /etc/apt/keyrings/postgres.gpg\n',
    // python official image
    'FROM buildpack-deps:bookworm\nENV GPG_KEY A035C8C19219BA821ECEA86B64E628F8D684696D\nRUN gpg --batch --keyserver hkps://keys.openpgp.org --recv-keys "$GPG_KEY"\n',
    // node official image loop over keys
    'FROM buildpack-deps:bookworm\nRUN for key in 4ED778F539E3634C779C87C6D7062848A1AB005C 141F07595B7B3FFE74309A937405533BE57C7D57; do \\\n      gpg --batch --keyserver hkps://keys.openpgp.org --recv-keys "$key"; \\\n    done\n',
    // golang official image: sha256 checksums
    "FROM alpine:3.20\nRUN url='https://dl.google.com/go/go1.23.3.linux-amd64.tar.gz'; sha256='a0afb9744c00648bafb1b90b4aba5bdb86f424f02f9275399ce0c20b93a2c3a8'; \\\n    wget -O go.tgz \"$url\"; echo \"$sha256 *go.tgz\" | sha256sum -c -\n",
    "# syntax=docker/dockerfile:1.10\nFROM node:22\nRUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci\n",
    'FROM node:22\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\nRUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc\n',
    'FROM alpine\nRUN --mount=type=secret,id=db curl -u "admin:$(cat /run/secrets/db)" https://api.local\n',
    'FROM mysql:8\nHEALTHCHECK CMD mysqladmin ping -h localhost -u root -p"$MYSQL_ROOT_PASSWORD"\n',
    'FROM redis:7\nCMD ["redis-server", "--requirepass", "${REDIS_PASSWORD}"]\n',
    "FROM alpine\nRUN mysql -u root -p app < dump.sql\n",
    "FROM alpine\nRUN export PASSWORD=<your-password> && ./configure\n",
    "FROM alpine\nRUN ssh-keygen -t ed25519 -N '' -f /etc/ssh/key\n",
    // secrets read from mounts, in the shapes seen in real Dockerfiles
    "FROM registry.access.redhat.com/ubi9\nRUN --mount=type=secret,id=user --mount=type=secret,id=pass \\\n    subscription-manager register --username=$(cat /run/secrets/user) \\\n    --password=$(cat /run/secrets/pass) --auto-attach\n",
    "FROM debian\nRUN --mount=type=secret,id=github_token,required=false \\\n    GITHUB_TOKEN=$(cat /run/secrets/github_token 2>/dev/null || true) \\\n    mise install node@22\n",
    'FROM node:22\nRUN --mount=type=secret,id=node_auth_token \\\n    export NODE_AUTH_TOKEN="$(cat /run/secrets/node_auth_token)" && pnpm install\n',
    'FROM python:3.12\nRUN --mount=type=secret,id=github_token,required=false \\\n    export GIT_CONFIG_COUNT=1 \\\n      GIT_CONFIG_KEY_0="url.https://x-access-token:$(cat /run/secrets/github_token)@github.com/.insteadOf" \\\n      GIT_CONFIG_VALUE_0="https://github.com/" && uv sync\n',
    // PowerShell references
    "# escape=`\nFROM mcr.microsoft.com/powershell\nRUN ./deploy.ps1 --password $env:DEPLOY_PASSWORD --token ${env:DEPLOY_TOKEN}\n",
    // gpg keys listed in an ENV, then a loop (cassandra, tomcat, php official images)
    'FROM eclipse-temurin:17\nENV GPG_KEYS \\\n\tCEC86BB4A0BA9D0F90397CAEF8358FA2F2833C93 \\\n\tC4965EE9E3015D192CCCF2B6F758CE318D77295D\nRUN set -ex; for key in $GPG_KEYS; do gpg --batch --keyserver keyserver.ubuntu.com --recv-keys "$key"; done\n',
  ],
  invalid: [
    // Issue #13: command lines with any password, weak ones as warnings.
    expectAt(id, "FROM ubuntu\nRUN echo 'root:password' | chpasswd\n", { needle: "password'", severity: "warning" }),
    expectAt(id, 'FROM ubuntu\nRUN useradd -m ctf && echo "ctf:s3cur3pass4me" | chpasswd\n', { needle: "s3cur3pass4me", severity: "error" }),
    expectAt(id, "FROM ubuntu\nRUN x11vnc -storepasswd 0000 /etc/x11vnc.pass\n", { needle: "0000", severity: "warning" }),
    expectAt(id, "FROM ubuntu\nRUN mkdir -p /root/.vnc && x11vnc -storepasswd Vn7-Qx2w /root/.vnc/passwd\n", "Vn7-Qx2w"),
    expectAt(id, "FROM ubuntu\nRUN echo Vn8-Rk3z | vncpasswd -f > /root/.vnc/passwd\n", "Vn8-Rk3z"),
    expectAt(id, "FROM mcr.microsoft.com/mssql/server:2019-latest\nCMD /opt/mssql-tools/bin/sqlcmd -S db -U sa -P Sq4-Lm8x-Vt2 -i /init.sql\n", "Sq4-Lm8x-Vt2"),
    expectAt(
      id,
      "FROM mcr.microsoft.com/mssql/server:2019-latest\nRUN /opt/mssql/bin/sqlservr & sleep 20 && /opt/mssql-tools/bin/sqlcmd -S localhost -U sa -PSq5-Ww3r -i setup.sql\n",
      "Sq5-Ww3r",
    ),
    expectAt(
      id,
      "FROM eclipse-temurin:21\nRUN keytool -importkeystore -srckeystore app.p12 -srcstoretype PKCS12 -srcstorepass Kt6-Pz9q -destkeystore app.jks -deststorepass Kt7-Mx2c\n",
      "Kt6-Pz9q",
      "Kt7-Mx2c",
    ),
    expectAt(
      id,
      "FROM eclipse-temurin:21\nRUN keytool -genkeypair -alias app -keystore app.jks -storepass changeit -keypass changeit -dname CN=app\n",
      { needle: "changeit", severity: "warning" },
      { needle: "changeit", occurrence: 2, severity: "warning" },
    ),
    expectAt(id, "FROM alpine\nRUN wget --user=ci --password=Wg8-Nf3k https://files.corp.local/a.tgz\n", "Wg8-Nf3k"),
    {
      name: "team secret words apply on command lines (issue #20)",
      code: "FROM alpine\nRUN export RELEASE_SIGNING=Rs4-Hq8v-Kz1 && ./release.sh\n",
      names: { secretWords: ["signing"], allowWords: [] },
      errors: [{ ruleId: id, line: 2, column: 28 }],
    },
    expectAt(id, "FROM alpine\nRUN curl -u admin:Fx-CurlPass-21 https://artifacts.corp.local/pkg.tgz -o /tmp/pkg.tgz\n", "Fx-CurlPass-21"),
    expectAt(id, `FROM alpine\nRUN curl -H "Authorization: Bearer ${GH}" https://api.github.com/user\n`, GH),
    // continuation: physical line of the secret
    expectAt(id, "FROM alpine\nRUN apt-get update && \\\n    mysql -uroot -pFx-MysqlPass-22 -e 'select 1' && \\\n    true\n", "Fx-MysqlPass-22"),
    expectAt(id, "FROM docker:27\nRUN docker login -u ci -p Fx-DockerPass-23 registry.corp.local\n", "Fx-DockerPass-23"),
    expectAt(id, "FROM nginx:1.27\nRUN htpasswd -bc /etc/nginx/.htpasswd admin Fx-Htpasswd-24\n", "Fx-Htpasswd-24"),
    expectAt(id, "FROM alpine\nRUN sshpass -p Fx-SshPass-25 scp user@host:/f /f\n", "Fx-SshPass-25"),
    expectAt(id, 'FROM redis:7\nCMD ["redis-server", "--requirepass", "Fx-RedisReq-26"]\n', "Fx-RedisReq-26"),
    expectAt(id, "FROM redis:7\nCMD redis-server --requirepass Fx-RedisReq-27\n", "Fx-RedisReq-27"),
    expectAt(id, "FROM redis:7\nHEALTHCHECK --interval=10s CMD redis-cli -a Fx-RedisCli-28 ping\n", "Fx-RedisCli-28"),
    expectAt(id, 'FROM alpine\nENTRYPOINT ["sh", "-c", "exec app --api-key=Fx-EntryKey-29"]\n', "Fx-EntryKey-29"),
    expectAt(id, "FROM mysql:8\nRUN mysql -e \"CREATE USER 'app'@'%' IDENTIFIED BY 'Fx-Identified-30';\"\n", "Fx-Identified-30"),
    expectAt(id, 'FROM node:22\nRUN echo "//registry.npmjs.org/:_authToken=Fx-NpmAuth-31" > /root/.npmrc && npm ci\n', "Fx-NpmAuth-31"),
    expectAt(id, "FROM alpine\nRUN export API_TOKEN=Fx-Export-32 && ./fetch.sh\n", "Fx-Export-32"),
    // heredoc script: line numbers inside the body
    expectAt(id, "FROM alpine\nRUN <<EOF\nset -e\nPGPASSWORD=Fx-Heredoc-33 psql -h db -c 'select 1'\nEOF\n", "Fx-Heredoc-33"),
    // COPY heredoc writing a dotenv file
    expectAt(id, "FROM alpine\nCOPY <<EOF /app/.env\nDB_HOST=db\nDB_PASSWORD=Fx-CopyHeredoc-34\nEOF\n", "Fx-CopyHeredoc-34"),
    // RUN --mount flags are skipped before the command
    expectAt(id, "FROM alpine\nRUN --mount=type=cache,target=/root/.cache wget --password=Fx-Wget-35 https://h/f\n", "Fx-Wget-35"),
    // ONBUILD trigger
    expectAt(id, "FROM alpine\nONBUILD RUN curl --user ci:Fx-Onbuild-36 https://h/x\n", "Fx-Onbuild-36"),
    // a registry auth written into ~/.docker/config.json
    expectAt(id, 'FROM alpine\nRUN echo \'{"auths":{"registry.corp.local":{"auth":"Fx-DockerCfg-39"}}}\' > /root/.docker/config.json\n', "Fx-DockerCfg-39"),
    // a .netrc written by printf
    expectAt(id, "FROM alpine\nRUN printf 'machine git.corp.local login ci password Fx-Netrc-40\\n' > /root/.netrc\n", "Fx-Netrc-40"),
    // escape=` continuation
    expectAt(
      id,
      "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN net user admin `\n    Fx-WinCli-37 && app.exe --password=Fx-WinCli-38\n",
      "Fx-WinCli-38",
    ),
  ],
});
