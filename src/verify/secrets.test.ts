import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { rules as installedPresetRules } from '@secretlint/secretlint-rule-preset-recommend';
import { encodeHiddenPassword } from '../answer-file/sensitive.js';
import { cryptScheme, LINUX_RULES, loadSecretRules, PRESET_KEYWORDS, presetRuleNames, secretPathRule } from './secrets.js';
import type { SecretHit, Severity } from './types.js';

const rules = await loadSecretRules();
const none = { keepAccounts: [] as string[] };

/** Deterministic random text (a token's body), so the samples are stable and no real token is committed. */
let seed = 12345;
function rand(n: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    s += alphabet[seed % alphabet.length];
  }
  return s;
}
const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

// keys made now: no key is committed
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
const EC_PEM = ec.export({ type: 'sec1', format: 'pem' }) as string;
const EC_PKCS8 = ec.export({ type: 'pkcs8', format: 'pem' }) as string;
const ED25519_PKCS8 = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const RSA_PEM = rsa.export({ type: 'pkcs1', format: 'pem' }) as string;
const PKCS8_ENCRYPTED = ec.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'passphrase-x' }) as string;
const LEGACY_ENCRYPTED = rsa.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'passphrase-x' }) as string;
const PGP_BODY = rand(64, B64) + '\n' + rand(64, B64) + '\n' + rand(64, B64) + '\n' + rand(40, B64) + '\n=' + rand(4, B64);
const PUTTY = (enc: string) =>
  `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: ${enc}\nComment: eddsa-key-20240101\nPublic-Lines: 2\n${rand(64, B64)}\n${rand(4, B64)}\n` +
  `Private-Lines: 1\n${rand(44, B64)}\nPrivate-MAC: ${rand(64, HEX)}\n`;
const onePassword = (() => {
  // a base64 JSON object whose length leaves "fQ" (a final "}") at the end
  for (let n = 100; ; n++) {
    const json = JSON.stringify({ email: 'ops@example.org', secretKey: 'A3-' + 'x'.repeat(n) });
    if (json.length % 3 === 1) return Buffer.from(json).toString('base64');
  }
})();

interface Sample {
  rule: string;
  path: string;
  text: string;
  /** the value that must never appear in a message */
  secret: string;
  severity?: Severity;
  line?: number;
}

const SECRETS = {
  aws: rand(40, B64),
  github: 'ghp_' + rand(36),
  slack: `xoxb-${rand(11, '0123456789')}-${rand(13, '0123456789')}-${rand(24)}`,
  basicPassword: 'Xk9rT2vQ7mLp',
  npm: 'npm_' + rand(36),
};

