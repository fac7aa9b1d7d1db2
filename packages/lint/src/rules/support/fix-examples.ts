/**
 * Fix hints name the technology the finding is about: an `amqp://` URL gets an `amqp://`
 * example, a JDBC URL a JDBC one, and a command line an example with its own program and option,
 * never another product's. Only names and schemes are used, never the value.
 */

const URL_EXAMPLES: Array<[RegExp, string]> = [
  [/^postgres(ql)?$/, "`postgres://app:${DB_PASSWORD}@db:5432/app`, or leave the password out and set `PGPASSFILE`"],
  [/^(mysql|mariadb)(\+\w+)?$/, "`mysql://app:${DB_PASSWORD}@db:3306/app`"],
  [/^mongodb(\+srv)?$/, "`mongodb://app:${MONGO_PASSWORD}@mongo:27017/app?authSource=admin`"],
  [/^amqps?$/, "`amqp://app:${RABBITMQ_PASSWORD}@rabbitmq:5672/vhost`"],
  [/^rediss?$/, "`redis://:${REDIS_PASSWORD}@redis:6379/0`"],
  [/^(mssql|sqlserver)$/, "`sqlserver://app:${DB_PASSWORD}@db:1433?database=app`"],
  [/^(kafka|nats|mqtt)s?$/, "`$SCHEME://app:${BROKER_PASSWORD}@broker`"],
  [/^(https?|ftps?|sftp|ssh|git)$/, "`$SCHEME://user:${API_TOKEN}@host/path`, or better, a credential helper or an `Authorization` header read from a file"],
];

/** The scheme of the URL whose userinfo starts before `index` (`jdbc:postgresql` for JDBC), if any. */
export function schemeBefore(source: string, index: number): string | undefined {
  const lineStart = source.lastIndexOf("\n", index - 1) + 1;
  const before = source.slice(Math.max(lineStart, index - 300), index);
  const m = /((?:jdbc:)?[A-Za-z][A-Za-z0-9+.-]*):\/\/[^\s'"`]*$/.exec(before);
  return m?.[1].toLowerCase();
}

/** "Build the URL from a variable (`amqp://app:${RABBITMQ_PASSWORD}@…`) …" for the scheme at hand. */
export function urlCredentialFix(source: string, index: number, kind: string): string {
  const scheme = schemeBefore(source, index);
  const jdbc = scheme?.startsWith("jdbc:") || /jdbc:[a-z]+:/i.test(source.slice(source.lastIndexOf("\n", index - 1) + 1, index));
  if (jdbc) {
    return "Keep the JDBC URL free of the password (`jdbc:postgresql://db:5432/app?user=app`) and pass it as the driver's separate `password` property (e.g. `spring.datasource.password` from `SPRING_DATASOURCE_PASSWORD_FILE`), from a secret.";
  }
  if (kind === "connection-string-password" && !scheme) {
    return "Keep the password out of the connection string (`Server=db;User Id=app;Password=${DB_PASSWORD};`, with `DB_PASSWORD` from a secret), or use the platform's identity (managed identity, IAM auth) instead of a password.";
  }
  if (kind === "libpq-password") {
    return "Leave `password=` out of the connection string (`host=db user=app dbname=app`) and let libpq read it from `PGPASSFILE` or `PGPASSWORD` set from a secret.";
  }
  if (scheme) {
    const example = URL_EXAMPLES.find(([re]) => re.test(scheme))?.[1] ?? "`$SCHEME://user:${PASSWORD}@host`";
    return `Build the URL from a variable (${example.replaceAll("$SCHEME", scheme)}) whose value comes from a secret, or pass the password separately (a \`*_PASSWORD_FILE\` variable).`;
  }
  return "Build the value from a variable whose value comes from a secret, or pass the password separately (a `*_PASSWORD_FILE` variable).";
}

/**
 * For a secret on a compose command line: the same program and option, reading the secret from
 * the file a compose secret mounts, e.g. `sh -c 'rabbitmq-server --erlang-cookie "$$(cat …)"'`.
 */
export function commandLineFix(shell: string, valueIndex: number): string {
  const program = /^\s*(?:exec\s+)?([^\s'"=]+)/.exec(shell)?.[1]?.split("/").pop();
  const option = /(--?[A-Za-z][\w.-]*)(=|\s+)['"]?$/.exec(shell.slice(Math.max(0, valueIndex - 80), valueIndex));
  const id = (option?.[1].replace(/^-+/, "") ?? "secret").replace(/[^A-Za-z0-9]+/g, "_").toLowerCase();
  const use = `"$$(cat /run/secrets/${id})"`;
  const example =
    program && option ? `\`sh -c '${program} … ${option[1]}${option[2] === "=" ? "=" : " "}${use}'\`` : `\`sh -c '${program ?? "<command>"} … ${use}'\``;
  return (
    `Read the secret inside the container instead: grant a compose secret (\`secrets: [${id}]\`) and use it from the file, e.g. ${example}, ` +
    "or reference an environment variable set from a secret (`$$NAME`). Many images also take a `*_FILE` variable for it."
  );
}
