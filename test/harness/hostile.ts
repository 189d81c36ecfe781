/**
 * Hostile answer-file values (issue 10): command substitutions, backquotes, both quotes, `;`, line
 * breaks, leading dashes, long values, in every value that reaches the first boot. Each either
 * arrives verbatim, or the answer file is refused by `unattend check` and generalize; and nothing runs
 * that the answer file did not ask for: every `touch` below names a canary file that must never exist.
 * Shared by the chroot test (hostile-chroot.test.ts) and the one QEMU boot (first-boot-hostile.test.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { linuxHostname, linuxUserName } from '../../src/system/host.js';
import { COMPONENT, INTERNATIONAL, UNATTEND } from './first-boot.js';

export const CANARY = '/var/tmp/pwned-';
/** A value that runs `touch CANARY…` three ways if anything ever evaluates it as shell. */
export const hostile = (n: number) => `-rf $(touch ${CANARY}${n}) \`touch ${CANARY}${n}b\` 'sq' "dq"; touch ${CANARY}${n}c --help`;

export const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** 511 bytes, the most a Linux password holds (PAM), hostile and not ASCII only. */
function longPassword(): string {
  let p = `${hostile(6)} ü€ \\ $HOME `;
  while (Buffer.byteLength(p) < 511) p += 'x';
  return p;
}

export const H = {
  adminPassword: hostile(1),
  userName: '-rf $(touch pwned-3)',
  displayName: hostile(4),
  description: `${hostile(5)}\nsecond line`,
  userPassword: longPassword(),
  timeZone: hostile(8),
  computerName: '-RF--HELP',
  runDescription: `${hostile(9)}\nline two`,
  /** a command the answer file asks for: it runs exactly as written, with /bin/sh -c */
  runPath: `printf '%s|' '$(touch ${CANARY}10)' "a;b" -rf --help "$(echo sub)" \`echo bq\` "it's" >> /var/tmp/run-out\necho line2 >> /var/tmp/run-out`,
  firstLogonDescription: hostile(11),
  firstLogonCommand: `printf '%s|' '$(touch ${CANARY}12)' "$(id -un)" -rf >> /var/tmp/first-logon-out`,
} as const;

/** What the RunSynchronous command writes, and the FirstLogonCommand for USER. */
export const RUN_OUT = `$(touch ${CANARY}10)|a;b|-rf|--help|sub|bq|it's|line2\n`;
export const firstLogonOut = (user: string) => `$(touch ${CANARY}12)|${user}|-rf|`;
export const USER = linuxUserName(H.userName);
export const HOST = linuxHostname(H.computerName);

/** The answer file with every hostile value at once (valid: `unattend check` accepts it). */
export function hostileAnswerFile(): string {
  return UNATTEND({
    specialize: COMPONENT('Microsoft-Windows-Shell-Setup', `<ComputerName>${xml(H.computerName)}</ComputerName><TimeZone>${xml(H.timeZone)}</TimeZone>`) +
      INTERNATIONAL +
      COMPONENT('Microsoft-Windows-Deployment', '<RunSynchronous><RunSynchronousCommand wcm:action="add"><Order>1</Order>' +
        `<Path>${xml(H.runPath)}</Path><Description>${xml(H.runDescription)}</Description></RunSynchronousCommand></RunSynchronous>`),
    oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
      `<UserAccounts><AdministratorPassword><Value>${xml(H.adminPassword)}</Value><PlainText>true</PlainText></AdministratorPassword>` +
      `<LocalAccounts><LocalAccount wcm:action="add"><Name>${xml(H.userName)}</Name><DisplayName>${xml(H.displayName)}</DisplayName>` +
      `<Description>${xml(H.description)}</Description><Group>Users</Group>` +
      `<Password><Value>${xml(H.userPassword)}</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>` +
      '<FirstLogonCommands><SynchronousCommand wcm:action="add"><Order>1</Order>' +
      `<CommandLine>${xml(H.firstLogonCommand)}</CommandLine><Description>${xml(H.firstLogonDescription)}</Description></SynchronousCommand></FirstLogonCommands>` +
      '<OOBE><HideEULAPage>true</HideEULAPage></OOBE>'),
  });
}

/** The canary files under a root (none may exist). */
export function canaries(root: string): string[] {
  const dir = path.join(root, path.dirname(CANARY));
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.startsWith(path.basename(CANARY))) : [];
}

/** A field of an account's /etc/passwd line (5: GECOS). */
export function passwdField(passwd: string, user: string, field: number): string | undefined {
  return passwd.split('\n').find((l) => l.startsWith(`${user}:`))?.split(':')[field];
}

/**
 * Answer files Linux cannot carry out as written, each refused with the setting's line and column:
 * [what, pass, component, body].
 */