/** For every rule: secrets it must find. */
const POSITIVE: Sample[] = [
  // the preset (every rule of it)
  { rule: 'secretlint/aws', path: '/root/.aws/credentials', text: `[default]\naws_access_key_id = AKIA${rand(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}\naws_secret_access_key = ${SECRETS.aws}\n`, secret: SECRETS.aws, line: 3 },
  { rule: 'secretlint/gcp', path: '/opt/app/service-account.json', text: JSON.stringify({ type: 'service_account', private_key_id: rand(40, HEX), private_key: EC_PEM.replace('EC PRIVATE', 'PRIVATE') }), secret: EC_PEM.split('\n')[1]! },
  { rule: 'secretlint/privatekey', path: '/etc/ssl/private/ec.key', text: EC_PKCS8, secret: EC_PKCS8.split('\n')[1]!, line: 1 },
  { rule: 'secretlint/privatekey', path: '/etc/ssl/private/app.key', text: `# app key\n${RSA_PEM}`, secret: RSA_PEM.split('\n')[2]!, line: 2 },
  { rule: 'secretlint/npm', path: '/root/.npmrc', text: `//registry.npmjs.org/:_authToken=${SECRETS.npm}\n`, secret: SECRETS.npm },
  { rule: 'secretlint/basicauth', path: '/etc/apt/sources.list.d/private.list', text: `deb https://deploy:${SECRETS.basicPassword}@apt.corp-mirror.net/debian bookworm main\n`, secret: SECRETS.basicPassword },
  { rule: 'secretlint/slack', path: '/opt/bot/.env', text: `SLACK_BOT=${SECRETS.slack}\n`, secret: SECRETS.slack },
  { rule: 'secretlint/sendgrid', path: '/etc/app.conf', text: `key = SG.${rand(22)}.${rand(43)}\n`, secret: 'SG.' },
  { rule: 'secretlint/shopify', path: '/etc/app.conf', text: `shop = shpat_${rand(32, HEX)}\n`, secret: 'shpat_' },
  { rule: 'secretlint/github', path: '/root/.config/gh/hosts.yml', text: `github.com:\n    oauth_token: ${SECRETS.github}\n`, secret: SECRETS.github, line: 2 },
  { rule: 'secretlint/gitlab', path: '/etc/app.conf', text: `token=glpat-${rand(20)}\n`, secret: 'glpat-' },
  { rule: 'secretlint/grafana', path: '/etc/app.conf', text: `token=glsa_${rand(32)}_${rand(8, HEX)}\n`, secret: 'glsa_' },
  { rule: 'secretlint/openai', path: '/etc/app.conf', text: `OPENAI=sk-${rand(20)}T3BlbkFJ${rand(20)}\n`, secret: 'T3BlbkFJ' },
  { rule: 'secretlint/anthropic', path: '/etc/app.conf', text: `KEY=sk-ant-api03-${rand(93)}AA\n`, secret: 'sk-ant-api03-' },
  { rule: 'secretlint/groq', path: '/etc/app.conf', text: `KEY=gsk_${rand(52)}\n`, secret: 'gsk_' },
  { rule: 'secretlint/huggingface', path: '/etc/app.conf', text: `HF=hf_${rand(34, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ')}\n`, secret: 'hf_' },
  { rule: 'secretlint/linear', path: '/etc/app.conf', text: `LINEAR=lin_api_${rand(40)}\n`, secret: 'lin_api_' },
  { rule: 'secretlint/notion', path: '/etc/app.conf', text: `NOTION=ntn_${rand(11, '0123456789')}${rand(35)}\n`, secret: 'ntn_' },
  { rule: 'secretlint/1password', path: '/etc/app.conf', text: `OP_SERVICE_ACCOUNT_TOKEN=ops_${onePassword}\n`, secret: onePassword.slice(0, 20) },
  { rule: 'secretlint/database-connection-string', path: '/opt/app/.env', text: 'DATABASE_URL=postgresql://app:Zq8vN3kL2p@db.internal:5432/app\n', secret: 'Zq8vN3kL2p' },
  { rule: 'secretlint/hashicorp-vault', path: '/root/.vault-token', text: `hvs.${rand(95)}\n`, secret: 'hvs.' },
  { rule: 'secretlint/vercel', path: '/etc/app.conf', text: `VERCEL=vcp_${rand(24)}\n`, secret: 'vcp_' },
  { rule: 'secretlint/databricks', path: '/etc/app.conf', text: `DATABRICKS=dapi${rand(32, HEX)}\n`, secret: 'dapi' },
  { rule: 'secretlint/docker', path: '/etc/app.conf', text: `DOCKER=dckr_pat_${rand(27)}\n`, secret: 'dckr_pat_' },
  { rule: 'secretlint/figma', path: '/etc/app.conf', text: `FIGMA=figd_${rand(40)}\n`, secret: 'figd_' },

  // linux/shadow-password
  { rule: 'linux/shadow-password', path: '/etc/shadow', text: 'root:*:19000:0:99999:7:::\nalice:$y$j9T$Gf3Zc1$Ql9kT2xZbM8pQv7nR4sW6eYhJ0aLcD5uVwXyZ1234:19000:0:99999:7:::\n', secret: 'Ql9kT2xZbM8pQv7nR4', severity: 'high', line: 2 },
  { rule: 'linux/shadow-password', path: '/etc/shadow-', text: 'bob:!$6$saltsalt$c2VjcmV0aGFzaHNlY3JldGhhc2g:19000:0:99999:7:::\n', secret: 'c2VjcmV0aGFzaHNl', severity: 'medium' },
  { rule: 'linux/shadow-password', path: '/etc/shadow', text: 'carol:Ab3dEf6hIj9kL:19000:0:99999:7:::\n', secret: 'Ab3dEf6hIj9kL', severity: 'high' },
  { rule: 'linux/shadow-password', path: '/etc/gshadow', text: 'root:*::\ndevs:$6$grpsalt$Z3JvdXBoYXNoZ3JvdXBoYXNo::alice\n', secret: 'Z3JvdXBoYXNo', severity: 'high', line: 2 },
  { rule: 'linux/shadow-password', path: '/root/old-shadow.txt', text: 'daemon:*:19000:0:99999:7:::\nroot:$y$j9T$salt$aGFzaGhhc2hoYXNo:19000:0:99999:7:::\n', secret: 'aGFzaGhhc2hoYXNo', severity: 'high', line: 2 },

  // linux/shell-history-credential: one sample per kind
  ...([
    ['/root/.bash_history', 'ls\nmysql -u root -pHunter2x1 appdb\n', 'Hunter2x1', 2],
    ['/root/.bash_history', 'mysqldump --password=Hunter2x2 appdb > dump.sql\n', 'Hunter2x2', 1],
    ['/home/alice/.bash_history', 'sshpass -p Hunter2x3 ssh admin@10.0.0.9\n', 'Hunter2x3', 1],
    ['/home/alice/.bash_history', 'curl -u admin:Hunter2x4 https://nexus.internal/api\n', 'Hunter2x4', 1],
    ['/home/alice/.bash_history', 'curl --user=admin:Hunter2x5 https://nexus.internal/api\n', 'Hunter2x5', 1],
    ['/root/.bash_history', 'export GITHUB_TOKEN=Hunter2x6abc\n', 'Hunter2x6abc', 1],
    ['/root/.bash_history', 'export DB_PASSWORD="Hunter2x7"\n', 'Hunter2x7', 1],
    ['/root/.bash_history', 'PGPASSWORD=Hunter2x8 psql -h db -U app\n', 'Hunter2x8', 1],
    ['/root/.bash_history', 'MYSQL_PWD=Hunter2x9 mysql -u app\n', 'Hunter2x9', 1],
    ['/root/.zsh_history', ': 1700000000:0;docker login -u bot -p Hunter2y1 registry.example.org\n', 'Hunter2y1', 1],
    ['/root/.zsh_history', ': 1700000001:0;echo Hunter2y2 | docker login -u bot --password-stdin ghcr.io\n', 'Hunter2y2', 1],
    ['/root/.bash_history', 'echo "alice:Hunter2y3" | sudo chpasswd\n', 'Hunter2y3', 1],
    ['/root/.bash_history', 'kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:00\n', '0123456789abcdef', 1],
    ['/root/.bash_history', 'redis-cli -h cache -a Hunter2y4 ping\n', 'Hunter2y4', 1],
    ['/root/.bash_history', 'openssl pkcs12 -export -in c.pem -passout pass:Hunter2y5 -out c.p12\n', 'Hunter2y5', 1],
    ['/root/.bash_history', 'smbclient //fs/share -U alice%Hunter2y6\n', 'Hunter2y6', 1],
    ['/root/.bash_history', 'mount -t cifs //fs/share /mnt -o username=alice,password=Hunter2y7\n', 'Hunter2y7', 1],
    ['/root/.bash_history', 'htpasswd -b /etc/nginx/.htpasswd alice Hunter2y8\n', 'Hunter2y8', 1],
    ['/root/.bash_history', 'ldapsearch -x -D cn=admin,dc=example -w Hunter2y9 -b dc=example\n', 'Hunter2y9', 1],
    ['/root/.bash_history', 'sudo -u postgres psql -c "ALTER USER app WITH PASSWORD \'Hunter2z1\'"\n', 'Hunter2z1', 1],
    ['/home/alice/.local/share/fish/fish_history', '- cmd: set -gx API_TOKEN Hunter2z2\n  when: 1700000000\n', 'Hunter2z2', 1],
    ['/var/lib/postgresql/.psql_history', "select 1;\nCREATE ROLE app LOGIN PASSWORD 'Hunter2z3';\n", 'Hunter2z3', 2],
    ['/root/.mysql_history', "CREATE\\040USER\\040'app'@'%'\\040IDENTIFIED\\040BY\\040'Hunter2z4';\n", 'Hunter2z4', 1],
    ['/root/.rediscli_history', 'AUTH Hunter2z5\n', 'Hunter2z5', 1],
    ['/root/.python_history', 'import psycopg2\nc = psycopg2.connect(host="db", password="Hunter2z6")\n', 'Hunter2z6', 2],
    ['/root/.bash_history', 'wget --http-password=Hunter2z7 https://files.internal/x\n', 'Hunter2z7', 1],
    ['/root/.bash_history', 'echo Hunter2z8 | passwd --stdin alice\n', 'Hunter2z8', 1],
  ] as const).map(([path, text, secret, line]): Sample => ({ rule: 'linux/shell-history-credential', path, text, secret, line, severity: 'high' })),

  // linux/git-credentials
  { rule: 'linux/git-credentials', path: '/home/alice/.git-credentials', text: 'https://alice:Hunter3a1b2@github.com\n', secret: 'Hunter3a1b2', line: 1 },
  { rule: 'linux/git-credentials', path: '/root/.config/git/credentials', text: 'https://oauth2:glx%2Fsecret%40x@gitlab.corp.net\n', secret: 'glx%2Fsecret%40x' },
  // linux/netrc
  { rule: 'linux/netrc', path: '/root/.netrc', text: 'machine ftp.example.org login alice password Hunter3c\n', secret: 'Hunter3c', line: 1 },
  { rule: 'linux/netrc', path: '/home/alice/.netrc', text: 'machine api.heroku.com\n  login alice@example.org\n  password "Hunter 3d"\n', secret: 'Hunter 3d', line: 3 },
  // linux/docker-auth
  { rule: 'linux/docker-auth', path: '/root/.docker/config.json', text: JSON.stringify({ auths: { 'registry.example.org': { auth: Buffer.from('bot:Hunter3e').toString('base64') } } }, null, 2), secret: Buffer.from('bot:Hunter3e').toString('base64'), line: 4 },
  { rule: 'linux/docker-auth', path: '/run/containers/0/auth.json', text: JSON.stringify({ auths: { 'quay.io': { identitytoken: 'Hunter3f-identity' } } }), secret: 'Hunter3f-identity' },
  { rule: 'linux/docker-auth', path: '/srv/backup/docker-config.json', text: `{"auths": {"ghcr.io": {"auth": "${Buffer.from('u:Hunter3g').toString('base64')}"}}}`, secret: Buffer.from('u:Hunter3g').toString('base64') },
  // linux/kubeconfig-key
  { rule: 'linux/kubeconfig-key', path: '/root/.kube/config', text: `apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    client-certificate-data: ${rand(60, B64)}\n    client-key-data: ${rand(80, B64)}HUNTERKEY\n`, secret: 'HUNTERKEY', line: 7 },
  { rule: 'linux/kubeconfig-key', path: '/srv/ci/kubeconfig.yaml', text: 'apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: eyJhbGciOiJSUzI1NiJ9.HunterToken.sig\n', secret: 'HunterToken', line: 6 },
  // linux/answer-file-password
  { rule: 'linux/answer-file-password', path: '/etc/sysprep/unattend.xml', text: answerFile('<UserAccounts><AdministratorPassword><Value>Hunter4a!</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts>'), secret: 'Hunter4a!', severity: 'high', line: 3 },
  { rule: 'linux/answer-file-password', path: '/srv/deploy/answers.xml', text: answerFile('<AutoLogon><Enabled>true</Enabled><Username>builder</Username><Password><Value>Hunter4b</Value><PlainText>true</PlainText></Password></AutoLogon>'), secret: 'Hunter4b', severity: 'high' },
  { rule: 'linux/answer-file-password', path: '/var/lib/sysprep/panther/unattend.xml', text: answerFile(`<UserAccounts><AdministratorPassword><Value>${encodeHiddenPassword('Hunter4c', 'AdministratorPassword')}</Value><PlainText>false</PlainText></AdministratorPassword></UserAccounts>`), secret: encodeHiddenPassword('Hunter4c', 'AdministratorPassword'), severity: 'medium' },
  { rule: 'linux/answer-file-password', path: '/root/autounattend.xml', text: Buffer.from('\ufeff' + answerFile('<UserAccounts><LocalAccounts><LocalAccount><Name>a</Name><Password><Value>Hunter4d</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>'), 'utf16le').toString('latin1'), secret: 'Hunter4d', severity: 'high' },
  { rule: 'linux/answer-file-password', path: '/root/broken-unattend.xml', text: '<unattend>\n<AdministratorPassword><Value>Hunter4e</Value><PlainText>true</PlainText></AdministratorPassword>\n', secret: 'Hunter4e', severity: 'high', line: 2 },
  // linux/private-key and linux/encrypted-private-key
  { rule: 'linux/private-key', path: '/root/.ssh/id_ecdsa', text: EC_PEM, secret: EC_PEM.split('\n')[1]!, severity: 'high', line: 1 },
  { rule: 'linux/private-key', path: '/etc/app/ed25519.pem', text: `# key\n${ED25519_PKCS8}`, secret: ED25519_PKCS8.split('\n')[1]!, severity: 'high', line: 2 },
  { rule: 'linux/private-key', path: '/root/.gnupg/backup.asc', text: `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${PGP_BODY}\n-----END PGP PRIVATE KEY BLOCK-----\n`, secret: PGP_BODY.slice(0, 30), severity: 'high', line: 1 },
  { rule: 'linux/private-key', path: '/home/alice/key.ppk', text: PUTTY('none'), secret: 'Private-MAC', severity: 'high', line: 1 },
  { rule: 'linux/encrypted-private-key', path: '/home/alice/key-enc.ppk', text: PUTTY('aes256-cbc'), secret: 'Private-MAC', severity: 'medium' },
  { rule: 'linux/encrypted-private-key', path: '/etc/app/key.pem', text: PKCS8_ENCRYPTED, secret: PKCS8_ENCRYPTED.split('\n')[1]!, severity: 'medium', line: 1 },
  { rule: 'linux/encrypted-private-key', path: '/etc/app/legacy.pem', text: LEGACY_ENCRYPTED, secret: LEGACY_ENCRYPTED.split('\n')[4]!, severity: 'medium', line: 1 },
];

