// Synthesises realistic Dockerfiles, compose files and env files with planted secrets and
// planted look-alikes, and returns each file's text with its labels (1-based line spans).
import { APK, APT, BASES, INFRA, NPM_SCRIPTS, PIP, PLAIN_ENV, RUNTIME_BASES, SERVICES, VERSIONS } from "./vocab.mjs";
import { placeholderLabel } from "./values.mjs";

/** A run of lines; `labels[].at`/`end` index into `lines`. */
const item = (lines, labels = []) => ({ lines, labels });
const label = (at, kind, secret, value, end = at) => ({ at, end, kind, secret, value });
const bytesOf = (lines) => lines.reduce((s, l) => s + Buffer.byteLength(l) + 1, 0);

function flatten(items) {
  const lines = [];
  const labels = [];
  for (const it of items) {
    for (const l of it.labels)
      labels.push({ line: lines.length + l.at + 1, endLine: lines.length + l.end + 1, kind: l.kind, secret: l.secret, value: l.value });
    lines.push(...it.lines);
  }
  return { text: lines.join("\n") + "\n", labels };
}

const needsYamlQuote = (s) => !/^[A-Za-z0-9_./:@-][A-Za-z0-9_./:@+=-]*$/.test(s) || /^(true|false|yes|no|on|off|null|~|\d+(\.\d+)?)$/i.test(s);
const yq = (s) => (needsYamlQuote(s) ? `"${s}"` : s);
const envq = (s) => (/^[A-Za-z0-9_./:@+=,-]*$/.test(s) ? s : `'${s}'`);

