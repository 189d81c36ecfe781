import { defineProvider } from './api.js';
import { configFiles } from './_identity.js';
import { count, editLines } from './_shared.js';

/**
 * Yggdrasil's node key pair. The node's key is its identity on the network: its IPv6 address is
 * derived from the public key (yggdrasil-network.github.io, "Configuration"), so clones that share
 * /etc/yggdrasil/yggdrasil.conf (made by `yggdrasil -genconf`, as the package's README says) all
 * claim one address, and each holds the others' private key.
 *
 * At generalize the `PublicKey:` and `PrivateKey:` lines give way to a comment that marks their place;
 * everything else (peers, listeners, allowed keys) stays byte for byte. At first boot the clone takes a
 * new pair from its own `yggdrasil -genconf` and puts it where the marks are, keeping the file's owner
 * and mode, before yggdrasil starts.
 */
const CONFIGS = ['/etc/yggdrasil/yggdrasil.conf', '/etc/yggdrasil.conf'];
const YGGDRASIL = '/usr/sbin/yggdrasil';
const KEY_LINE = /^(\s*)(PublicKey|PrivateKey):\s*[0-9a-fA-F]{64,128}\s*$/;
const mark = (name: string) => `# sysprep: ${name} made at first boot`;

/** On the clone: a new pair from `yggdrasil -genconf` in place of the marks; "$1" is the new file, "$2" the configuration. */
const SCRIPT = `new=$(${YGGDRASIL} -genconf) || exit 1
pub=$(printf '%s\\n' "$new" | sed -n 's/^[[:space:]]*PublicKey:[[:space:]]*\\([0-9a-f]*\\)[[:space:]]*$/\\1/p')
priv=$(printf '%s\\n' "$new" | sed -n 's/^[[:space:]]*PrivateKey:[[:space:]]*\\([0-9a-f]*\\)[[:space:]]*$/\\1/p')
[ -n "$pub" ] && [ -n "$priv" ] || exit 1
sed -e "s/^\\([[:space:]]*\\)${mark('PublicKey')}$/\\1PublicKey: $pub/" -e "s/^\\([[:space:]]*\\)${mark('PrivateKey')}$/\\1PrivateKey: $priv/" "$2" > "$1" &&
chown --reference="$2" "$1" && chmod --reference="$2" "$1"`;

export default defineProvider({
  id: 'yggdrasil-keys',
  summary: "Remove Yggdrasil's node key pair from its configuration; the clone makes its own at first boot",
  pass: 'generalize',
  defaultEnabled: true,
  identity: CONFIGS,
  run(ctx) {
    let n = 0;
    for (const file of configFiles(ctx, CONFIGS)) {
      if (editLines(ctx, file, (lines) => lines.map((l) => {
        const m = KEY_LINE.exec(l);
        return m ? `${m[1]}${mark(m[2]!)}` : l;
      }), 'node key pair')) n++;
    }
    if (n) ctx.note(`removed the Yggdrasil node key pair from ${count(n, 'configuration')}; the clone makes its own at first boot`);
  },
  regenerate(fs) {
    if (!fs.isFile(YGGDRASIL)) return [];
    return CONFIGS.filter((f) => fs.lstat(f)?.isFile() && (fs.readText(f) ?? '').includes(mark('PrivateKey'))).map((file) => ({
      id: `yggdrasil-keys${file === CONFIGS[0] ? '' : '-etc'}`,
      out: file,
      argv: ['/bin/sh', '-c', SCRIPT, 'yggdrasil-keys', '@out', file],
      before: ['yggdrasil.service'],
    }));
  },
});