function answerFile(shellSetup: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="oobeSystem">\n` +
    `<component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">${shellSetup}</component>\n` +
    '</settings></unattend>\n';
}

/** For every rule: what looks close but is no secret. */
const NEGATIVE: Array<{ rule: string; path: string; text: string; why: string }> = [
  { rule: 'secretlint/privatekey', path: '/etc/ssl/certs/x.pem', text: '-----BEGIN PRIVATE KEY-----\n...your key here...\n-----END PRIVATE KEY-----\n', why: 'a placeholder' },
  { rule: 'secretlint/privatekey', path: '/root/.ssh/id_ed25519.pub', text: `ssh-ed25519 ${rand(68, B64)} root@golden\n`, why: 'a public key' },
  { rule: 'secretlint/aws', path: '/root/.aws/credentials', text: '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n', why: "AWS's documented example" },
  { rule: 'secretlint/github', path: '/etc/app.conf', text: 'token = ghp_tooShort123\n', why: 'too short for a token' },
  { rule: 'secretlint/slack', path: '/var/lib/apt/lists/x_Packages', text: 'Package: cinnamon\nRecommends: libxapp-gtk3-module, xapp-sn-watcher (= 2.4.2-3)\nSuggests: mate-xapp-status-applet\n', why: 'Debian package names' },
  { rule: 'secretlint/slack', path: '/var/lib/dpkg/status', text: 'Package: xapp-symbolic-icons\n', why: 'a Debian package name' },
  { rule: 'secretlint/basicauth', path: '/usr/share/doc/x/README', text: 'git clone https://myusername:mypassword@github.com/x/y.git\nhttp://user:${PASSWORD}@proxy.local\n', why: 'placeholders' },
  { rule: 'secretlint/database-connection-string', path: '/etc/app.conf', text: 'url = postgresql://app@db.internal/app\n', why: 'no password' },
  { rule: 'secretlint/npm', path: '/root/.npmrc', text: '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n', why: 'a variable' },

  { rule: 'linux/shadow-password', path: '/etc/shadow', text: 'root:*:19000:0:99999:7:::\ndaemon:!:19000::::::\nsshd:!!:19000::::::\nsystemd-network:!*:19000::::::\nguest::19000:0:99999:7:::\nnobody:x:19000::::::\nlocked:*LK*:19000::::::\n', why: 'no hash' },
  { rule: 'linux/shadow-password', path: '/etc/gshadow', text: 'root:*::\nadm:!::syslog\ndevs:!::alice\n', why: 'no group password' },
  { rule: 'linux/shadow-password', path: '/usr/share/doc/passwd/shadow.txt', text: 'The field looks like $6$salt$hash in /etc/shadow.\nroot:$6$salt$hash\n', why: 'an example without the aging fields, outside /etc' },
  { rule: 'linux/shadow-password', path: '/usr/share/man/man5/shadow.5.gz', text: 'root:$6$x$y', why: 'a manual page (not named like a shadow file in /etc, no aging fields)' },

  ...([
    ['mysql -u root -p appdb', 'mysql -p prompts (the next word is the database)'],
    ['mysql -u root -p secret', 'the planted lived-in line: -p with a space prompts; "secret" is the database'],
    ['mysql --password appdb', "mysql's --password without = prompts"],
    ['mysql -P 3306 -h db', '-P is the port'],
    ['sshpass -f /root/pw ssh -p 2222 host', "sshpass reads a file; -p 2222 is ssh's port"],
    ['sshpass -e ssh host', 'sshpass reads SSHPASS from the environment'],
    ['curl -u alice https://x.example/api', 'curl prompts for the password'],
    ['curl -u "$USER:$PASS" https://x.example/api', 'variables'],
    ['export TOKEN_FILE=/run/secrets/token', 'a file name'],
    ['export GITHUB_TOKEN=$(cat /run/secrets/gh)', 'a command substitution'],
    ['export API_TOKEN="${TOKEN}"', 'a variable'],
    ['export AWS_ACCESS_KEY_ID=AKIA0000', 'an id, not a secret'],
    ['PWD=/tmp ls', 'the working directory'],
    ['export VAULT_SKIP_TOKEN=true', 'a switch, not a value'],
    ['cat token.txt | docker login -u bot --password-stdin ghcr.io', 'not a literal'],
    ['docker run -p 8080:80 nginx', 'docker run: -p publishes a port'],
    ['docker run -p 80:80 img login', '"login" is an argument of run'],
    ['echo hello | chpasswd', 'no user:password'],
    ['kubeadm token create --ttl 0', 'no token value'],
    ['psql --password appdb', "psql's --password is a flag"],
    ['redis-cli -h cache ping', 'no password'],
    ['openssl pkcs12 -export -passout env:PW -out c.p12', 'from the environment'],
    ['smbclient //fs/share -U alice', 'smbclient prompts'],
    ['mount -o credentials=/root/.smbcred //fs/share /mnt', 'a credentials file'],
    ['htpasswd -c /etc/nginx/.htpasswd alice', 'htpasswd prompts'],
    ['ldapsearch -x -W -D cn=admin', 'ldapsearch prompts (-W)'],
    ['git push --force-with-lease', 'nothing secret'],
    ['# export PASSWORD=hunter2 is a bad idea', 'a comment'],
    ['passwd alice', 'passwd prompts'],
  ] as const).map(([line, why]) => ({ rule: 'linux/shell-history-credential', path: '/root/.bash_history', text: `${line}\n`, why })),
  { rule: 'linux/shell-history-credential', path: '/var/lib/postgresql/.psql_history', text: '\\password app\nALTER USER app WITH PASSWORD NULL;\nselect * from users;\n', why: 'psql prompts; NULL' },
  { rule: 'linux/shell-history-credential', path: '/root/.python_history', text: 'import getpass\npassword = getpass.getpass()\n', why: 'no literal' },
  { rule: 'linux/shell-history-credential', path: '/root/.rediscli_history', text: 'GET session:1\n', why: 'no AUTH' },
  { rule: 'linux/shell-history-credential', path: '/usr/share/doc/mysql/README', text: 'mysql -u root -pHunter2x1 appdb\n', why: 'not a history: documentation examples are not read by this rule' },

  { rule: 'linux/git-credentials', path: '/home/alice/.git-credentials', text: 'https://alice@github.com\nhttps://github.com\n', why: 'no password' },
  { rule: 'linux/netrc', path: '/root/.netrc', text: 'machine ftp.example.org login anonymous\ndefault login anonymous\nmacdef init\npassword inside-a-macro\n\n', why: 'no password token; a macro body' },
  { rule: 'linux/docker-auth', path: '/root/.docker/config.json', text: JSON.stringify({ auths: { 'ghcr.io': {}, 'quay.io': { auth: '' }, 'x.io': { auth: Buffer.from('justuser').toString('base64') } }, credsStore: 'pass' }), why: 'a credential helper; empty; no password' },
  { rule: 'linux/kubeconfig-key', path: '/root/.kube/config', text: 'apiVersion: v1\nkind: Config\nusers:\n- name: a\n  user:\n    client-key: /etc/k/a.key\n    tokenFile: /run/token\n    token: ""\n- name: b\n  user:\n    token: REDACTED\n', why: 'file references, empty, redacted' },
  { rule: 'linux/kubeconfig-key', path: '/srv/app/configmap.yaml', text: 'apiVersion: v1\nkind: ConfigMap\ndata:\n  token: abcdef\n', why: 'not a kubeconfig' },
  { rule: 'linux/answer-file-password', path: '/var/lib/sysprep/unattend.xml', text: answerFile('<UserAccounts><AdministratorPassword>*SENSITIVE*DATA*DELETED*</AdministratorPassword></UserAccounts><AutoLogon><Password><Value></Value><PlainText>true</PlainText></Password></AutoLogon>'), why: 'scrubbed; empty' },
  { rule: 'linux/answer-file-password', path: '/usr/share/app/settings.xml', text: '<settings><Password><Value>x</Value></Password></settings>\n', why: 'not an answer file' },
  { rule: 'linux/private-key', path: '/etc/apt/trusted.gpg.d/x.asc', text: `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${PGP_BODY}\n-----END PGP PUBLIC KEY BLOCK-----\n`, why: 'a public key' },
  { rule: 'linux/private-key', path: '/usr/share/doc/gnupg/README', text: '-----BEGIN PGP PRIVATE KEY BLOCK-----\n...\n-----END PGP PRIVATE KEY BLOCK-----\n', why: 'a placeholder' },
  { rule: 'linux/encrypted-private-key', path: '/usr/share/doc/openssl/README', text: '-----BEGIN ENCRYPTED PRIVATE KEY-----\n(base64)\n-----END ENCRYPTED PRIVATE KEY-----\n', why: 'a placeholder' },
];