export const REFUSED: [string, string, string, string][] = [
  ['a line break in AdministratorPassword', 'oobeSystem', 'Microsoft-Windows-Shell-Setup',
    `<UserAccounts><AdministratorPassword><Value>one\ntwo</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts>`],
  ['a 64 KiB LocalAccount password', 'oobeSystem', 'Microsoft-Windows-Shell-Setup',
    `<UserAccounts><LocalAccounts><LocalAccount wcm:action="add"><Name>eve</Name><Password><Value>${'p'.repeat(65536)}</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>`],
  ['":" in a LocalAccount Name', 'oobeSystem', 'Microsoft-Windows-Shell-Setup',
    '<UserAccounts><LocalAccounts><LocalAccount wcm:action="add"><Name>eve:x</Name></LocalAccount></LocalAccounts></UserAccounts>'],
  ['a line break in a LocalAccount Name', 'oobeSystem', 'Microsoft-Windows-Shell-Setup',
    '<UserAccounts><LocalAccounts><LocalAccount wcm:action="add"><Name>eve\nroot</Name></LocalAccount></LocalAccounts></UserAccounts>'],
  ['":" in a DisplayName (GECOS)', 'oobeSystem', 'Microsoft-Windows-Shell-Setup',
    '<UserAccounts><LocalAccounts><LocalAccount wcm:action="add"><Name>eve</Name><DisplayName>Eve:0:0</DisplayName></LocalAccount></LocalAccounts></UserAccounts>'],
  ['a line break in a DisplayName (GECOS)', 'oobeSystem', 'Microsoft-Windows-Shell-Setup',
    '<UserAccounts><LocalAccounts><LocalAccount wcm:action="add"><Name>eve</Name><DisplayName>Eve\nroot</DisplayName></LocalAccount></LocalAccounts></UserAccounts>'],
  ['a 64 KiB DisplayName', 'oobeSystem', 'Microsoft-Windows-Shell-Setup',
    `<UserAccounts><LocalAccounts><LocalAccount wcm:action="add"><Name>eve</Name><DisplayName>${'d'.repeat(65536)}</DisplayName></LocalAccount></LocalAccounts></UserAccounts>`],
  ['a 64 KiB LocalAccount Description', 'oobeSystem', 'Microsoft-Windows-Shell-Setup',
    `<UserAccounts><LocalAccounts><LocalAccount wcm:action="add"><Name>eve</Name><Description>${'d'.repeat(65536)}</Description></LocalAccount></LocalAccounts></UserAccounts>`],
  ['a 64 KiB LocalAccount Name', 'oobeSystem', 'Microsoft-Windows-Shell-Setup',
    `<UserAccounts><LocalAccounts><LocalAccount wcm:action="add"><Name>${'n'.repeat(65536)}</Name></LocalAccount></LocalAccounts></UserAccounts>`],
  ['a 64 KiB TimeZone', 'specialize', 'Microsoft-Windows-Shell-Setup', `<TimeZone>${'t'.repeat(65536)}</TimeZone>`],
  ['shell in ComputerName', 'specialize', 'Microsoft-Windows-Shell-Setup', `<ComputerName>$(touch ${CANARY}20)</ComputerName>`],
  ['a 64 KiB ComputerName', 'specialize', 'Microsoft-Windows-Shell-Setup', `<ComputerName>${'c'.repeat(65536)}</ComputerName>`],
  ['a 64 KiB RunSynchronous Path', 'specialize', 'Microsoft-Windows-Deployment',
    `<RunSynchronous><RunSynchronousCommand wcm:action="add"><Order>1</Order><Path>${'echo x;'.repeat(8192)}</Path></RunSynchronousCommand></RunSynchronous>`],
  ['a 64 KiB RunSynchronous Description', 'specialize', 'Microsoft-Windows-Deployment',
    `<RunSynchronous><RunSynchronousCommand wcm:action="add"><Order>1</Order><Path>true</Path><Description>${'d'.repeat(65536)}</Description></RunSynchronousCommand></RunSynchronous>`],
  ['a 64 KiB FirstLogonCommands CommandLine', 'oobeSystem', 'Microsoft-Windows-Shell-Setup',
    `<FirstLogonCommands><SynchronousCommand wcm:action="add"><Order>1</Order><CommandLine>${'echo x;'.repeat(8192)}</CommandLine></SynchronousCommand></FirstLogonCommands>`],
  ['a 64 KiB FirstLogonCommands Description', 'oobeSystem', 'Microsoft-Windows-Shell-Setup',
    `<FirstLogonCommands><SynchronousCommand wcm:action="add"><Order>1</Order><CommandLine>true</CommandLine><Description>${'d'.repeat(65536)}</Description></SynchronousCommand></FirstLogonCommands>`],
];

export const refusedFile = ([, pass, component, body]: (typeof REFUSED)[number]) => UNATTEND({ [pass]: COMPONENT(component, body) });
