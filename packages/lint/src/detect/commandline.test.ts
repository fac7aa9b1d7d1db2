import { describe, expect, it } from "vitest";
import { findCommandLineSecrets } from "./commandline.js";

/** The raw spans found, so a test reads as "this text is the secret". */
const found = (shell: string) => findCommandLineSecrets(shell).map((m) => shell.slice(m.index, m.index + m.length));

describe("findCommandLineSecrets", () => {
  it.each([
    ["curl -u admin:Curl-Pass-1 https://api.local", ["Curl-Pass-1"]],
    ["curl --user=admin:Curl-Pass-2 https://api.local", ["Curl-Pass-2"]],
    ["curl -uadmin:Curl-Pass-3 https://api.local", ["Curl-Pass-3"]],
    ["curl -H 'Authorization: Bearer Hdr-Bearer-Tok-4' https://api.local", ["Hdr-Bearer-Tok-4"]],
    ['curl --header "Authorization: Basic YWRtaW46QmFzaWMtUGFzcw==" https://api.local', ["YWRtaW46QmFzaWMtUGFzcw=="]],
    ["curl -H 'X-Api-Key: Hdr-Api-Key-5' https://api.local", ["Hdr-Api-Key-5"]],
    ["curl -H 'PRIVATE-TOKEN: Gl-Hdr-Tok-6' https://gitlab.local", ["Gl-Hdr-Tok-6"]],
    ["wget --password=Wget-Pass-7 https://x", ["Wget-Pass-7"]],
    ["wget --http-password Wget-Pass-8 https://x", ["Wget-Pass-8"]],
    ["mysql -uroot -pMysql-Pass-9 -e 'select 1'", ["Mysql-Pass-9"]],
    ["mysql --password=Mysql-Pass-10 app", ["Mysql-Pass-10"]],
    ["mysqladmin -u root -p'Adm-Pass 11' status", ["Adm-Pass 11"]],
    ["docker login -u ci -p Dock-Pass-12 registry.local", ["Dock-Pass-12"]],
    ["docker login --password Dock-Pass-13 -u ci registry.local", ["Dock-Pass-13"]],
    ["echo Dock-Pass-14 | docker login -u ci --password-stdin registry.local", ["Dock-Pass-14"]],
    ["htpasswd -cb /etc/nginx/.htpasswd admin Htp-Pass-15", ["Htp-Pass-15"]],
    ["htpasswd -nbB admin Htp-Pass-16 > x", ["Htp-Pass-16"]],
    ["sshpass -p Ssh-Pass-17 ssh user@host", ["Ssh-Pass-17"]],
    ["redis-cli -a Redis-Pass-18 ping", ["Redis-Pass-18"]],
    ["redis-server --requirepass Redis-Pass-19", ["Redis-Pass-19"]],
    [`mysql -e "CREATE USER 'app'@'%' IDENTIFIED BY 'Sql-Pass-20';"`, ["Sql-Pass-20"]],
    [`psql -c "ALTER USER postgres WITH PASSWORD 'Pg-Pass-21'"`, ["Pg-Pass-21"]],
    ["export API_TOKEN=Exp-Tok-22", ["Exp-Tok-22"]],
    ["DB_PASSWORD=Inline-Pass-23 ./migrate.sh", ["Inline-Pass-23"]],
    ["PGPASSWORD=Pg-Pass-24 psql -h db -U app", ["Pg-Pass-24"]],
    ["./deploy --api-key=Flag-Key-25", ["Flag-Key-25"]],
    ["./deploy --token Flag-Tok-26 --verbose", ["Flag-Tok-26"]],
    ["./cli --client-secret=Flag-Sec-27", ["Flag-Sec-27"]],
    [`echo "//registry.npmjs.org/:_authToken=Npm-Auth-28" > ~/.npmrc`, ["Npm-Auth-28"]],
    ["npm config set //registry.npmjs.org/:_authToken Npm-Auth-29", ["Npm-Auth-29"]],
    ["npm config set //registry.npmjs.org/:_authToken=Npm-Auth-30", ["Npm-Auth-30"]],
    ["echo 'root:Root-Pass-31' | chpasswd", ["Root-Pass-31"]],
    ["docker run -e DB_PASSWORD=Env-Pass-32 app", ["Env-Pass-32"]],
    ["helm upgrade app ./chart --set db.password=Helm-Pass-33", ["Helm-Pass-33"]],
    ["keytool -importkeystore -srcstorepass Ks-Pass-34 -deststorepass Ks-Pass-35", ["Ks-Pass-34", "Ks-Pass-35"]],
    ["openssl pkcs12 -export -passout pass:Ossl-Pass-36 -out a.p12", ["Ossl-Pass-36"]],
    ["ssh-keygen -t ed25519 -N 'Ssh-Phrase-37' -f key", ["Ssh-Phrase-37"]],
    ["mongosh -u admin -p Mongo-Pass-38 --eval 'db'", ["Mongo-Pass-38"]],
    ["rabbitmqctl add_user app Rabbit-Pass-39", ["Rabbit-Pass-39"]],
    ["sudo -u app env API_KEY=Sudo-Key-40 ./run", ["Sudo-Key-40"]],
    ["set -eux; \\\n  export SECRET_KEY=Cont-Sec-41; \\\n  run", ["Cont-Sec-41"]],
    ["aws configure set aws_secret_access_key Aws-Cfg-43", ["Aws-Cfg-43"]],
    ["git config --global credential.password Git-Cfg-44", ["Git-Cfg-44"]],
    ["vault kv put secret/app api_key=Vault-Key-42", ["Vault-Key-42"]],
    ["java -Dspring.datasource.password=Jvm-Prop-45 -jar app.jar", ["Jvm-Prop-45"]],
    [`curl -d '{"username":"admin","password":"Json-Body-46"}' https://api.local/login`, ["Json-Body-46"]],
    [`mongosh --eval 'db.createUser({user: "app", pwd: "Mongo-Eval-47", roles: []})'`, ["Mongo-Eval-47"]],
    ["useradd -m -p \"$(openssl passwd -6 Openssl-Pw-48)\" app", ["Openssl-Pw-48"]],
    ["echo -e 'Passwd-Pipe-49\\nPasswd-Pipe-49' | passwd root", ["Passwd-Pipe-49"]],
  ])("finds the secret (case %#)", (shell, want) => {
    expect(found(shell)).toEqual(want);
  });

  it.each([
    "curl -u admin https://api.local",
    "curl -u \"$USER:$PASS\" https://api.local",
    "curl -H \"Authorization: Bearer ${TOKEN}\" https://api.local",
    "curl -H 'Accept: application/json' https://api.local",
    "mysql -u root -p app",
    "mysql -u root -p",
    "mysql --password app",
    "docker login -u ci --password-stdin < /run/secrets/registry",
    "cat /run/secrets/pw | docker login -u ci --password-stdin",
    "export API_TOKEN=$(cat /run/secrets/api_token)",
    "export API_TOKEN=\"${API_TOKEN}\"",
    "DB_PASSWORD_FILE=/run/secrets/db ./migrate.sh",
    "export PASSWORD=changeme",
    "./deploy --password-file=/run/secrets/pw",
    "./deploy --token-file /run/secrets/tok",
    "key='B42F6819007F00F88E364FD4036A9C25BF357DD4'; gpg --batch --keyserver keyserver.ubuntu.com --recv-keys \"$key\"",
    "export GNUPGHOME=\"$(mktemp -d)\"; gpg --batch --recv-keys \"$GPG_KEY\"",
    "for key in $NODE_KEYS; do gpg --recv-keys \"$key\"; done",
    "sed -i 's/PASSWORD=.*/PASSWORD=${PASS}/' /etc/app.conf",
    "ssh-keygen -t ed25519 -N '' -f key",
    "echo 'Password must be set' && exit 1",
    "pip install --no-cache-dir keyring",
    "RUN --mount=type=secret,id=npm,env=NPM_TOKEN npm ci",
    "openssl req -passin env:KEY_PASS -new",
    "keytool -storepass:env STORE_PASS -list",
    "htpasswd -c /etc/nginx/.htpasswd admin",
    "echo \"$PASSWORD\" | chpasswd",
    "java -Dserver.port=8080 -Djavax.net.ssl.trustStorePassword=changeit -jar app.jar",
    `curl -d '{"username":"admin","password":"$PASSWORD"}' https://api.local/login`,
    `curl -H 'Content-Type: application/json' -d '{"name":"x","token_ttl":"3600"}' https://api.local`,
    "redis-cli -a \"$(cat /run/secrets/redis)\" ping",
    "export TOKEN_TTL=3600 SECRET_NAME=app",
    "",
    "'unterminated \"quote \\",
  ])("skips non-secrets: %s", (shell) => {
    expect(found(shell)).toEqual([]);
  });

  it("returns the unquoted value next to the raw span", () => {
    const [m] = findCommandLineSecrets(`mysql -p"Quoted Pass" db`);
    expect(m.value).toBe("Quoted Pass");
    expect(m.kind).toBe("secret-flag");
  });
});