const ALL_RULES = [
  ...presetRuleNames(installedPresetRules).filter((n) => PRESET_KEYWORDS[n] !== null).map((n) => `secretlint/${n}`),
  ...LINUX_RULES.map((r) => r.id),
];

async function hitsOf(s: { path: string; text: string }, keepAccounts: string[] = []): Promise<SecretHit[]> {
  return rules.scan(s.path, s.text, { keepAccounts });
}

test('PRESET_KEYWORDS names every rule of the installed preset, no more (a new preset rule needs a keyword)', () => {
  assert.deepEqual(Object.keys(PRESET_KEYWORDS).sort(), presetRuleNames(installedPresetRules).sort());
});

test('every rule has a positive and a negative sample (the preset: every rule positive, the main ones negative too)', () => {
  for (const r of ALL_RULES) assert.ok(POSITIVE.some((s) => s.rule === r), `no positive sample for ${r}`);
  const needNegative = [...LINUX_RULES.map((r) => r.id), 'secretlint/privatekey', 'secretlint/aws', 'secretlint/github', 'secretlint/slack', 'secretlint/basicauth'];
  for (const r of needNegative) assert.ok(NEGATIVE.some((s) => s.rule === r), `no negative sample for ${r}`);
});

for (const s of POSITIVE) {
  test(`${s.rule} finds ${s.path}${s.severity ? ` (${s.severity})` : ''}: ${JSON.stringify(s.text.slice(0, 60))}`, async () => {
    const hits = await hitsOf(s);
    const mine = hits.filter((h) => h.rule === s.rule);
    assert.ok(mine.length > 0, `no ${s.rule} hit; got ${JSON.stringify(hits)}`);
    if (s.severity) assert.equal(mine[0]!.severity, s.severity);
    if (s.line) assert.equal(mine[0]!.line, s.line);
    for (const h of hits) {
      assert.ok(!h.message.includes(s.secret), `message holds the secret: ${h.message}`);
      assert.ok(!h.message.includes('\n'), 'one line');
    }
  });
}