export function createSynth(rng, v) {
  // ---------------------------------------------------------------- secrets, by carrier
  /** [name, make] pairs for `NAME=value` style secrets; make returns { value, kind, secret } */
  const NAMED = [
    () => ({
      name: rng.pick([
        "DB_PASSWORD",
        "POSTGRES_PASSWORD",
        "MYSQL_ROOT_PASSWORD",
        "ADMIN_PASSWORD",
        "SPRING_DATASOURCE_PASSWORD",
        "REDIS_PASSWORD",
        "SMTP_PASSWORD",
        "RABBITMQ_DEFAULT_PASS",
        "KEYCLOAK_ADMIN_PASSWORD",
        "LDAP_BIND_PASSWORD",
      ]),
      value: v.password(),
      kind: "password",
    }),
    () => ({ name: rng.pick(["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"]), value: v.githubToken(), kind: "github-token" }),
    () => ({ name: rng.pick(["GITLAB_TOKEN", "CI_JOB_TOKEN_OVERRIDE", "GL_TOKEN"]), value: v.gitlabToken(), kind: "gitlab-token" }),
    () => ({ name: rng.pick(["SLACK_BOT_TOKEN", "SLACK_TOKEN"]), value: v.slackToken(), kind: "slack-token" }),
    () => ({ name: rng.pick(["SLACK_WEBHOOK_URL", "ALERT_WEBHOOK"]), value: v.slackWebhook(), kind: "slack-webhook" }),
    () => ({ name: rng.pick(["STRIPE_SECRET_KEY", "STRIPE_API_KEY", "PAYMENTS_STRIPE_KEY"]), value: v.stripeKey(), kind: "stripe-key" }),
    () => ({ name: rng.pick(["GOOGLE_API_KEY", "GOOGLE_MAPS_API_KEY", "FIREBASE_API_KEY", "MAPS_KEY"]), value: v.googleApiKey(), kind: "google-api-key" }),
    () => ({ name: rng.pick(["NPM_TOKEN", "NODE_AUTH_TOKEN"]), value: v.npmToken(), kind: "npm-token" }),
    () => ({ name: rng.pick(["DOCKERHUB_TOKEN", "DOCKER_PASSWORD", "REGISTRY_TOKEN"]), value: v.dockerPat(), kind: "docker-token" }),
    () => ({ name: rng.pick(["VAULT_TOKEN"]), value: v.vaultToken(), kind: "vault-token" }),
    () => ({ name: rng.pick(["AUTH_TOKEN", "SERVICE_JWT", "API_BEARER_TOKEN", "INTERNAL_JWT"]), value: v.jwt(), kind: "jwt" }),
    () => ({ name: rng.pick(["AWS_SECRET_ACCESS_KEY"]), value: v.awsSecretAccessKey(), kind: "aws-secret-access-key" }),
    () => ({ name: rng.pick(["AWS_ACCESS_KEY_ID"]), value: v.awsAccessKeyId(), kind: "aws-access-key-id" }),
    () => {
      const scheme = rng.pick(["postgres", "postgresql", "mysql", "mongodb", "redis", "amqp"]);
      const name = {
        postgres: "DATABASE_URL",
        postgresql: "DATABASE_URL",
        mysql: "MYSQL_URL",
        mongodb: "MONGO_URL",
        redis: "REDIS_URL",
        amqp: "CELERY_BROKER_URL",
      }[scheme];
      return { name, value: v.dbUrl(scheme).value, kind: "url-credentials" };
    },
    () => ({
      name: rng.pick(["SECRET_KEY", "DJANGO_SECRET_KEY", "SECRET_KEY_BASE", "APP_SECRET", "SESSION_SECRET", "JWT_SECRET"]),
      value: rng.chance(0.5) ? v.sha256() + v.sha256() : v.password(),
      kind: "generic-secret",
    }),
  ];
  // Literal passwords and connection strings are what Dockerfiles and compose files leak most.
  const NAMED_WEIGHTS = NAMED.map((_, i) => (i === 0 ? 5 : i === 13 ? 2 : 1));
  const named = () => rng.weighted(NAMED.map((make, i) => [make, NAMED_WEIGHTS[i]]))();

  // ---------------------------------------------------------------- Dockerfile pieces
  const pickBase = () => {
    const b = rng.pick(BASES);
    return { ...b, ref: `${b.image}:${rng.pick(b.tags)}` };
  };
  const sameLang = (lang) => {
    const b = rng.pick(BASES.filter((x) => x.lang === lang));
    return { ...b, ref: `${b.image}:${rng.pick(b.tags)}` };
  };
  const genericCmds = (lang) => {
    const cmds = [
      "mkdir -p /app/data /app/logs /app/tmp",
      "groupadd --system --gid 1001 app",
      "useradd --system --uid 1001 --gid app --create-home --home-dir /home/app app",
      "chown -R app:app /app",
      "curl -fsSLo /usr/local/bin/tini https://github.com/krallin/tini/releases/download/${TINI_VERSION}/tini-amd64",
      "chmod +x /usr/local/bin/tini",
      "ln -sf /usr/share/zoneinfo/${TZ} /etc/localtime",
      "sed -i 's/^# *\\(en_US.UTF-8\\)/\\1/' /etc/locale.gen",
      "locale-gen",
      "update-ca-certificates",
      "find /usr/local -depth \\( -type d -a \\( -name test -o -name tests \\) \\) -exec rm -rf '{}' +",
      "wget -qO /tmp/helm.tgz https://get.helm.sh/helm-${HELM_VERSION}-linux-amd64.tar.gz",
      "tar -xzf /tmp/helm.tgz -C /usr/local/bin --strip-components=1 linux-amd64/helm",
      "rm -rf /tmp/* /var/tmp/*",
      "echo 'app ALL=(ALL) NOPASSWD: /usr/bin/supervisorctl' > /etc/sudoers.d/app",
      "printf '[supervisord]\\nnodaemon=true\\n' > /etc/supervisor/conf.d/app.conf",
    ];
    const byLang = {
      node: [
        "npm ci --omit=dev",
        `npm run ${rng.pick(NPM_SCRIPTS)}`,
        "npm prune --omit=dev",
        "npm cache clean --force",
        "corepack enable",
        "pnpm install --frozen-lockfile",
      ],
      python: [
        `pip install --no-cache-dir ${rng.sample(PIP, rng.int(2, 6)).join(" ")}`,
        "pip install --no-cache-dir -r requirements.txt",
        "python -m compileall -q /app",
        "python manage.py collectstatic --noinput",
      ],
      go: [
        'go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/server ./cmd/server',
        "go mod download",
        "go vet ./...",
        "CGO_ENABLED=0 go build -o /out/migrate ./cmd/migrate",
      ],
      rust: ["cargo build --release --locked", "cargo fetch", "strip target/release/app"],
      java: ["mvn -B -q -DskipTests package", "./gradlew --no-daemon bootJar", "java -Djarmode=layertools -jar app.jar extract"],
      ruby: [
        "bundle config set --local without 'development test'",
        "bundle install --jobs 4 --retry 3",
        "bundle exec bootsnap precompile --gemfile app/ lib/",
        "bundle exec rails assets:precompile",
      ],
      php: [
        "docker-php-ext-install -j$(nproc) pdo_pgsql intl opcache zip",
        "composer install --no-dev --optimize-autoloader --no-interaction",
        "pecl install redis-6.0.2",
        "docker-php-ext-enable redis",
      ],
      dotnet: ["dotnet restore", "dotnet publish -c Release -o /out --no-restore"],
    };
    return cmds.concat(byLang[lang] ?? []);
  };
  const aptInstall = (alpine) =>
    alpine
      ? [`apk add --no-cache ${rng.sample(APK, rng.int(3, 8)).join(" ")}`]
      : ["apt-get update", `apt-get install -y --no-install-recommends ${rng.sample(APT, rng.int(4, 14)).join(" ")}`];

  /** A long `RUN a \ && b \ && c` chain; `embedded` are [text, labelKind, secret, value] placed inside. */
  function runChain(lang, alpine, embedded = [], mount = "") {
    const cmds = [...aptInstall(alpine)];
    const pool = genericCmds(lang);
    const n = rng.int(3, 22);
    for (let i = 0; i < n; i++) cmds.push(rng.pick(pool));
    if (!alpine) cmds.push("rm -rf /var/lib/apt/lists/*");
    const slots = embedded.map(() => rng.int(1, cmds.length));
    const lines = [];
    const labels = [];
    let emb = 0;
    const all = [];
    cmds.forEach((c, i) => {
      embedded.forEach((e, j) => {
        if (slots[j] === i) all.push(e);
      });
      all.push([c]);
    });
    embedded.forEach((e, j) => {
      if (slots[j] >= cmds.length) all.push(e);
    });
    all.forEach((e, i) => {
      const first = i === 0;
      const last = i === all.length - 1;
      const text = (first ? `RUN ${mount}` : "    && ") + e[0] + (last ? "" : " \\");
      if (e.length > 1) {
        labels.push(label(lines.length, e[1], e[2], e[3]));
        emb++;
      }
      lines.push(text);
    });
    return item(lines, labels);
  }

  function heredocScript(lang, alpine, embedded = []) {
    const body = ["set -eux", ...aptInstall(alpine)];
    const pool = genericCmds(lang);
    for (let i = 0, n = rng.int(3, 14); i < n; i++) body.push(rng.pick(pool));
    const lines = [rng.chance(0.5) ? "RUN <<EOF" : "RUN <<'EOF'"];
    const labels = [];
    const slots = embedded.map(() => rng.int(1, body.length));
    body.forEach((b, i) => {
      embedded.forEach((e, j) => {
        if (slots[j] === i) {
          labels.push(label(lines.length, e[1], e[2], e[3]));
          lines.push(e[0]);
        }
      });
      lines.push(b);
    });
    lines.push("EOF");
    return item(lines, labels);
  }

  const nginxConf = () => [
    "COPY <<EOF /etc/nginx/conf.d/default.conf",
    "server {",
    `    listen ${rng.pick(["80", "8080"])};`,
    "    server_name _;",
    "    client_max_body_size 20m;",
    "    location / {",
    `        proxy_pass http://${rng.pick(SERVICES)}:${rng.pick(["3000", "8000", "8080"])};`,
    "        proxy_set_header Host \\$host;",
    "        proxy_set_header X-Forwarded-For \\$proxy_add_x_forwarded_for;",
    "    }",
    "    location /static/ { alias /app/static/; expires 7d; }",
    "}",
    "EOF",
  ];

  function dockerFiller(stage) {
    const { lang, alpine } = stage;
    return rng.weighted([
      [() => runChain(lang, alpine), 5],
      [() => heredocScript(lang, alpine), 1],
      [() => item(nginxConf()), 0.3],
      [
        () =>
          item([
            `COPY ${rng.pick(["package.json package-lock.json", "requirements.txt", "go.mod go.sum", "Cargo.toml Cargo.lock", "pom.xml", "Gemfile Gemfile.lock", "composer.json composer.lock"])} ./`,
          ]),
        1,
      ],
      [
        () =>
          item([
            `COPY ${rng.pick(["--chown=app:app ", "--link ", ""])}${rng.pick([". .", "src/ ./src/", "config/ ./config/", "scripts/entrypoint.sh /usr/local/bin/"])}`,
          ]),
        1,
      ],
      [() => item([`WORKDIR ${rng.pick(["/app", "/src", "/usr/src/app", "/opt/app"])}`]), 0.5],
      [
        () => {
          const [k, vals] = rng.pick(PLAIN_ENV);
          return item([`ENV ${k}=${rng.pick(vals).includes(" ") ? `"${rng.pick(vals)}"` : rng.pick(vals)}`]);
        },
        1.5,
      ],
      [
        () => {
          const [k, vals] = rng.pick(VERSIONS);
          return item([`${rng.pick(["ENV", "ARG"])} ${k}=${rng.pick(vals)}`]);
        },
        1,
      ],
      [
        () =>
          item([
            "",
            `# ${rng.pick(["Install build dependencies", "Runtime dependencies only", "Keep the layer small", "Non-root user", "Cache dependencies first", "See https://docs.docker.com/build/building/best-practices/"])}`,
          ]),
        1,
      ],
      [() => item([`EXPOSE ${rng.pick(["80", "3000", "8000", "8080", "9090"])}`]), 0.3],
    ])();
  }

  /** Secrets as Dockerfile instructions. */
  const dockerSecretPlants = [
    () => {
      const s = named();
      return item([`${rng.pick(["ENV", "ENV", "ARG"])} ${s.name}${rng.chance(0.8) ? "=" : " "}${s.value}`], [label(0, s.kind, true, s.value)]);
    },
    () => {
      const s = named();
      return item([`ENV ${s.name}="${s.value}"`], [label(0, s.kind, true, s.value)]);
    },
    () => {
      const id = v.awsAccessKeyId();
      const key = v.awsSecretAccessKey();
      return item(
        [`ENV AWS_ACCESS_KEY_ID=${id} \\`, `    AWS_SECRET_ACCESS_KEY=${key} \\`, `    AWS_DEFAULT_REGION=${rng.pick(["eu-west-1", "us-east-1"])}`],
        [label(0, "aws-access-key-id", true, id), label(1, "aws-secret-access-key", true, key)],
      );
    },
    () => {
      const s = named();
      const [k, vals] = rng.pick(PLAIN_ENV);
      return item([`ENV ${k}=${rng.pick(vals).split(" ")[0]} \\`, `    ${s.name}=${s.value} \\`, `    APP_HOME=/app`], [label(1, s.kind, true, s.value)]);
    },
    () => {
      const t = v.gitlabToken();
      return runChainPlant([`git clone https://oauth2:${t}@gitlab.com/platform/${rng.pick(SERVICES)}.git /src`, "gitlab-token", true, t]);
    },
    () => {
      const t = v.githubToken();
      return runChainPlant([`git clone --depth 1 https://x-access-token:${t}@github.com/acme/${rng.pick(SERVICES)}.git /src`, "github-token", true, t]);
    },
    () => {
      const t = v.npmToken();
      return runChainPlant([`echo "//registry.npmjs.org/:_authToken=${t}" > /root/.npmrc`, "npm-token", true, t]);
    },
    () => {
      const p = v.password();
      return runChainPlant([
        `mysql -h ${rng.pick(["db", "mysql", "127.0.0.1"])} -uroot -p${p} -e "CREATE DATABASE IF NOT EXISTS app"`,
        "mysql-password",
        true,
        p,
      ]);
    },
    () => {
      const p = v.password();
      return runChainPlant([
        `curl -fsSL -u ${rng.pick(["deploy", "ci", "admin"])}:${p} -o /tmp/artifact.tgz https://nexus.internal/repository/releases/app-1.4.2.tgz`,
        "curl-credentials",
        true,
        p,
      ]);
    },
    () => {
      const t = v.jwt();
      return runChainPlant([`curl -fsS -H "Authorization: Bearer ${t}" https://config.internal/v1/bootstrap > /app/bootstrap.json`, "jwt", true, t]);
    },
    () => {
      const t = v.dockerPat();
      return runChainPlant([`echo ${t} | docker login -u ci --password-stdin`, "docker-token", true, t]);
    },
    () => {
      const p = v.password(true);
      return runChainPlant([
        `pip install --no-cache-dir --index-url https://pypi:${p}@pypi.acme-internal.net/simple -r requirements.txt`,
        "url-credentials",
        true,
        p,
      ]);
    },
    () => {
      const u = v.dbUrl("postgres");
      return runChainPlant([`psql "${u.value}" -f /app/schema.sql`, "url-credentials", true, u.secret]);
    },
    () => {
      const t = v.vaultToken();
      return runChainPlant([`VAULT_TOKEN=${t} vault kv get -field=config secret/app > /app/config.json`, "vault-token", true, t]);
    },
    () => {
      const s = named();
      return heredocPlant([`export ${s.name}=${s.value}`, s.kind, true, s.value]);
    },
    () => {
      const key = v.privateKey();
      const path = rng.pick(["/root/.ssh/id_rsa", "/home/app/.ssh/id_ed25519", "/etc/ssl/private/server.key", "/app/certs/jwt.key"]);
      return item([`COPY ${rng.pick(["", "--chmod=600 "])}<<EOF ${path}`, ...key, "EOF"], [label(0, "private-key", true, key[1], key.length)]);
    },
    () => {
      const t = v.npmToken();
      return item(
        ["COPY <<EOF /app/.npmrc", "registry=https://registry.npmjs.org/", `//registry.npmjs.org/:_authToken=${t}`, "EOF"],
        [label(2, "npm-token", true, t)],
      );
    },
    () => {
      const k = v.stripeKey();
      return item(
        [
          "COPY <<EOF /app/config/production.json",
          "{",
          `  "port": ${rng.pick([3000, 8080])},`,
          `  "stripeSecretKey": "${k}",`,
          `  "logLevel": "info"`,
          "}",
          "EOF",
        ],
        [label(3, "stripe-key", true, k)],
      );
    },
    () => {
      const key = v.privateKey();
      return item([`ENV JWT_PRIVATE_KEY="${key.join("\\n")}"`], [label(0, "private-key", true, key[1])]);
    },
  ];
  function runChainPlant(e) {
    return { chain: [e] };
  }
  function heredocPlant(e) {
    return { heredoc: [e] };
  }

  /** Look-alikes as Dockerfile instructions. */
  const dockerDecoyPlants = [
    () => {
      const f = v.gpgFingerprint();
      return item([`ENV GPG_KEY ${f}`], [label(0, "gpg-fingerprint", false, f)]);
    },
    () => {
      const f = v.gpgFingerprint();
      return item([`ENV GPG_KEY=${f}`, `RUN gpg --batch --keyserver hkps://keys.openpgp.org --recv-keys "$GPG_KEY"`], [label(0, "gpg-fingerprint", false, f)]);
    },
    () => {
      const h = v.sha256();
      const n = rng.pick(["PYTHON_SHA256", "NODE_SHA256", "TINI_SHA256", "GOSU_SHA256", "KUBECTL_SHA256", "HELM_SHA256"]);
      return item([`${rng.pick(["ENV", "ARG"])} ${n}=${h}`], [label(0, "checksum", false, h)]);
    },
    () => {
      const h = v.sha256();
      return runChainPlant([`echo "${h}  /tmp/helm.tgz" | sha256sum -c -`, "checksum", false, h]);
    },
    () => {
      const p = rng.pick(["MYSQL_ROOT_PASSWORD", "DB_PASSWORD", "NEXUS_PASSWORD"]);
      const t = `mysql -h db -uroot -p"$${p}" -e "SELECT 1"`;
      return runChainPlant([t, "variable-reference", false, `$${p}`]);
    },
    () => {
      const t = `curl -fsSL -u "$NEXUS_USER:$NEXUS_PASSWORD" -o /tmp/a.tgz https://nexus.internal/repository/releases/a.tgz`;
      return runChainPlant([t, "variable-reference", false, "$NEXUS_PASSWORD"]);
    },
    () => item([`ENV DATABASE_URL=postgres://app:\${DB_PASSWORD}@db:5432/app`], [label(0, "variable-reference", false, "${DB_PASSWORD}")]),
    () => {
      const n = rng.pick(["POSTGRES_PASSWORD_FILE", "MYSQL_PASSWORD_FILE", "DB_PASSWORD_FILE", "API_TOKEN_FILE"]);
      const p = `/run/secrets/${n.toLowerCase().replace(/_file$/, "")}`;
      return item([`ENV ${n}=${p}`], [label(0, "secret-file-reference", false, p)]);
    },
    () => {
      const p = v.placeholder();
      const n = rng.pick(["API_KEY", "ADMIN_PASSWORD", "DB_PASSWORD", "SECRET_KEY", "AUTH_TOKEN"]);
      return item([`${rng.pick(["ENV", "ARG"])} ${n}=${p.includes(" ") || p.includes("<") ? `"${p}"` : p}`], [label(0, ...placeholderLabel(p), p)]);
    },
    () => {
      const s = v.commitSha();
      return item(
        [`LABEL org.opencontainers.image.revision="${s}" \\`, `      org.opencontainers.image.source="https://github.com/acme/${rng.pick(SERVICES)}"`],
        [label(0, "commit-sha", false, s)],
      );
    },
    () => {
      const s = v.commitSha();
      return item([`ARG GIT_COMMIT=${s}`], [label(0, "commit-sha", false, s)]);
    },
    () => {
      const k = v.sshPublicKey();
      return runChainPlant([`echo "${k}" >> /home/app/.ssh/authorized_keys`, "public-key", false, k.split(" ")[1]]);
    },
    () => {
      const pem = v.publicPem();
      return item(
        [`COPY <<EOF /usr/local/share/ca-certificates/internal-ca.crt`, ...pem, "EOF"],
        [label(0, pem[0].includes("CERT") ? "certificate" : "public-key", false, pem[1], pem.length)],
      );
    },
    () => {
      const id = rng.pick(["npmrc", "pip_conf", "aws", "github_token"]);
      return {
        chain: [],
        mount: `--mount=type=secret,id=${id}${rng.chance(0.5) ? `,target=/root/.${id}` : `,env=${id.toUpperCase()}`} `,
        mountLabel: ["secret-mount", false, `type=secret,id=${id}`],
      };
    },
    () => {
      const h = v.sha256();
      const b = pickBase();
      return item([`FROM ${b.ref}@sha256:${h} AS ${rng.pick(["deps", "tools", "base"])}`], [label(0, "image-digest", false, h)]);
    },
    () => {
      const u = v.uuid();
      return item([`ENV ${rng.pick(["NEW_RELIC_APP_ID", "TENANT_ID", "AZURE_CLIENT_ID", "DATADOG_SITE_ID"])}=${u}`], [label(0, "uuid", false, u)]);
    },
  ];

  function resolveDockerPlant(p, stage) {
    if (p.lines) return p;
    if (p.heredoc) return heredocScript(stage.lang, stage.alpine, p.heredoc);
    const it = runChain(stage.lang, stage.alpine, p.chain, p.mount ?? "");
    if (p.mountLabel) it.labels.push(label(0, ...p.mountLabel));
    return it;
  }

  function dockerfile(targetBytes, nSecrets, nDecoys) {
    const head = [];
    if (rng.chance(0.6)) head.push(item([`# syntax=docker/dockerfile:${rng.pick(["1", "1.7", "1.6"])}`]));
    head.push(
      item([`# ${rng.pick(SERVICES)} ${rng.pick(["service", "image", "build"])} — ${rng.pick(["multi-stage build", "production image", "CI image"])}`]),
    );
    const nStages = rng.int(1, 4);
    const stages = [];
    for (let s = 0; s < nStages; s++) {
      const last = s === nStages - 1;
      const base = last && nStages > 1 ? { lang: stages[0].lang, ref: rng.pick(RUNTIME_BASES) } : s > 0 ? sameLang(stages[0].lang) : pickBase();
      const alpine = /alpine/.test(base.ref);
      const name = last ? "runtime" : rng.pick(["deps", "build", "builder", "assets", "test", "tools"]) + (s ? s : "");
      const stage = { lang: base.lang, alpine, items: [item(["", `FROM ${base.ref}${last && nStages > 1 ? "" : ` AS ${name}`}`])] };
      for (let i = 0, n = rng.int(2, 6); i < n; i++) stage.items.push(dockerFiller(stage));
      if (last) {
        stage.items.push(item([`USER ${rng.pick(["app", "1001", "nobody", "node"])}`]));
        if (rng.chance(0.5))
          stage.items.push(
            item([
              `HEALTHCHECK --interval=30s --timeout=3s CMD ${rng.pick(["curl -fsS http://localhost:8080/healthz || exit 1", "wget -qO- http://127.0.0.1:3000/health || exit 1"])}`,
            ]),
          );
        stage.items.push(
          item([
            `ENTRYPOINT ["${rng.pick(["/usr/local/bin/tini", "/usr/bin/dumb-init"])}", "--"]`,
            `CMD ${rng.pick(['["node", "dist/server.js"]', '["gunicorn", "-c", "gunicorn.conf.py", "app.wsgi"]', '["/app/server"]', '["java", "-jar", "/app/app.jar"]'])}`,
          ]),
        );
      }
      stages.push(stage);
    }
    const insert = (it, stage) => {
      // Never before FROM; never after ENTRYPOINT/CMD of the runtime stage.
      const maxPos = stage === stages[stages.length - 1] ? stage.items.length - 1 : stage.items.length;
      stage.items.splice(rng.int(1, Math.max(1, maxPos)), 0, it);
    };
    const size = () => bytesOf(head.flatMap((h) => h.lines)) + stages.reduce((s, st) => s + st.items.reduce((a, it) => a + bytesOf(it.lines), 0), 0);
    while (size() < targetBytes) {
      const st = rng.pick(stages);
      insert(dockerFiller(st), st);
    }
    for (let i = 0; i < nSecrets; i++) {
      const st = rng.pick(stages);
      insert(resolveDockerPlant(rng.pick(dockerSecretPlants)(), st), st);
    }
    for (let i = 0; i < nDecoys; i++) {
      const st = rng.pick(stages);
      const d = rng.pick(dockerDecoyPlants)();
      if (d.lines && /^FROM /.test(d.lines[0])) {
        // A digest-pinned base is a stage of its own, put first.
        stages[0].items.splice(0, 0, d, item(["RUN true"]));
        continue;
      }
      insert(resolveDockerPlant(d, st), st);
    }
    return flatten([...head, ...stages.flatMap((s) => s.items)]);
  }

  // ---------------------------------------------------------------- compose
  /** An env entry: [key, value] plain, or { key, value, label } planted, or { key, block: [...], label } multi-line. */
  const composeSecretEntries = [
    ...Array.from({ length: 7 }, () => () => {
      const s = named();
      return { key: s.name, value: s.value, label: [s.kind, true, s.value] };
    }),
    () => {
      const key = v.privateKey();
      return { key: rng.pick(["TLS_PRIVATE_KEY", "JWT_SIGNING_KEY", "SAML_SP_KEY"]), block: key, label: ["private-key", true, key[1]] };
    },
  ];
  const composeDecoyEntries = [
    () => {
      const n = rng.pick(["POSTGRES_PASSWORD", "DB_PASSWORD", "REDIS_PASSWORD", "API_KEY", "STRIPE_SECRET_KEY", "JWT_SECRET"]);
      const r = rng.pick([`\${${n}}`, `\${${n}:?set ${n} in .env}`, `\${${n}:-}`, `$${n}`]);
      return { key: n, value: r, label: ["variable-reference", false, r] };
    },
    () => {
      const n = rng.pick(["POSTGRES_PASSWORD_FILE", "MYSQL_ROOT_PASSWORD_FILE", "DB_PASSWORD_FILE", "API_TOKEN_FILE"]);
      const p = `/run/secrets/${rng.pick(["db_password", "mysql_root_password", "api_token", "postgres_password"])}`;
      return { key: n, value: p, label: ["secret-file-reference", false, p] };
    },
    () => {
      const p = v.placeholder();
      return { key: rng.pick(["API_KEY", "ADMIN_PASSWORD", "SMTP_PASSWORD", "SECRET_KEY"]), value: p, label: [...placeholderLabel(p), p] };
    },
    () => {
      const s = v.commitSha();
      return { key: rng.pick(["GIT_SHA", "SOURCE_COMMIT", "BUILD_REVISION"]), value: s, label: ["commit-sha", false, s] };
    },
    () => {
      const h = v.sha256();
      return { key: rng.pick(["ASSETS_SHA256", "MODEL_SHA256", "CONFIG_CHECKSUM"]), value: h, label: ["checksum", false, h] };
    },
    () => {
      const f = v.gpgFingerprint();
      return { key: "GPG_KEY", value: f, label: ["gpg-fingerprint", false, f] };
    },
    () => {
      const u = v.uuid();
      return { key: rng.pick(["TENANT_ID", "AZURE_CLIENT_ID", "KEYCLOAK_REALM_ID"]), value: u, label: ["uuid", false, u] };
    },
    () => {
      const pem = v.publicPem();
      return {
        key: rng.pick(["OIDC_PUBLIC_KEY", "CA_CERT", "JWT_PUBLIC_KEY"]),
        block: pem,
        label: [pem[0].includes("CERT") ? "certificate" : "public-key", false, pem[1]],
      };
    },
  ];
  const plainEntry = () => {
    const [k, vals] = rng.pick(PLAIN_ENV);
    return { key: k, value: rng.pick(vals) };
  };

  function composeService(name, infra, dir) {
    return {
      name,
      infra,
      style: rng.chance(0.6) ? "map" : "list",
      env: Array.from({ length: rng.int(1, 9) }, plainEntry),
      args: [],
      extra: [],
      build: !infra && dir.hasDockerfile && rng.chance(0.6),
      image: infra ? infra.image : `registry.internal/acme/${name}:${rng.pick(["1.4.2", "2024.06.1", "latest", "sha-" + v.commitSha().slice(0, 7)])}`,
    };
  }

  function renderService(svc, out, dir) {
    const push = (l, lab) => {
      if (lab) out.labels.push(label(out.lines.length, ...lab));
      out.lines.push(l);
    };
    push(`  ${svc.name}:`);
    if (svc.build) {
      if (svc.args.length || rng.chance(0.3)) {
        push("    build:");
        push("      context: .");
        if (dir.dockerfileName !== "Dockerfile") push(`      dockerfile: ${dir.dockerfileName}`);
        if (svc.args.length) {
          push("      args:");
          for (const a of svc.args) push(`        ${a.key}: ${yq(a.value)}`, a.label);
        }
      } else if (dir.dockerfileName === "Dockerfile") push("    build: .");
      else push(`    build: { context: ., dockerfile: ${dir.dockerfileName} }`);
    }
    if (svc.imageLabel) push(`    image: ${svc.image}`, svc.imageLabel);
    else push(`    image: ${svc.image}`);
    push(`    restart: ${rng.pick(["unless-stopped", "always", "on-failure"])}`);
    if (svc.command) push(`    command: ${svc.command.text}`, svc.command.label);
    if (rng.chance(0.6)) {
      push("    ports:");
      for (let i = 0, n = rng.int(1, 3); i < n; i++) push(`      - "${rng.int(3000, 9999)}:${svc.infra ? svc.infra.port : rng.pick([3000, 8000, 8080])}"`);
    }
    if (dir.hasEnv && rng.chance(0.4)) push(`    env_file: ${dir.envName}`);
    if (svc.env.length) {
      push("    environment:");
      // Keys are unique in a mapping (and should be in a list): drop repeated plain entries,
      // rename repeated planted ones.
      const keys = new Set();
      for (const e0 of svc.env) {
        let e = e0;
        if (keys.has(e.key)) {
          if (!e.label) continue;
          let k = 2;
          while (keys.has(`${["REPLICA", "LEGACY", "BACKUP", "READONLY", "ADMIN"][k % 5]}${k > 4 ? k : ""}_${e.key}`)) k++;
          e = { ...e, key: `${["REPLICA", "LEGACY", "BACKUP", "READONLY", "ADMIN"][k % 5]}${k > 4 ? k : ""}_${e.key}` };
        }
        keys.add(e.key);
        if (e.block) {
          if (svc.style === "list") {
            // Lists cannot hold block scalars; use a one-line value with escaped newlines.
            push(`      - "${e.key}=${e.block.join("\\n")}"`, e.label);
            continue;
          }
          const at = out.lines.length;
          push(`      ${e.key}: |`);
          for (const l of e.block) push(`        ${l}`);
          out.labels.push(label(at, e.label[0], e.label[1], e.label[2], out.lines.length - 1));
        } else if (svc.style === "map") push(`      ${e.key}: ${yq(e.value)}`, e.label);
        else push(`      - ${needsYamlQuote(e.key + "=" + e.value) ? `"${e.key}=${e.value}"` : `${e.key}=${e.value}`}`, e.label);
      }
    }
    if (svc.healthcheck) {
      push("    healthcheck:");
      push(`      test: ${svc.healthcheck.text}`, svc.healthcheck.label);
      push("      interval: 10s");
      push("      retries: 5");
    } else if (rng.chance(0.4)) {
      push("    healthcheck:");
      push(`      test: ["CMD-SHELL", "${rng.pick(["curl -fsS http://localhost:8080/healthz || exit 1", "pg_isready -U postgres", "redis-cli ping"])}"]`);
      push(`      interval: ${rng.pick(["5s", "10s", "30s"])}`);
      push(`      timeout: ${rng.pick(["3s", "5s"])}`);
      push(`      retries: ${rng.int(3, 10)}`);
    }
    if (svc.labels?.length || rng.chance(0.3)) {
      push("    labels:");
      for (const l of svc.labels ?? []) push(`      ${l.text}`, l.label);
      push(`      traefik.enable: "true"`);
      push(`      traefik.http.routers.${svc.name}.rule: "Host(\`${svc.name}.acme.internal\`)"`);
    }
    if (rng.chance(0.5)) {
      push("    volumes:");
      for (let i = 0, n = rng.int(1, 4); i < n; i++)
        push(
          `      - ${rng.pick(["./data", "./config", "app-data", "./logs", "/var/run/docker.sock"])}${i ? i : ""}:${rng.pick(["/data", "/etc/app", "/var/lib/app", "/app/logs"])}${i ? i : ""}${rng.pick(["", ":ro"])}`,
        );
    }
    if (rng.chance(0.5)) {
      push("    depends_on:");
      push(`      ${rng.pick(INFRA).name}:`);
      push(`        condition: ${rng.pick(["service_healthy", "service_started"])}`);
    }
    if (rng.chance(0.3)) {
      push("    deploy:");
      push("      resources:");
      push("        limits:");
      push(`          cpus: "${rng.pick(["0.5", "1", "2"])}"`);
      push(`          memory: ${rng.pick(["256M", "512M", "1G", "2G"])}`);
    }
    if (rng.chance(0.3)) {
      push("    logging:");
      push("      driver: json-file");
      push("      options:");
      push(`        max-size: "${rng.pick(["10m", "50m"])}"`);
      push(`        max-file: "${rng.int(2, 5)}"`);
    }
    if (svc.secretsRef) {
      push("    secrets:");
      push(`      - ${svc.secretsRef}`);
    }
  }

  function compose(targetBytes, nSecrets, nDecoys, dir) {
    const services = [];
    const names = new Set();
    const addService = () => {
      let infra = rng.chance(0.3) ? rng.pick(INFRA) : undefined;
      let name = infra ? infra.name : rng.pick(SERVICES);
      let k = 2;
      const base = name;
      while (names.has(name)) name = `${base}-${k++}`;
      names.add(name);
      services.push(composeService(name, infra, dir));
    };
    addService();
    // Estimate ~600 bytes a service; big compose files come from many services.
    const want = Math.max(1, Math.round(targetBytes / 620));
    while (services.length < want) addService();
    const topSecrets = [];
    for (let i = 0; i < nSecrets; i++) {
      const svc = rng.pick(services);
      const where = rng.weighted([
        ["env", 7],
        ["args", 1],
        ["command", 1],
        ["healthcheck", 1],
      ]);
      if (where === "env") svc.env.splice(rng.int(0, svc.env.length), 0, rng.pick(composeSecretEntries)());
      else if (where === "args" && dir.hasDockerfile) {
        const s = named();
        svc.build = true;
        svc.args.push({ key: s.name, value: s.value, label: [s.kind, true, s.value] });
      } else if (where === "args") {
        svc.env.push(rng.pick(composeSecretEntries)());
      } else if (where === "command" && !svc.command) {
        const p = v.password();
        svc.command = { text: `redis-server --appendonly yes --requirepass ${p}`, label: ["password-argument", true, p] };
      } else if (!svc.healthcheck) {
        const p = v.password();
        svc.healthcheck = { text: `["CMD", "mysqladmin", "ping", "-h", "localhost", "-uroot", "-p${p}"]`, label: ["mysql-password", true, p] };
      } else svc.env.push(rng.pick(composeSecretEntries)());
    }
    for (let i = 0; i < nDecoys; i++) {
      const svc = rng.pick(services);
      const what = rng.weighted([
        ["env", 7],
        ["digest", 1],
        ["revision", 1],
        ["secrets", 1],
        ["health", 0.5],
      ]);
      if (what === "env") svc.env.splice(rng.int(0, svc.env.length), 0, rng.pick(composeDecoyEntries)());
      else if (what === "digest" && !svc.imageLabel) {
        const h = v.sha256();
        svc.image = `${svc.image.split(":")[0]}@sha256:${h}`;
        svc.imageLabel = ["image-digest", false, h];
      } else if (what === "revision" && !svc.labels?.length) {
        const s = v.commitSha();
        (svc.labels ??= []).push({ text: `org.opencontainers.image.revision: "${s}"`, label: ["commit-sha", false, s] });
      } else if (what === "secrets" && !svc.secretsRef) {
        const n = rng.pick(["db_password", "api_token", "tls_key"]) + (topSecrets.length || "");
        svc.secretsRef = n;
        topSecrets.push(n);
      } else if (!svc.healthcheck) {
        svc.healthcheck = {
          text: `["CMD-SHELL", "mysqladmin ping -h localhost -uroot -p$$MYSQL_ROOT_PASSWORD"]`,
          label: ["variable-reference", false, "$$MYSQL_ROOT_PASSWORD"],
        };
      } else svc.env.push(rng.pick(composeDecoyEntries)());
    }
    const out = { lines: [], labels: [] };
    if (rng.chance(0.3)) out.lines.push(`name: ${rng.pick(SERVICES)}-stack`);
    if (rng.chance(0.2)) out.lines.push(`# ${rng.pick(["Local development stack", "Production deployment", "Integration tests"])}`);
    out.lines.push("services:");
    for (const s of services) renderService(s, out, dir);
    if (topSecrets.length) {
      out.lines.push("", "secrets:");
      for (const n of topSecrets) {
        out.lines.push(`  ${n}:`);
        if (rng.chance(0.5)) {
          const p = `./secrets/${n}.txt`;
          out.labels.push(label(out.lines.length, "secret-file-reference", false, p));
          out.lines.push(`    file: ${p}`);
        } else out.lines.push(`    environment: ${n.toUpperCase()}`);
      }
    }
    if (rng.chance(0.6)) out.lines.push("", "volumes:", "  app-data:", "  db-data:");
    if (rng.chance(0.4)) out.lines.push("", "networks:", "  default:", `    name: ${rng.pick(SERVICES)}-net`);
    return flatten([out]);
  }

  // ---------------------------------------------------------------- env files
  function envFile(targetBytes, nSecrets, nDecoys) {
    const items = [];
    if (rng.chance(0.5)) items.push(item([`# ${rng.pick(["Runtime configuration", "Do not commit", "Generated by deploy/render.sh", "Local overrides"])}`]));
    const plain = () => {
      if (rng.chance(0.1)) return item(["", `# ${rng.pick(["Database", "Cache", "Mail", "Observability", "Feature flags", "Storage"])}`]);
      const [k, vals] = rng.pick(PLAIN_ENV);
      const val = rng.pick(vals);
      return item([`${rng.chance(0.1) ? "export " : ""}${k}=${val.includes(" ") ? `"${val}"` : val}`]);
    };
    const size = () => items.reduce((a, it) => a + bytesOf(it.lines), 0);
    while (size() < targetBytes) items.push(plain());
    const insert = (it) => items.splice(rng.int(0, items.length), 0, it);
    const secrets = [
      () => {
        const s = named();
        return item([`${s.name}=${envq(s.value)}`], [label(0, s.kind, true, s.value)]);
      },
      () => {
        const s = named();
        return item([`export ${s.name}="${s.value}"`], [label(0, s.kind, true, s.value)]);
      },
      () => {
        const s = named();
        return item([`${s.name}=${envq(s.value)}`], [label(0, s.kind, true, s.value)]);
      },
      () => {
        const key = v.privateKey();
        const [first, ...rest] = key;
        return item(
          [`${rng.pick(["TLS_KEY", "JWT_PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY"])}="${first}`, ...rest.slice(0, -1), `${rest[rest.length - 1]}"`],
          [label(0, "private-key", true, key[1], key.length - 1)],
        );
      },
    ];
    const decoys = [
      () => {
        const n = rng.pick(["DB_PASSWORD", "API_KEY", "REDIS_PASSWORD"]);
        const r = rng.pick([`\${VAULT_${n}}`, `\${${n}:?required}`]);
        return item([`${n}=${r}`], [label(0, "variable-reference", false, r)]);
      },
      () => {
        const n = rng.pick(["DB_PASSWORD_FILE", "API_TOKEN_FILE", "TLS_KEY_FILE"]);
        const p = `/run/secrets/${n.toLowerCase().replace(/_file$/, "")}`;
        return item([`${n}=${p}`], [label(0, "secret-file-reference", false, p)]);
      },
      () => {
        const p = v.placeholder();
        return item([`${rng.pick(["API_KEY", "SMTP_PASSWORD", "SECRET_KEY", "STRIPE_SECRET_KEY"])}=${envq(p)}`], [label(0, ...placeholderLabel(p), p)]);
      },
      () => {
        const s = v.commitSha();
        return item([`${rng.pick(["GIT_SHA", "SOURCE_VERSION", "RELEASE_COMMIT"])}=${s}`], [label(0, "commit-sha", false, s)]);
      },
      () => {
        const h = v.sha256();
        return item([`${rng.pick(["BUNDLE_SHA256", "MODEL_SHA256"])}=${h}`], [label(0, "checksum", false, h)]);
      },
      () => {
        const k = v.sshPublicKey();
        return item([`DEPLOY_PUBLIC_KEY="${k}"`], [label(0, "public-key", false, k.split(" ")[1])]);
      },
      () => {
        const f = v.gpgFingerprint();
        return item([`GPG_KEY=${f}`], [label(0, "gpg-fingerprint", false, f)]);
      },
      () => {
        const u = v.uuid();
        return item([`${rng.pick(["TENANT_ID", "AZURE_CLIENT_ID"])}=${u}`], [label(0, "uuid", false, u)]);
      },
    ];
    for (let i = 0; i < nSecrets; i++) insert(rng.pick(secrets)());
    for (let i = 0; i < nDecoys; i++) insert(rng.pick(decoys)());
    return flatten(items);
  }

  return { dockerfile, compose, envFile };
}