test('the prefilter lets every positive sample through: its keyword matches, or its path is always scanned', () => {
  for (const s of POSITIVE) {
    // what the scanner does: a file reaches scan() when the keywords match its text or its path is a rule path
    assert.ok(rules.keywords.test(s.text) || secretPathRule(s.path), `${s.rule}: ${s.path} ${JSON.stringify(s.text.slice(0, 80))} never reaches scan`);
    // a sample away from the rule paths can only be found through the keywords
    if (!secretPathRule(s.path)) assert.ok(rules.keywords.test(s.text), `${s.rule}: keywords miss ${JSON.stringify(s.text.slice(0, 80))}`);
  }
  // every rule that reads any file (it has a keyword) is shown to find a secret away from the rule paths
  for (const r of ALL_RULES.filter((id) => !LINUX_RULES.some((l) => l.id === id && l.keyword === null))) {
    assert.ok(POSITIVE.some((s) => s.rule === r && !secretPathRule(s.path)), `${r}: no sample away from the rule paths`);
  }
});

test('rules without a keyword only read the files their paths name (so the prefilter cannot hide their secrets)', async () => {
  const pathOnly = new Set(LINUX_RULES.filter((r) => r.keyword === null).map((r) => r.id));
  assert.deepEqual([...pathOnly].sort(), ['linux/git-credentials', 'linux/netrc', 'linux/shell-history-credential']);
  for (const s of POSITIVE.filter((x) => pathOnly.has(x.rule))) {
    const elsewhere = await hitsOf({ path: '/usr/share/doc/example/notes.txt', text: s.text });
    assert.deepEqual(elsewhere.filter((h) => h.rule === s.rule), [], `${s.rule} fired outside its files`);
  }
});

for (const s of NEGATIVE) {
  test(`${s.rule} ignores ${s.why}: ${JSON.stringify(s.text.slice(0, 50))}`, async () => {
    const hits = (await hitsOf(s)).filter((h) => h.rule === s.rule);
    assert.deepEqual(hits, []);
  });
}

test('keepAccounts: the accounts kept on purpose are no findings; * keeps all', async () => {
  const shadow = {
    path: '/etc/shadow',
    text: 'root:$6$r$cm9vdGhhc2g:19000:0:99999:7:::\nalice:$y$j9T$a$YWxpY2VoYXNo:19000:0:99999:7:::\nbob:$y$j9T$b$Ym9iaGFzaA:19000:0:99999:7:::\n',
  };
  const names = (hits: SecretHit[]) => hits.map((h) => /"([^"]+)"/.exec(h.message)![1]);
  assert.deepEqual(names(await hitsOf(shadow)), ['root', 'alice', 'bob']);
  assert.deepEqual(names(await hitsOf(shadow, ['alice'])), ['root', 'bob']);
  assert.deepEqual(names(await hitsOf(shadow, ['alice', 'root', 'bob'])), []);
  assert.deepEqual(await hitsOf(shadow, ['*']), []);
  // the same for a copy of the file elsewhere
  assert.deepEqual(names(await hitsOf({ path: '/var/backups/shadow.bak', text: shadow.text }, ['root'])), ['alice', 'bob']);
  assert.deepEqual(names(await hitsOf({ path: '/root/shadow.save', text: shadow.text }, ['root'])), ['alice', 'bob']);
});

test('password fields: crypt schemes are hashes; *, !, !!, !*, x, *LK*, empty are not; ! locks', () => {
  assert.deepEqual(cryptScheme('$y$j9T$salt$hash'), { scheme: 'yescrypt', locked: false });
  assert.deepEqual(cryptScheme('!$6$salt$hash'), { scheme: 'sha512crypt', locked: true });
  assert.deepEqual(cryptScheme('!!$2b$10$x'), { scheme: 'bcrypt', locked: true });
  assert.deepEqual(cryptScheme('Ab3dEf6hIj9kL'), { scheme: 'DES crypt', locked: false });
  for (const f of ['*', '!', '!!', '!*', 'x', '*LK*', '', 'NP', '!$']) assert.equal(cryptScheme(f), undefined, f);
});

test('PEM keys: the preset reports the large ones, linux/private-key the small ones it misses, never both', async () => {
  assert.deepEqual((await hitsOf({ path: '/k', text: RSA_PEM })).map((h) => h.rule), ['secretlint/privatekey']);
  assert.deepEqual((await hitsOf({ path: '/k', text: EC_PKCS8 })).map((h) => h.rule), ['secretlint/privatekey']);
  assert.deepEqual((await hitsOf({ path: '/k', text: EC_PEM })).map((h) => h.rule), ['linux/private-key']);
  assert.deepEqual((await hitsOf({ path: '/k', text: ED25519_PKCS8 })).map((h) => h.rule), ['linux/private-key']);
  assert.deepEqual((await hitsOf({ path: '/k', text: PKCS8_ENCRYPTED })).map((h) => h.rule), ['linux/encrypted-private-key']);
  assert.deepEqual((await hitsOf({ path: '/k', text: LEGACY_ENCRYPTED })).map((h) => h.rule), ['linux/encrypted-private-key']);
});

test('one secret, one finding: a git credential line is not also a basic-auth URL; a history token is the preset\'s', async () => {
  const git = await hitsOf({ path: '/home/alice/.git-credentials', text: 'https://alice:Hunter3a1b2@github.com\n' });
  assert.deepEqual(git.map((h) => h.rule), ['linux/git-credentials']);
  const hist = await hitsOf({ path: '/root/.bash_history', text: `export GITHUB_TOKEN=${SECRETS.github}\n` });
  assert.deepEqual(hist.map((h) => h.rule), ['secretlint/github']);
});

test('one finding per rule and line (the npm rule sees an .npmrc token twice)', async () => {
  const hits = await hitsOf({ path: '/root/.npmrc', text: `//registry.npmjs.org/:_authToken=${SECRETS.npm}\n` });
  assert.deepEqual(hits.map((h) => h.rule), ['secretlint/npm']);
});

test('a file cannot silence the preset with secretlint-disable comments (filter-comments is off)', async () => {
  const hits = await hitsOf({ path: '/opt/bot/.env', text: `# secretlint-disable\nSLACK_BOT=${SECRETS.slack}\n` });
  assert.deepEqual(hits.map((h) => h.rule), ['secretlint/slack']);
});

test('secretPathRule: the files read whatever they hold', () => {
  for (const p of ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/var/backups/shadow.bak', '/root/.bash_history', '/home/a/.zsh_history',
    '/home/a/.local/share/fish/fish_history', '/var/lib/postgresql/.psql_history', '/root/.git-credentials', '/root/.netrc',
    '/root/.docker/config.json', '/run/containers/0/auth.json', '/home/a/.config/containers/auth.json', '/root/.kube/config',
    '/etc/kubernetes/admin.conf', '/etc/sysprep/unattend.xml', '/Autounattend.xml', '/var/lib/sysprep/panther/unattend.xml']) {
    assert.ok(secretPathRule(p), p);
  }
  for (const p of ['/usr/share/man/man5/shadow.5.gz', '/etc/passwd', '/usr/share/doc/bash/README', '/etc/ssh/sshd_config', '/home/a/.lesshst']) {
    assert.ok(!secretPathRule(p), p);
  }
});

test('the .p12 form of the gcp rule never reads the host file system', async () => {
  // the rule would readFileSync(filePath) itself: a path that exists on the host must not be read
  const hits = await hitsOf({ path: '/etc/hostname.p12', text: 'not a p12' });
  assert.deepEqual(hits, []);
});
